"""PostgreSQL: the keyword search reads one index per customer, its contacts' texts included.

Migration 0005 indexed the customer's texts and each contact's texts in their own tables; a
keyword was then ``id IN (customers matching UNION contacts matching)``. For a keyword that
many rows contain (one Chinese character) that set is built whole — tens of thousands of ids
at a million customers — before the class, grade or other conditions can narrow it, and the
planner cannot combine the keyword with their indexes (docs/benchmarks.md).

Now, as the SQLite FTS table already does, a customer carries its contacts' texts in a column
``search_contacts`` (unknown to Django, like ``search_grams``), kept by statement-level
triggers on the contact table: one set-based UPDATE per statement, so a bulk ``COPY`` of
contacts costs one statement, not one per row. The trigram index and the grams cover
``customer texts || separator || search_contacts``, and the keyword is a condition on the
customer row itself (kehu/customers/search.py), which the planner can AND with the others.
SQLite and other databases: nothing changes.
"""

from django.db import migrations

_SEP = "E'\\x1F'"
_TEXTS = (
    f"(code || {_SEP} || name || {_SEP} || short_name || {_SEP} || mnemonic"
    f" || {_SEP} || phone || {_SEP} || mobile || {_SEP} || email || {_SEP} || search_contacts)"
)
_OLD_TEXTS = (
    f"(code || {_SEP} || name || {_SEP} || short_name || {_SEP} || mnemonic"
    f" || {_SEP} || phone || {_SEP} || mobile || {_SEP} || email)"
)
_CONTACT_TEXTS = (
    f"(t.name || {_SEP} || t.phone || {_SEP} || t.mobile || {_SEP} || t.email)"
)
_CONTACTS_OF = (
    f"coalesce((SELECT string_agg({_CONTACT_TEXTS}, {_SEP} ORDER BY t.id)"
    " FROM customers_contact AS t WHERE t.customer_id = c.id), '')"
)

FORWARD = [
    # the old search objects first: the backfill below then rewrites rows without computing
    # their grams or maintaining two GIN indexes
    "DROP INDEX customers_search_customer_trgm",
    "DROP INDEX customers_search_customer_grams",
    "ALTER TABLE customers_customer DROP COLUMN search_grams",
    "ALTER TABLE customers_customer ADD COLUMN search_contacts text NOT NULL DEFAULT ''",
    f"""UPDATE customers_customer AS c SET search_contacts = s.texts
    FROM (SELECT t.customer_id, string_agg({_CONTACT_TEXTS}, {_SEP} ORDER BY t.id) AS texts
          FROM customers_contact AS t GROUP BY t.customer_id) AS s
    WHERE s.customer_id = c.id""",
    """
    CREATE FUNCTION kehu_search_contacts_refresh() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE customers_customer AS c SET search_contacts = %(contacts)s
            WHERE c.id IN (SELECT customer_id FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE customers_customer AS c SET search_contacts = %(contacts)s
            WHERE c.id IN (SELECT customer_id FROM old_rows);
        ELSE
            UPDATE customers_customer AS c SET search_contacts = %(contacts)s
            WHERE c.id IN (SELECT customer_id FROM new_rows
                           UNION SELECT customer_id FROM old_rows);
        END IF;
        RETURN NULL;
    END
    $$
    """
    % {"contacts": _CONTACTS_OF},
    "CREATE TRIGGER customers_search_contacts_insert AFTER INSERT ON customers_contact"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION kehu_search_contacts_refresh()",
    "CREATE TRIGGER customers_search_contacts_update AFTER UPDATE ON customers_contact"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION kehu_search_contacts_refresh()",
    "CREATE TRIGGER customers_search_contacts_delete AFTER DELETE ON customers_contact"
    " REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION kehu_search_contacts_refresh()",
    f"CREATE INDEX customers_search_customer_trgm ON customers_customer"
    f" USING gin ({_TEXTS} gin_trgm_ops)",
    "ALTER TABLE customers_customer ADD COLUMN search_grams text[]"
    f" GENERATED ALWAYS AS (kehu_search_grams{_TEXTS}) STORED",
    "CREATE INDEX customers_search_customer_grams ON customers_customer"
    " USING gin (search_grams)",
    # The planner estimates how many rows hold a gram from the column's most common elements;
    # with the default sample a rare pair of characters is guessed at 5,000 rows of a million,
    # and walking the code index for 50 of them reads the whole table (6.8 s for 30 matches).
    # A larger sample lists more elements and puts the rest far lower: 0.5 ms.
    "ALTER TABLE customers_customer ALTER COLUMN search_grams SET STATISTICS 2000",
    "DROP INDEX customers_search_contact_grams",
    "DROP INDEX customers_search_contact_trgm",
    "ALTER TABLE customers_contact DROP COLUMN search_grams",
]

_OLD_CONTACT = f"(name || {_SEP} || phone || {_SEP} || mobile || {_SEP} || email)"
BACKWARD = [
    "CREATE INDEX customers_search_contact_trgm ON customers_contact"
    f" USING gin ({_OLD_CONTACT} gin_trgm_ops)",
    "ALTER TABLE customers_contact ADD COLUMN search_grams text[]"
    f" GENERATED ALWAYS AS (kehu_search_grams{_OLD_CONTACT}) STORED",
    "CREATE INDEX customers_search_contact_grams ON customers_contact"
    " USING gin (search_grams)",
    "DROP INDEX customers_search_customer_grams",
    "DROP INDEX customers_search_customer_trgm",
    "ALTER TABLE customers_customer DROP COLUMN search_grams",
    f"CREATE INDEX customers_search_customer_trgm ON customers_customer"
    f" USING gin ({_OLD_TEXTS} gin_trgm_ops)",
    "ALTER TABLE customers_customer ADD COLUMN search_grams text[]"
    f" GENERATED ALWAYS AS (kehu_search_grams{_OLD_TEXTS}) STORED",
    "CREATE INDEX customers_search_customer_grams ON customers_customer"
    " USING gin (search_grams)",
    *(
        f"DROP TRIGGER customers_search_contacts_{event} ON customers_contact"
        for event in ("insert", "update", "delete")
    ),
    "DROP FUNCTION kehu_search_contacts_refresh()",
    "ALTER TABLE customers_customer DROP COLUMN search_contacts",
]


def _run(schema_editor, statements) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement, params=None)  # no params: "%" is literal


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_fk_indexes_and_sort_indexes")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
