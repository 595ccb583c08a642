"""The customers of a class by credit limit: one index instead of the class's plain one.

Sorting a class by credit limit (the credit controller's "who may owe most in this class")
read every customer of the class through the index on ``customer_class`` and sorted them: on
SQLite at a million customers 40–120 ms for a class of 30,000–260,000 (SQLite keeps no
statistics of how values spread, so it prefers the class's index to walking the credit-limit
index). An index on ``(customer_class_id, credit_limit DESC, id)`` — the list's ordering,
``credit_limit DESC NULLS LAST, id`` (kehu/customers/filters.py), within each class — gives the
first page of a class directly, and of a class subtree (a few classes) by merging a few
ordered runs. It serves every lookup by class as well (its first column), so it replaces the
plain index on ``customer_class``: the table keeps as many indexes to maintain as before.
As in migration 0006, the definitions depend on the database (PostgreSQL holds empty values
first in a descending index unless told NULLS LAST; SQLite holds them last and does not allow
NULLS LAST in an index), and Django's model state only learns that the foreign key has no
index of its own.
"""

from django.db import migrations, models

NAME = "customer_class_credit_limit"
COLUMNS = {
    "postgresql": "customer_class_id, credit_limit DESC NULLS LAST, id",
    "sqlite": "customer_class_id, credit_limit DESC, id",
}


def forward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    table = schema_editor.quote_name(model._meta.db_table)
    columns = COLUMNS.get(schema_editor.connection.vendor, COLUMNS["sqlite"])
    schema_editor.execute(f"CREATE INDEX {NAME} ON {table} ({columns})")
    for index in schema_editor._constraint_names(model, ["customer_class_id"], index=True):
        if index != NAME:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")


def backward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    table = schema_editor.quote_name(model._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name('customer_customer_class_id')} "
        f"ON {table} (customer_class_id)"
    )
    schema_editor.execute(f"DROP INDEX {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_search_grams_sqlite"),
        ("masterdata", "0003_tighten_patterns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="customer_class",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="customers",
                        to="masterdata.customerclass",
                        verbose_name="customer class",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
