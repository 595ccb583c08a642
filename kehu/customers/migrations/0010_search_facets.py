"""Facet words in the grams documents: a short keyword combined with a class, a region or a
credit grade is answered by one index (kehu/customers/search.py, docs/architecture.md).

A keyword of one or two characters (one Chinese character, say) matches tens of thousands of
customers at a million, a credit grade hundreds of thousands, a class subtree as many: no one
condition is selective, only their intersection. With each condition in an index of its own
SQLite read every customer holding the character by primary key to test the others, and
PostgreSQL's bitmaps of the grade and the class went lossy (docs/benchmarks.md: 264 and 683 ms
for the first page). Now the grams document of a customer also holds one word for its class,
one for its region and one for its credit grade — ``cls<id>``, ``reg<id>``, ``grd<id>`` — so
that the index intersects them with the keyword's word itself.

The words use ids, not codes: renaming or moving a class changes nothing in the documents.
They are three characters or longer and the grams are one or two characters long, so no
keyword of one or two characters can ever match one of them.

- SQLite: the FTS5 table ``customers_grams`` is filled again with the new document; its
  triggers also follow a change of class, region or credit grade.
- PostgreSQL: the generated column ``search_grams`` (and its GIN index) is added again with
  the words appended.
"""

from importlib import import_module

from django.db import migrations

_0005 = import_module("kehu.customers.migrations.0005_keyword_search_indexes")
_0008 = import_module("kehu.customers.migrations.0008_search_grams_sqlite")
_DOCUMENT = _0005._DOCUMENT
_changed = _0005._changed

# (word prefix, foreign key column of the customer table)
FACETS = (("cls", "customer_class_id"), ("reg", "region_id"), ("grd", "credit_grade_id"))
# the deepest tree of the coding schemes (kehu.masterdata.coding.MAX_LEVELS)
_LEVELS = 9

# -- SQLite -----------------------------------------------------------------------------------


def _ancestor_words(table: str, column: str, prefix: str, grade_pairs: bool) -> str:
    """The words of the tree node ``c.<column>`` and of each of its ancestors (up the parent
    chain, as deep as a scheme goes), each followed, with ``grade_pairs``, by the word of the
    pair (node, credit grade): one word then stands for "in this subtree, of this grade"."""
    words, joins = [], []
    for level in range(1, _LEVELS + 1):
        node = f"n{level}"
        word = f"coalesce(' {prefix}' || {node}.id, '')"
        if grade_pairs:
            word += f" || coalesce(' c' || {node}.id || 'g' || c.credit_grade_id, '')"
        words.append(word)
        if level > 1:
            joins.append(f" LEFT JOIN {table} AS {node} ON {node}.id = n{level - 1}.parent_id")
    return (
        f"coalesce((SELECT {' || '.join(words)} FROM {table} AS n1{''.join(joins)}"
        f" WHERE n1.id = c.{column}), '')"
    )


# The grams document of customer ``c``: the grams of its texts, then its facet words.
GRAMS_DOCUMENT = (
    f"kehu_search_grams({_DOCUMENT})"
    f" || {_ancestor_words('masterdata_customerclass', 'customer_class_id', 'cls', True)}"
    f" || {_ancestor_words('masterdata_region', 'region_id', 'reg', False)}"
    " || coalesce(' grd' || c.credit_grade_id, '')"
)
_OLD_GRAMS_DOCUMENT = f"kehu_search_grams({_DOCUMENT})"


def _refresh(customer_id: str, grams: str) -> str:
    return (
        f"{_0005._refresh(customer_id)}"
        f" DELETE FROM customers_grams WHERE rowid = {customer_id};"
        f" INSERT INTO customers_grams (rowid, document)"
        f" SELECT c.id, {grams} FROM customers_customer AS c"
        f" WHERE c.id = {customer_id};"
    )


_TEXT_COLUMNS = ("id", "code", "name", "short_name", "mnemonic", "phone", "mobile", "email")


def _sqlite_statements(grams: str, watched: tuple[str, ...]) -> list[str]:
    """The grams table filled again with ``grams`` and the six triggers keeping it."""
    return [
        *_0008._DROP_TRIGGERS,
        # dropped and created again: faster than deleting a million documents one by one
        "DROP TABLE IF EXISTS customers_grams",
        "CREATE VIRTUAL TABLE customers_grams USING fts5("
        "document, tokenize = 'unicode61 remove_diacritics 0')",
        f"""CREATE TRIGGER customers_search_customer_insert AFTER INSERT ON customers_customer
        BEGIN {_refresh("new.id", grams)} END""",
        f"""CREATE TRIGGER customers_search_customer_update AFTER UPDATE ON customers_customer
        WHEN {_changed(*watched)}
        BEGIN DELETE FROM customers_search WHERE rowid = old.id;
        DELETE FROM customers_grams WHERE rowid = old.id; {_refresh("new.id", grams)} END""",
        """CREATE TRIGGER customers_search_customer_delete AFTER DELETE ON customers_customer
        BEGIN DELETE FROM customers_search WHERE rowid = old.id;
        DELETE FROM customers_grams WHERE rowid = old.id; END""",
        f"""CREATE TRIGGER customers_search_contact_insert AFTER INSERT ON customers_contact
        BEGIN {_refresh("new.customer_id", grams)} END""",
        f"""CREATE TRIGGER customers_search_contact_update AFTER UPDATE ON customers_contact
        WHEN {_changed("customer_id", "name", "phone", "mobile", "email")}
        BEGIN {_refresh("old.customer_id", grams)} {_refresh("new.customer_id", grams)} END""",
        f"""CREATE TRIGGER customers_search_contact_delete AFTER DELETE ON customers_contact
        BEGIN {_refresh("old.customer_id", grams)} END""",
        f"INSERT INTO customers_grams (rowid, document) SELECT c.id, {grams}"
        " FROM customers_customer AS c",
    ]


SQLITE_FORWARD = _sqlite_statements(
    GRAMS_DOCUMENT, (*_TEXT_COLUMNS, *(column for _prefix, column in FACETS))
)
SQLITE_BACKWARD = _sqlite_statements(_OLD_GRAMS_DOCUMENT, _TEXT_COLUMNS)

# -- PostgreSQL -------------------------------------------------------------------------------

_SEP = "E'\\x1F'"
_TEXTS = (
    f"(code || {_SEP} || name || {_SEP} || short_name || {_SEP} || mnemonic"
    f" || {_SEP} || phone || {_SEP} || mobile || {_SEP} || email || {_SEP} || search_contacts)"
)
# ``::text`` keeps the expression immutable (``text || integer`` is only stable); a customer
# without a region or grade has no word for it.
_FACET_ARRAY = (
    "array_remove(ARRAY["
    + ", ".join(f"'{prefix}' || {column}::text" for prefix, column in FACETS)
    + "], NULL)"
)


def _pg_statements(expression: str) -> list[str]:
    return [
        "DROP INDEX customers_search_customer_grams",
        "ALTER TABLE customers_customer DROP COLUMN search_grams",
        "ALTER TABLE customers_customer ADD COLUMN search_grams text[]"
        f" GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX customers_search_customer_grams ON customers_customer"
        " USING gin (search_grams)",
        # as migration 0007 set it: the planner's estimates of rare grams
        "ALTER TABLE customers_customer ALTER COLUMN search_grams SET STATISTICS 2000",
    ]


POSTGRESQL_FORWARD = _pg_statements(f"kehu_search_grams{_TEXTS} || {_FACET_ARRAY}")
POSTGRESQL_BACKWARD = _pg_statements(f"kehu_search_grams{_TEXTS}")

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, index: int) -> None:
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(statement, params=None)  # no params: "%" is literal


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def backward(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_class_credit_limit_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
