"""Aging of receivables (账龄, SPEC §4) as of any date, set-based.

As of a date ``D``, a customer owes the open amount of each invoice that was in effect then,
and has the unapplied part of its receipts to its credit:

- an invoice is **in effect** when it is dated on or before ``D`` and was not cancelled by
  the end of ``D`` (posted now, or cancelled later than ``D``);
- a receipt likewise: dated on or before ``D`` and not reversed by the end of ``D``;
- a settlement counts when it is dated on or before ``D``, was not reversed on or before
  ``D`` (``reversed_on``) and joins an invoice and a receipt in effect;
- an invoice's **open amount** as of ``D`` is its amount less the settlements that count;
  it falls in a bucket by its days overdue, ``D - due_date`` (not due, 1–30, 31–60, 61–90,
  91–180, more than 180 days);
- the **balance** as of ``D`` is the open amounts less the unapplied receipts: for today it is
  the customer's maintained receivable balance (docs/decisions/0008-sales-ledger.md).

An invoice keeps the day it was cancelled (``cancelled_on``), a receipt the day it was
reversed (``reversed_on``): as of an earlier day it counts as it was then.

Everything is one grouped query whatever the number of customers: the invoices, the
settlements (negative, in the bucket of their invoice) and the receipts in effect, as one
``UNION ALL`` summed per customer, narrowed by a customer queryset — the caller's scoped and
filtered customers (``customers_visible_to`` + ``CustomerFilter``). For a customer none of
whose documents was dated, cancelled or reversed after ``D`` (as of today, usually all of
them), the rules above give exactly the maintained amounts (decision 0008): the open amount
of its posted invoices, the unapplied amount of its posted receipts; only those still open
are read. A query before it finds the customers changed after ``D``.
Amounts are in each customer's trading currency: sums over customers are per currency.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.core.bulk import large_aggregation_settings
from kehu.customers.models import MONEY
from kehu.sales.choices import InvoiceStatus, ReceiptStatus
from kehu.sales.models import Receipt, SalesInvoice, Settlement

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_MONEY = DecimalField(**MONEY)


@dataclass(frozen=True)
class Bucket:
    """Days overdue from ``low`` to ``high`` (both included; None: no bound)."""

    key: str
    label: Promise
    low: int | None
    high: int | None

    def due_dates(self, as_of: datetime.date, path: str = "due_date") -> Q:
        """The due dates (at ``path``) whose invoices fall in this bucket as of ``as_of``."""
        condition = Q()
        if self.low is not None:  # at least ``low`` days overdue: due on or before D - low
            condition &= Q(**{f"{path}__lte": _shift(as_of, -self.low)})
        if self.high is not None:
            condition &= Q(**{f"{path}__gte": _shift(as_of, -self.high)})
        return condition


BUCKETS = (
    Bucket("not_due", _("Not due"), None, 0),
    Bucket("days_1_30", _("1–30 days"), 1, 30),
    Bucket("days_31_60", _("31–60 days"), 31, 60),
    Bucket("days_61_90", _("61–90 days"), 61, 90),
    Bucket("days_91_180", _("91–180 days"), 91, 180),
    Bucket("over_180", _("Over 180 days"), 181, None),
)
BUCKET_KEYS = tuple(bucket.key for bucket in BUCKETS)


def _shift(day: datetime.date, days: int) -> datetime.date:
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


def _cents(value) -> Decimal:
    """A sum as money with two places: SQLite answers floats (70.0, 0.30000000000000004,
    -1e-13 for a settled invoice), PostgreSQL decimals."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        text = "%.2f" % value  # noqa: UP031 - twice as fast as Decimal(value).quantize()
        return ZERO if text in ("0.00", "-0.00") else Decimal(text)
    return Decimal(value).quantize(CENT) or ZERO


@dataclass
class Aging:
    """One customer's (or a group's) receivables as of a date, in one currency."""

    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * len(BUCKETS))
    unapplied: Decimal = ZERO

    @property
    def open_total(self) -> Decimal:
        """What the open invoices add up to."""
        return sum(self.buckets, ZERO)

    @property
    def overdue(self) -> Decimal:
        """The open amounts past their due date (every bucket but "not due")."""
        return sum(self.buckets[1:], ZERO)

    @property
    def balance(self) -> Decimal:
        """The receivable balance: open invoices less unapplied receipts."""
        return self.open_total - self.unapplied

    @property
    def by_key(self) -> dict[str, Decimal]:
        return dict(zip(BUCKET_KEYS, self.buckets, strict=True))

    @property
    def is_empty(self) -> bool:
        return not any(self.buckets) and not self.unapplied

    def add(self, other: "Aging") -> None:
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.unapplied += other.unapplied


def invoices_in_effect(as_of: datetime.date, prefix: str = "") -> Q:
    """Invoices dated on or before ``as_of`` and not cancelled by its end."""
    return _in_effect(as_of, prefix, InvoiceStatus.POSTED, InvoiceStatus.CANCELLED, "cancelled_on")


def receipts_in_effect(as_of: datetime.date, prefix: str = "") -> Q:
    """Receipts dated on or before ``as_of`` and not reversed by its end."""
    return _in_effect(as_of, prefix, ReceiptStatus.POSTED, ReceiptStatus.REVERSED, "reversed_on")


def _in_effect(as_of, prefix: str, live: str, undone: str, undone_on: str) -> Q:
    condition = Q(**{f"{prefix}status": live}) | Q(
        **{f"{prefix}status": undone, f"{prefix}{undone_on}__gt": as_of}
    )
    return Q(**{f"{prefix}date__lte": as_of}) & condition


def settlements_in_effect(as_of: datetime.date) -> Q:
    """Settlements made on or before ``as_of``, not reversed by then, between an invoice and a
    receipt both in effect."""
    return (
        Q(date__lte=as_of)
        & (Q(reversed_on__isnull=True) | Q(reversed_on__gt=as_of))
        & invoices_in_effect(as_of, "invoice__")
        & receipts_in_effect(as_of, "receipt__")
    )


_FLOAT = FloatField()
_COLUMNS = ("c", *(f"b{index}" for index in range(len(BUCKETS))), "u")


def _rows(
    queryset: QuerySet,
    as_of,
    *,
    due: str | None,
    sign: int,
    unapplied: int,
    amount_field: str = "amount",
):
    """``queryset``'s rows as (customer, one amount per bucket, unapplied part): the amount
    (column ``amount_field``, times ``sign``) in the bucket of the due date at ``due``, and
    ``unapplied`` times the amount in the last column.

    Computed as floats, not decimals: a DecimalField output makes SQLite wrap every CASE in
    ``CAST(... AS NUMERIC)``, which triples the cost of a scan of millions of rows. SQLite sums
    its stored decimals in floating point either way; PostgreSQL keeps numeric.
    """
    amount = F(amount_field)
    if sign < 0:
        amount = ExpressionWrapper(Value(0) - F(amount_field), output_field=_FLOAT)
    columns = {"c": F("customer_id")}
    for index, bucket in enumerate(BUCKETS):
        columns[f"b{index}"] = (
            Value(0, output_field=_FLOAT)
            if due is None
            else Case(
                When(bucket.due_dates(as_of, due), then=amount),
                default=Value(0),
                output_field=_FLOAT,
            )
        )
    columns["u"] = (
        Value(0, output_field=_FLOAT)
        if not unapplied
        else (F(amount_field) if unapplied > 0 else amount)
    )
    columns = {
        name: ExpressionWrapper(value, output_field=_FLOAT) for name, value in columns.items()
    }
    return queryset.order_by().annotate(**columns).values_list(*_COLUMNS)


def _computed_parts(
    as_of: datetime.date, customers: Q, within: QuerySet | None = None
) -> tuple[QuerySet, ...]:
    """The rows of the computation from every document: the invoices in effect (plus their
    amount in their bucket), the settlements in effect (minus their amount in their invoice's
    bucket, minus in the unapplied receipts) and the receipts in effect (plus in the
    unapplied receipts), of the customers ``customers`` (a condition on ``customer``) that
    are also ``within`` (a queryset of ids, checked for each document, not looked up)."""

    def documents(model):
        found = model.objects.all()
        if within is not None:
            found = found.alias(scanned_customer=_UNINDEXED(F("customer_id"))).filter(
                scanned_customer__in=within
            )
        return found.filter(customers)

    return (
        _rows(
            documents(SalesInvoice).filter(invoices_in_effect(as_of)),
            as_of,
            due="due_date",
            sign=1,
            unapplied=0,
        ),
        _rows(
            documents(Settlement).filter(settlements_in_effect(as_of)),
            as_of,
            due="invoice__due_date",
            sign=-1,
            unapplied=-1,
        ),
        _rows(
            documents(Receipt).filter(receipts_in_effect(as_of)),
            as_of,
            due=None,
            sign=1,
            unapplied=1,
        ),
    )


def _maintained_parts(
    as_of: datetime.date, customers: QuerySet, changed: set[int]
) -> tuple[QuerySet, ...]:
    """The same rows from the maintained amounts, for the customers ``customers`` (a
    queryset of ids) but those ``changed`` after ``as_of``: the open amount of their posted
    invoices still open, the unapplied amount of their posted receipts not fully applied.

    The partial indexes ``salesinvoice_open_amount`` and ``receipt_unapplied`` hold just
    those documents; the customer is compared as ``+customer_id`` so that SQLite scans them
    (and looks each customer up) rather than reading every posted invoice customer by
    customer through the customer's index."""
    parts = []
    for model, condition, amount, due, unapplied in (
        (
            SalesInvoice,
            Q(status=InvoiceStatus.POSTED, open_amount__gt=0),
            "open_amount",
            "due_date",
            0,
        ),
        (
            Receipt,
            Q(status=ReceiptStatus.POSTED, unapplied_amount__gt=0),
            "unapplied_amount",
            None,
            1,
        ),
    ):
        documents = (
            model.objects.alias(scanned_customer=_UNINDEXED(F("customer_id")))
            .filter(condition, scanned_customer__in=customers)
            .exclude(customer__in=changed)
        )
        parts.append(
            _rows(
                documents,
                as_of,
                due=due,
                sign=1,
                unapplied=unapplied,
                amount_field=amount,
            )
        )
    return tuple(parts)


class _UNINDEXED(Func):
    """``+column``: the same value, which no index on the column answers for."""

    template = "+%(expressions)s"
    output_field = BigIntegerField()


# At most this many documents changed after the date (dated, cancelled, reversed after it),
# at most this many of their customers: those customers are computed from all their
# documents, the others from the maintained amounts. Beyond, everyone is computed.
CHANGED_ROWS = 5000
CHANGED_CUSTOMERS = 1000


def customers_changed_after(as_of: datetime.date) -> set[int] | None:
    """The customers with a document dated, cancelled or reversed (a settlement made or
    reversed) after ``as_of``; None when there are more than a few (``CHANGED_ROWS``,
    ``CHANGED_CUSTOMERS``). One query of index range scans (the ``*_after`` indexes), each
    stopped after ``CHANGED_ROWS`` rows."""
    parts = []
    for model, column in (
        (SalesInvoice, "date"),
        (SalesInvoice, "cancelled_on"),
        (Receipt, "date"),
        (Receipt, "reversed_on"),
        (Settlement, "date"),
        (Settlement, "reversed_on"),
    ):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(
            f"SELECT * FROM (SELECT customer_id FROM {table} WHERE {column} > %s LIMIT %s) t"  # noqa: S608 - our own SQL
        )
    date = connection.ops.adapt_datefield_value(as_of)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [date, CHANGED_ROWS + 1] * len(parts))
        rows = cursor.fetchall()
    if len(rows) > CHANGED_ROWS:
        return None
    changed = {int(row[0]) for row in rows}
    return changed if len(changed) <= CHANGED_CUSTOMERS else None


def aging_by_customer(
    customers: QuerySet, as_of: datetime.date, *, maintained: bool = True
) -> dict[int, Aging]:
    """Each customer's aging as of ``as_of``: one grouped query over the documents of
    ``customers``, added up per customer. Customers with nothing open and no unapplied
    receipt may be left out (those with no document in effect are).

    When none of a customer's documents was dated, cancelled or reversed after ``as_of`` (as
    of today, usually every customer), its maintained amounts are the answer: only its open
    invoices and unapplied receipts are read. The other customers' aging is computed from
    all their documents, and everyone's when more than a few changed after the date (a date
    in the past) or when ``maintained`` is false (tests compare the two ways).
    """
    with transaction.atomic():
        query, params = _aging_query(customers, as_of, maintained)
        if query is None:
            return {}
        large_aggregation_settings()
        return _aging_read(query, params)


def _aging_query(customers: QuerySet, as_of: datetime.date, maintained: bool):
    subquery = customers.order_by().values("pk")
    ids = Q(customer__in=subquery)
    changed = customers_changed_after(as_of) if maintained else None
    if changed is None:
        parts = _computed_parts(as_of, ids)
    else:
        parts = _maintained_parts(as_of, subquery, changed)
        if changed:
            parts += _computed_parts(as_of, Q(customer__in=changed), within=subquery)
    sql, params = [], []
    for part in parts:
        try:
            part_sql, part_params = part.query.sql_with_params()
        except EmptyResultSet:  # a condition no customer can meet (a code that is not there)
            continue
        sql.append(part_sql)
        params.extend(part_params)
    if not sql:
        return None, []
    sums = ", ".join(f"SUM(t.{name})" for name in _COLUMNS[1:])
    query = f"SELECT t.c, {sums} FROM ({' UNION ALL '.join(sql)}) t GROUP BY t.c"  # noqa: S608 - our own SQL
    return query, params


def _aging_read(query: str, params: list) -> dict[int, Aging]:
    result: dict[int, Aging] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for row in cursor.fetchall():
            values = [_cents(value) if value else ZERO for value in row[1:]]
            result[int(row[0])] = Aging(buckets=values[:-1], unapplied=values[-1])
    return result


def open_invoices_as_of(invoices: QuerySet, as_of: datetime.date) -> QuerySet:
    """``invoices`` in effect as of ``as_of``, each with ``open_as_of``: its amount less the
    settlements that count then (a subquery per invoice: for one customer's page, not for
    all customers at once). Settled ones are still there, with 0."""
    settled = (
        Settlement.objects.filter(settlements_in_effect(as_of), invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    paid = Coalesce(Subquery(settled, output_field=_MONEY), Value(ZERO), output_field=_MONEY)
    return invoices.filter(invoices_in_effect(as_of)).annotate(
        open_as_of=ExpressionWrapper(F("amount") - paid, output_field=_MONEY)
    )


def base_currency() -> str:
    return settings.KEHU_BASE_CURRENCY


def currency_totals(rows: Iterable[tuple[str, Aging]]) -> dict[str, Aging]:
    """(currency, aging) pairs added up per currency, currencies in code order."""
    totals: dict[str, Aging] = {}
    for currency, aging in rows:
        totals.setdefault(currency, Aging()).add(aging)
    return dict(sorted(totals.items()))
