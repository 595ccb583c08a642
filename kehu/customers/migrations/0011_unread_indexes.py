"""No index where nothing reads customers by a column: every import and bulk load pays for
each index on every insert (issue 6, docs/benchmarks.md "Bottlenecks" item 6).

- The foreign keys to the user who created and last changed a customer, and to its trading
  currency: no filter, sort or report reads customers by them (sorting by currency sorts by
  the currency's code, through a join). Deleting a user or a currency then scans the
  customers (``SET NULL`` / the ``PROTECT`` check): rare, and acceptable.
- PostgreSQL only: the ``varchar_pattern_ops`` indexes Django adds beside the indexes of the
  code, the mnemonic and the credit code, which serve only ``LIKE 'prefix%'``: no query reads
  customers by a prefix of these (the keyword search has its own indexes, migrations
  0005–0008); the plain indexes stay (lookups, sorting, the duplicate report).

As in migrations 0006 and 0009, only the indexes go (the model state learns db_index=False):
on SQLite an AlterField would copy the whole table and lose the search and audit triggers.
"""

from django.conf import settings
from django.db import migrations, models

UNREAD_FOREIGN_KEYS = ("created_by_id", "updated_by_id", "currency_id")
PREFIX_INDEXED = ("code", "mnemonic", "credit_code")  # PostgreSQL's "_like" indexes


def _like_name(schema_editor, model, column: str) -> str:
    return schema_editor._create_index_name(model._meta.db_table, [column], suffix="_like")


def forward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    for column in UNREAD_FOREIGN_KEYS:
        for index in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")
    if schema_editor.connection.vendor == "postgresql":
        for column in PREFIX_INDEXED:
            name = _like_name(schema_editor, model, column)
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def backward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    table = model._meta.db_table
    quote = schema_editor.quote_name
    for column in UNREAD_FOREIGN_KEYS:
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")
    if schema_editor.connection.vendor == "postgresql":
        for column in PREFIX_INDEXED:
            name = _like_name(schema_editor, model, column)
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_search_facets"),
        ("masterdata", "0003_tighten_patterns"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="currency",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="customers",
                        to="masterdata.currency",
                        verbose_name="trading currency",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="updated_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
