"""Indexes for sorting the customer list, and none where nothing reads by a column.

- Sorting a large list by name, credit limit, receivable balance or last transaction reads the
  first page from an index instead of sorting every customer (docs/benchmarks.md). The ordering
  of the list is ``<column> [DESC] NULLS LAST, id`` (kehu/customers/filters.py); on PostgreSQL a
  descending index holds empty values first unless declared NULLS LAST, on SQLite a descending
  index holds them last already (and NULLS LAST is not allowed in its index definitions). So the
  index definitions depend on the database; Django does not know these indexes.
- The foreign keys to the registered capital's currency, the shipping method and the payment
  terms lose their index: no filter, sort or report reads customers by them, and every insert
  paid for them. Only the index goes (the model state says db_index=False); on SQLite an
  AlterField would copy the whole table and lose the search and audit triggers, so the indexes
  are dropped by name.
"""

from django.db import migrations, models

SORT_INDEXES = {
    # name: (PostgreSQL columns, SQLite columns)
    "customer_sort_name": ("name, id", "name, id"),
    "customer_sort_credit_limit": ("credit_limit DESC NULLS LAST, id", "credit_limit DESC, id"),
    "customer_sort_receivable": ("receivable_balance DESC, id", "receivable_balance DESC, id"),
    "customer_sort_last_transaction": (
        "last_transaction_on DESC NULLS LAST, id",
        "last_transaction_on DESC, id",
    ),
}
UNREAD_FOREIGN_KEYS = ("registered_capital_currency_id", "shipping_method_id", "payment_terms_id")


def forward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    table = schema_editor.quote_name(model._meta.db_table)
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, (pg_columns, sqlite_columns) in SORT_INDEXES.items():
        columns = pg_columns if postgres else sqlite_columns
        schema_editor.execute(f"CREATE INDEX {name} ON {table} ({columns})")
    for column in UNREAD_FOREIGN_KEYS:
        for index in schema_editor._constraint_names(model, [column], index=True):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")


def backward(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    table = schema_editor.quote_name(model._meta.db_table)
    for name in SORT_INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")
    for column in UNREAD_FOREIGN_KEYS:
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name('customer_' + column)} ON {table} ({column})"
        )


def _unindexed(to: str, related_name: str, verbose_name: str):
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=models.deletion.PROTECT,
        related_name=related_name,
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_keyword_search_indexes"),
        ("masterdata", "0003_tighten_patterns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="payment_terms",
                    field=_unindexed("masterdata.paymentterms", "customers", "payment terms"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="registered_capital_currency",
                    field=_unindexed(
                        "masterdata.currency",
                        "customers_by_capital",
                        "registered capital currency",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="shipping_method",
                    field=_unindexed(
                        "masterdata.shippingmethod", "customers", "default shipping method"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
