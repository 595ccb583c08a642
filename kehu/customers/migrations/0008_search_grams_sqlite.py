"""One- and two-character keywords on SQLite (kehu/customers/search.py).

The trigram table of migration 0005 answers a keyword of one or two characters only through
its vocabulary: every trigram that starts with the keyword, OR-ed into one MATCH. At a million
customers a common Chinese character starts thousands of trigrams, and such a query took
seconds. This migration adds a second FTS5 table, ``customers_grams`` (tokenizer unicode61),
whose document for a customer is every letter or digit of its texts and every pair of adjacent
ones as words (``kehu_search_grams``, a SQL function that every SQLite connection of Kehu
registers): a keyword of one or two characters is one word to look up, as PostgreSQL's
``search_grams`` array is. The six search triggers now keep both tables.

PostgreSQL and other databases: nothing changes.
"""

from importlib import import_module

from django.db import migrations

_0005 = import_module("kehu.customers.migrations.0005_keyword_search_indexes")
_DOCUMENT = _0005._DOCUMENT
_changed = _0005._changed


def _refresh(customer_id: str) -> str:
    return (
        f"{_0005._refresh(customer_id)}"
        f" DELETE FROM customers_grams WHERE rowid = {customer_id};"
        f" INSERT INTO customers_grams (rowid, document)"
        f" SELECT c.id, kehu_search_grams({_DOCUMENT}) FROM customers_customer AS c"
        f" WHERE c.id = {customer_id};"
    )


_DROP_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS customers_search_{table}_{event}"
    for table in ("customer", "contact")
    for event in ("insert", "update", "delete")
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_grams USING fts5("
    "document, tokenize = 'unicode61 remove_diacritics 0')",
    *_DROP_TRIGGERS,
    f"""CREATE TRIGGER customers_search_customer_insert AFTER INSERT ON customers_customer
    BEGIN {_refresh("new.id")} END""",
    f"""CREATE TRIGGER customers_search_customer_update AFTER UPDATE ON customers_customer
    WHEN {_changed("id", "code", "name", "short_name", "mnemonic", "phone", "mobile", "email")}
    BEGIN DELETE FROM customers_search WHERE rowid = old.id;
    DELETE FROM customers_grams WHERE rowid = old.id; {_refresh("new.id")} END""",
    """CREATE TRIGGER customers_search_customer_delete AFTER DELETE ON customers_customer
    BEGIN DELETE FROM customers_search WHERE rowid = old.id;
    DELETE FROM customers_grams WHERE rowid = old.id; END""",
    f"""CREATE TRIGGER customers_search_contact_insert AFTER INSERT ON customers_contact
    BEGIN {_refresh("new.customer_id")} END""",
    f"""CREATE TRIGGER customers_search_contact_update AFTER UPDATE ON customers_contact
    WHEN {_changed("customer_id", "name", "phone", "mobile", "email")}
    BEGIN {_refresh("old.customer_id")} {_refresh("new.customer_id")} END""",
    f"""CREATE TRIGGER customers_search_contact_delete AFTER DELETE ON customers_contact
    BEGIN {_refresh("old.customer_id")} END""",
    # the customers that exist already, in one statement
    f"INSERT INTO customers_grams (rowid, document) SELECT c.id, kehu_search_grams({_DOCUMENT})"
    " FROM customers_customer AS c",
]
SQLITE_BACKWARD = [
    *_DROP_TRIGGERS,
    # migration 0005's triggers again
    *(statement for statement in _0005.SQLITE_FORWARD if statement.startswith("CREATE TRIGGER")),
    "DROP TABLE IF EXISTS customers_grams",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_search_contacts_on_customer")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
