"""Indexes for the keyword search of the customer list (SPEC §3); kehu/customers/search.py
queries them, docs/architecture.md explains them.

A customer's searchable texts are its code, name, short name, mnemonic, phone, mobile and
email, and the name, phone, mobile and email of each of its contacts. Every text is followed
by the separator U+001F (twice on SQLite), so that no match can span two texts.

- SQLite (3.34 or later): an FTS5 table ``customers_search`` with the trigram tokenizer, one
  document per customer (rowid = customer id), kept up to date by triggers on the customer and
  contact tables, whatever writes them (services, bulk loads, raw SQL); an fts5vocab table over
  it lists its trigrams, which answers keywords of one or two characters.
- PostgreSQL: pg_trgm GIN indexes on the texts of a customer and of a contact (one expression
  each), for keywords of three characters or more, and GIN indexes on their one- and
  two-character grams (``kehu_search_grams``, kept in a generated column ``search_grams``
  that Django does not know about) for shorter ones. No triggers are needed.

The search expressions in kehu/customers/search.py must stay identical to the indexed ones
(tests/customers/test_search.py checks on PostgreSQL that the indexes are used).
"""

import sqlite3

from django.db import migrations

# -- SQLite ------------------------------------------------------------------------------------

_SEP = "char(31, 31)"
_CONTACT_TEXTS = (
    f"t.name || {_SEP} || t.phone || {_SEP} || t.mobile || {_SEP} || t.email || {_SEP}"
)
# The document of customer ``c``: its own texts, then each contact's.
_DOCUMENT = (
    f"c.code || {_SEP} || c.name || {_SEP} || c.short_name || {_SEP} || c.mnemonic || {_SEP}"
    f" || c.phone || {_SEP} || c.mobile || {_SEP} || c.email || {_SEP}"
    f" || coalesce((SELECT group_concat({_CONTACT_TEXTS}, '') FROM customers_contact AS t"
    " WHERE t.customer_id = c.id), '')"
)


def _refresh(customer_id: str) -> str:
    return (
        f"DELETE FROM customers_search WHERE rowid = {customer_id};"
        f" INSERT INTO customers_search (rowid, document)"
        f" SELECT c.id, {_DOCUMENT} FROM customers_customer AS c WHERE c.id = {customer_id};"
    )


def _changed(*columns: str) -> str:
    return " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)


SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_search USING fts5(document, tokenize = 'trigram')",
    "CREATE VIRTUAL TABLE customers_search_terms USING fts5vocab(customers_search, 'row')",
    f"""CREATE TRIGGER customers_search_customer_insert AFTER INSERT ON customers_customer
    BEGIN {_refresh("new.id")} END""",
    f"""CREATE TRIGGER customers_search_customer_update AFTER UPDATE ON customers_customer
    WHEN {_changed("id", "code", "name", "short_name", "mnemonic", "phone", "mobile", "email")}
    BEGIN DELETE FROM customers_search WHERE rowid = old.id; {_refresh("new.id")} END""",
    """CREATE TRIGGER customers_search_customer_delete AFTER DELETE ON customers_customer
    BEGIN DELETE FROM customers_search WHERE rowid = old.id; END""",
    f"""CREATE TRIGGER customers_search_contact_insert AFTER INSERT ON customers_contact
    BEGIN {_refresh("new.customer_id")} END""",
    f"""CREATE TRIGGER customers_search_contact_update AFTER UPDATE ON customers_contact
    WHEN {_changed("customer_id", "name", "phone", "mobile", "email")}
    BEGIN {_refresh("old.customer_id")} {_refresh("new.customer_id")} END""",
    f"""CREATE TRIGGER customers_search_contact_delete AFTER DELETE ON customers_contact
    BEGIN {_refresh("old.customer_id")} END""",
    # the customers that exist already, in one statement
    f"INSERT INTO customers_search (rowid, document) SELECT c.id, {_DOCUMENT}"
    " FROM customers_customer AS c",
]
SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER IF EXISTS customers_search_{table}_{event}"
        for table in ("customer", "contact")
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS customers_search_terms",
    "DROP TABLE IF EXISTS customers_search",
]

# -- PostgreSQL --------------------------------------------------------------------------------

_PG_SEP = "E'\\x1F'"
PG_CUSTOMER_TEXTS = (
    f"(code || {_PG_SEP} || name || {_PG_SEP} || short_name || {_PG_SEP} || mnemonic"
    f" || {_PG_SEP} || phone || {_PG_SEP} || mobile || {_PG_SEP} || email)"
)
PG_CONTACT_TEXTS = (
    f"(name || {_PG_SEP} || phone || {_PG_SEP} || mobile || {_PG_SEP} || email)"
)

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Every character and pair of adjacent characters of a text, in lower case, leaving out
    # the separators and the pairs that span one. GIN drops repeated keys itself. (A loop in
    # PL/pgSQL: a set-returning SQL function costs milliseconds a row.)
    """
    CREATE FUNCTION kehu_search_grams(document text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        chars text[] := string_to_array(lower(document), NULL);
        grams text[] := array_remove(chars, E'\x1F');
    BEGIN
        FOR i IN 1 .. coalesce(array_length(chars, 1), 0) - 1 LOOP
            IF chars[i] <> E'\x1F' AND chars[i + 1] <> E'\x1F' THEN
                grams := grams || (chars[i] || chars[i + 1]);
            END IF;
        END LOOP;
        RETURN grams;
    END
    $$
    """,
    "CREATE INDEX customers_search_customer_trgm ON customers_customer"
    f" USING gin ({PG_CUSTOMER_TEXTS} gin_trgm_ops)",
    # The grams are stored (a generated column), not only indexed: GIN rechecks and the
    # planner's filters then read an array instead of running the function on every row.
    "ALTER TABLE customers_customer ADD COLUMN search_grams text[]"
    f" GENERATED ALWAYS AS (kehu_search_grams{PG_CUSTOMER_TEXTS}) STORED",
    "CREATE INDEX customers_search_customer_grams ON customers_customer"
    " USING gin (search_grams)",
    "CREATE INDEX customers_search_contact_trgm ON customers_contact"
    f" USING gin ({PG_CONTACT_TEXTS} gin_trgm_ops)",
    "ALTER TABLE customers_contact ADD COLUMN search_grams text[]"
    f" GENERATED ALWAYS AS (kehu_search_grams{PG_CONTACT_TEXTS}) STORED",
    "CREATE INDEX customers_search_contact_grams ON customers_contact"
    " USING gin (search_grams)",
]
# pg_trgm stays installed: it is harmless, and other objects may use it by then.
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS customers_search_contact_grams",
    "DROP INDEX IF EXISTS customers_search_contact_trgm",
    "DROP INDEX IF EXISTS customers_search_customer_grams",
    "DROP INDEX IF EXISTS customers_search_customer_trgm",
    "ALTER TABLE customers_contact DROP COLUMN IF EXISTS search_grams",
    "ALTER TABLE customers_customer DROP COLUMN IF EXISTS search_grams",
    "DROP FUNCTION IF EXISTS kehu_search_grams(text)",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite" and index == 0 and sqlite3.sqlite_version_info < (3, 34):
        raise RuntimeError(
            "The customer search needs SQLite 3.34 or later (FTS5 trigram tokenizer); "
            f"this Python has SQLite {sqlite3.sqlite_version}."
        )
    # Other databases search with plain LIKE scans (kehu/customers/search.py).
    for statement in STATEMENTS.get(vendor, ([], []))[index]:
        schema_editor.execute(statement, params=None)  # no params: "%" is literal


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def backward(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_savedquery_columns_longer_ordering")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
