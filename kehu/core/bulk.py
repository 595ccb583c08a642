"""Set-based inserts: many rows of one table in one statement.

``bulk_create`` prepares every value of every row through the ORM's generic machinery, which
costs more than the insert itself for tables of thirty columns. ``RowWriter`` resolves, once
per table, how each column's value goes to the database (the field's own ``get_db_prep_save``,
skipped for the types whose Python value is already what the driver takes), and inserts with
``executemany`` on SQLite and ``COPY ... FROM STDIN`` on PostgreSQL. Used by the bulk demo load
(``kehu.demo.bulk``), the import (``kehu.quality.importing``) and the audit events of bulk
writes (``kehu.audit.services.events_record_bulk``).

No signals are sent and no primary key is read back: a caller that needs the keys reads them
back by a unique column (or gives them). Errors are Django's (``IntegrityError``…), as from
any query.
"""

import datetime
import operator
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations

# Field types whose Python value (validated by the model's checks) is what both drivers take.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
)


def _as_is(field) -> bool:
    if isinstance(field, models.ForeignKey):
        return isinstance(field.target_field, (models.AutoField, models.BigAutoField, *_AS_IS))
    return isinstance(field, _AS_IS)


def value_converter(field, conn):
    """How ``field``'s value goes to the database: ``None`` (as it is), or a function. For
    the common types a value of exactly that type takes the driver adaptation directly (what
    ``get_db_prep_save`` ends with); any other value takes the field's own generic path."""
    if _as_is(field):
        return None
    generic = field.get_db_prep_save
    ops = conn.ops
    if (
        type(field) is models.DecimalField
        and type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    ):
        return lambda value: value if type(value) is Decimal else generic(value, conn)
    if type(field) is models.DateField:
        adapt = ops.adapt_datefield_value
        return lambda value: adapt(value) if type(value) is datetime.date else generic(value, conn)
    if type(field) is models.DateTimeField:
        adapt = ops.adapt_datetimefield_value

        def convert(value):
            if type(value) is datetime.datetime and value.tzinfo is not None:
                return adapt(value)
            return generic(value, conn)

        return convert
    return lambda value: generic(value, conn)


class RowWriter:
    """Inserts instances (or ready rows) of ``model`` into its table, ``fields`` only (by
    default every concrete field but the primary key)."""

    def __init__(self, model, fields: list | None = None, *, using=None):
        self.model = model
        self.connection = connection if using is None else using
        self.fields = fields or [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        self._plan_for, self._plan = None, []
        self._read, self._convert = None, []
        self._auto = [
            f
            for f in self.fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]

    def row(self, instance, *, adding: bool = True) -> tuple:
        """The instance as the row the ORM would insert (``auto_now`` fields set, as
        ``bulk_create`` sets them)."""
        for field in self._auto:
            if adding or field.auto_now:
                field.pre_save(instance, adding)
        conn = self.connection
        # (``connection`` is the default connection's thread-local proxy: the plan is made
        # for the connection object it stands for now.)
        key = getattr(conn, "_connections", None)
        key = conn if key is None else key[conn._alias]
        if self._plan_for is not key:
            self._plan = [(f.attname, value_converter(f, key)) for f in self.fields]
            names = [attname for attname, _c in self._plan]
            self._read = (
                operator.itemgetter(*names)
                if len(names) > 1
                else lambda loaded, name=names[0]: (loaded[name],)
            )
            self._convert = [(i, c) for i, (_a, c) in enumerate(self._plan) if c is not None]
            self._plan_for = key
        try:
            # every value in one call when they are all loaded (they are, but when deferred)
            values = list(self._read(instance.__dict__))
        except KeyError:
            values = [getattr(instance, attname) for attname, _c in self._plan]
        for index, convert in self._convert:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return tuple(values)

    def insert(self, instances) -> int:
        rows = [self.row(instance) for instance in instances]
        rows_insert(self.model, self.columns, rows, using=self.connection)
        return len(rows)


def rows_insert(model, columns: list[str], rows: Iterable[tuple], *, using=None) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``model``'s table in one
    statement: ``executemany`` on SQLite, one ``COPY`` on PostgreSQL. ``rows`` may be made
    as they are written (an iterator): a ``COPY`` sends each row to the server as it comes."""
    if isinstance(rows, list | tuple) and not rows:
        return
    conn = connection if using is None else using
    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY goes around Django's cursor wrapper: map the driver's errors to Django's.
            with (
                conn.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            rows = rows if isinstance(rows, list | tuple) else list(rows)
            if not rows:
                return
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - names from the models


def large_aggregation_settings() -> None:
    """For the rest of the current transaction on PostgreSQL (nothing elsewhere): grouped
    sums over 100,000 customers are hashed in memory rather than spilled to disk (the default
    ``work_mem`` of 4 MB split them into dozens of batches), and the plans are not compiled
    (JIT costs more than it saves on a few scans). Call it inside ``transaction.atomic()``."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
