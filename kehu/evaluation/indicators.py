"""The computed indicators of SPEC §6, for a whole set of customers at once.

Everything is read as of a date from the documents themselves (not from the customer's
maintained figures, which are only "now"): an invoice counts from its date if posted; a
settlement from its date until it is reversed (``reversed_on``); a receipt from its date if
posted. Cancelled invoices and reversed receipts carry no date of cancellation, so they count
for nothing at any date.

Five grouped queries, whatever the number of customers: the customers' archive values, the
invoices, the settlements (joined to their invoices), the receipts, and the manual ratings.
Day differences are computed in SQL with ``DayNumber`` (days since 1970-01-01) on both
databases. The values derived from those sums (shares, averages, percentiles) are computed in
Python over the fetched rows, with exact decimals.
"""

import datetime
import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import connections
from django.db.models import (
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from kehu.customers.models import MONEY
from kehu.evaluation.choices import ComputedKey
from kehu.evaluation.models import ManualRating
from kehu.evaluation.segments import sales_floats
from kehu.sales.choices import InvoiceStatus, ReceiptStatus, SettlementStatus
from kehu.sales.models import Receipt, SalesInvoice, Settlement

ZERO = Decimal("0")
HUNDRED = Decimal("100")
RAW_PLACES = Decimal("0.01")
DOUBTFUL_DAYS = 180
EPOCH = datetime.date(1970, 1, 1)
# Wide enough for an amount times a number of days.
_BIG = DecimalField(max_digits=30, decimal_places=2)
_MONEY = DecimalField(**MONEY)


class DayNumber(Func):
    """A date as a whole number of days since 1970-01-01, on SQLite and PostgreSQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra
        )


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def years_back(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def round_raw(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)


def _raw(value: Decimal) -> Decimal:
    return value.quantize(RAW_PLACES, rounding=ROUND_HALF_UP)


_ZERO_RAW = _raw(ZERO)
# Django's converter of an aggregate's float on SQLite (15 significant digits).
_FLOAT_DECIMAL = decimal.Context(prec=15).create_decimal_from_float


def _sum(expression, condition: Q | None = None) -> Coalesce:
    return Coalesce(
        Sum(expression, filter=condition, output_field=_BIG), Value(ZERO), output_field=_BIG
    )


@dataclass
class Facts:
    """What the documents and the archive say about one customer as of the date."""

    sales_12m: Decimal = ZERO
    values: dict = field(default_factory=dict)  # computed key -> raw value (None: no data)
    last_invoice_on: datetime.date | None = None
    invoices_12m: int = 0
    ratings: dict = field(default_factory=dict)  # indicator key -> (rating, id, rated_on)


def _fetched(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` query straight from the cursor, without Django's
    converters (a call per value; the caller converts the values it uses: ``_decimals``)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _decimals(vendor: str):
    """How a fetched sum becomes a decimal: PostgreSQL's already is one; SQLite's is a float
    (or an integer), made a decimal as Django's own converter of an aggregate does."""
    return _FLOAT_DECIMAL if vendor == "sqlite" else None


def _invoice_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, tuple]:
    """Per customer: (last invoice date, invoices and sales of the last 12 months, sales of
    the 12 before, invoiced, due, due × days overdue today, doubtful)."""
    today = day_number(as_of)
    start_12 = years_back(as_of, 1)
    start_24 = years_back(as_of, 2)
    due = Q(due_date__lt=as_of)
    doubtful = Q(due_date__lt=as_of - datetime.timedelta(days=DOUBTFUL_DAYS))
    days_late_now = Value(today) - DayNumber("due_date")
    rows = (
        SalesInvoice.objects.filter(customer__in=ids, status=InvoiceStatus.POSTED, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(
            last_on=Max("date"),
            count_12m=Count("pk", filter=Q(date__gt=start_12)),
            sales_12m=_sum("amount", Q(date__gt=start_12)),
            sales_prev=_sum("amount", Q(date__gt=start_24, date__lte=start_12)),
            invoiced=_sum("amount"),
            due_amount=_sum("amount", due),
            due_days=_sum(F("amount") * days_late_now, due),
            doubtful_amount=_sum("amount", doubtful),
        )
        .values_list(
            "customer_id",
            "last_on",
            "count_12m",
            "sales_12m",
            "sales_prev",
            "invoiced",
            "due_amount",
            "due_days",
            "doubtful_amount",
        )
    )
    convert = _decimals(connections[rows.db].vendor)
    found = {}
    for pk, last_on, count, *sums in _fetched(rows):
        if convert is not None:
            sums = [convert(value) for value in sums]
        if type(last_on) is str:  # SQLite
            last_on = datetime.date.fromisoformat(last_on)
        found[pk] = (last_on, count, *sums)
    return found


def _settlement_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, tuple]:
    """Per customer: (settled, settled of due invoices, of those on time, × days late, ×
    days overdue today, settled of doubtful invoices)."""
    today = day_number(as_of)
    due = Q(invoice__due_date__lt=as_of)
    doubtful = Q(invoice__due_date__lt=as_of - datetime.timedelta(days=DOUBTFUL_DAYS))
    days_late = DayNumber("date") - DayNumber("invoice__due_date")
    days_late_now = Value(today) - DayNumber("invoice__due_date")
    rows = (
        Settlement.objects.filter(
            customer__in=ids,
            date__lte=as_of,
            invoice__status=InvoiceStatus.POSTED,
            invoice__date__lte=as_of,
        )
        .filter(
            Q(status=SettlementStatus.ACTIVE)
            | Q(status=SettlementStatus.REVERSED, reversed_on__gt=as_of)
        )
        .order_by()
        .values("customer_id")
        .annotate(
            settled=_sum("amount"),
            settled_due=_sum("amount", due),
            on_time=_sum("amount", due & Q(date__lte=F("invoice__due_date"))),
            late_days=_sum(F("amount") * Greatest(days_late, Value(0)), due),
            now_days=_sum(F("amount") * days_late_now, due),
            settled_doubtful=_sum("amount", doubtful),
        )
        .values_list(
            "customer_id",
            "settled",
            "settled_due",
            "on_time",
            "late_days",
            "now_days",
            "settled_doubtful",
        )
    )
    convert = _decimals(connections[rows.db].vendor)
    if convert is None:
        return {pk: tuple(sums) for pk, *sums in _fetched(rows)}
    return {pk: tuple([convert(value) for value in sums]) for pk, *sums in _fetched(rows)}


def _receipt_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, Decimal]:
    rows = (
        Receipt.objects.filter(customer__in=ids, status=ReceiptStatus.POSTED, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(received=_sum("amount"))
        .values_list("customer_id", "received")
    )
    convert = _decimals(connections[rows.db].vendor)
    if convert is None:
        return dict(_fetched(rows))
    return {pk: convert(received) for pk, received in _fetched(rows)}


def _ratings(ids: QuerySet, as_of: datetime.date) -> dict[int, dict]:
    """Each customer's latest rating per indicator given on or before ``as_of``."""
    found: dict[int, dict] = defaultdict(dict)
    rows = (
        ManualRating.objects.filter(customer__in=ids, rated_on__lte=as_of)
        .order_by("customer_id", "indicator_key", "-rated_on", "-pk")
        .values_list("customer_id", "indicator_key", "rating", "pk", "rated_on")
    )
    for customer_id, key, rating, pk, rated_on in rows.iterator(chunk_size=5000):
        found[customer_id].setdefault(key, (rating, pk, rated_on))
    return found


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else part * HUNDRED / whole


def _completed_years(since: datetime.date | None, as_of: datetime.date) -> int | None:
    if since is None or since > as_of:
        return None
    years = as_of.year - since.year
    if (as_of.month, as_of.day) < (since.month, since.day):
        years -= 1
    return years


_NO_INVOICE = dict.fromkeys(
    (
        ComputedKey.RECENCY_DAYS,
        ComputedKey.SALES_GROWTH,
        ComputedKey.PAID_ON_TIME,
        ComputedKey.DAYS_OVERDUE,
        ComputedKey.OVERDUE_SHARE,
        ComputedKey.DOUBTFUL_SHARE,
    )
)
_NO_SETTLEMENT = (ZERO,) * 6
# The keys of a customer's raw values, as plain strings (looked up once per customer each).
_CAPITAL = ComputedKey.CAPITAL.value
_YEARS = ComputedKey.YEARS_IN_BUSINESS.value
_RECENCY = ComputedKey.RECENCY_DAYS.value
_INVOICES_12M = ComputedKey.INVOICES_12M.value
_GROWTH = ComputedKey.SALES_GROWTH.value
_ON_TIME = ComputedKey.PAID_ON_TIME.value
_OVERDUE_DAYS = ComputedKey.DAYS_OVERDUE.value
_OVERDUE_SHARE = ComputedKey.OVERDUE_SHARE.value
_DOUBTFUL_SHARE = ComputedKey.DOUBTFUL_SHARE.value
_CREDIT_USE = ComputedKey.CREDIT_USE.value


class _Whole(dict):
    """Whole numbers (days, counts, years) as raw values: decimals to the cent, made once."""

    def __missing__(self, number: int) -> Decimal:
        value = self[number] = Decimal(number).quantize(RAW_PLACES)
        return value


def facts_computed(customers: QuerySet, as_of: datetime.date) -> dict[int, Facts]:
    """Every computed indicator's raw value (rounded to the cent) for every customer of
    ``customers``."""
    ids = customers.order_by().values("pk")
    invoices = _invoice_sums(ids, as_of)
    settlements = _settlement_sums(ids, as_of)
    receipts = _receipt_sums(ids, as_of)
    ratings = _ratings(ids, as_of)
    archive = customers.order_by("pk").values_list(
        "pk", "registered_capital", "annual_revenue", "founded_on", "credit_limit"
    )
    whole = _Whole()
    zero_raw = whole[0]
    quantize = Decimal.quantize  # ``_raw`` without a call of its own: once per raw value
    facts: dict[int, Facts] = {}
    for pk, capital, revenue, founded_on, credit_limit in archive.iterator(chunk_size=5000):
        inv = invoices.get(pk)
        years = _completed_years(founded_on, as_of)
        if capital is None:
            capital = revenue
        values = {
            _CAPITAL: None if capital is None else quantize(capital, RAW_PLACES, ROUND_HALF_UP),
            _YEARS: None if years is None else whole[years],
        }
        fact = Facts(values=values, ratings=ratings.get(pk, {}))
        if inv is None:
            values.update(_NO_INVOICE)
            values[_INVOICES_12M] = zero_raw
            balance = -(receipts.get(pk) or ZERO)
        else:
            last_on, count, sales_12m, sales_prev, invoiced, due_amount, due_days, doubtful = inv
            settled, settled_due, on_time, late_days, now_days, settled_doubtful = settlements.get(
                pk, _NO_SETTLEMENT
            )
            fact.last_invoice_on = last_on
            fact.invoices_12m = count
            fact.sales_12m = sales_12m
            open_amount = invoiced - settled
            values[_RECENCY] = whole[(as_of - last_on).days]
            values[_INVOICES_12M] = whole[count]
            values[_GROWTH] = (
                quantize((sales_12m - sales_prev) * HUNDRED / sales_prev, RAW_PLACES, ROUND_HALF_UP)
                if sales_prev
                else None
            )
            if due_amount:
                values[_ON_TIME] = quantize(
                    on_time * HUNDRED / due_amount, RAW_PLACES, ROUND_HALF_UP
                )
                values[_OVERDUE_DAYS] = quantize(
                    (late_days + due_days - now_days) / due_amount, RAW_PLACES, ROUND_HALF_UP
                )
            else:
                values[_ON_TIME] = values[_OVERDUE_DAYS] = None
            if open_amount > 0:
                values[_OVERDUE_SHARE] = quantize(
                    (due_amount - settled_due) * HUNDRED / open_amount, RAW_PLACES, ROUND_HALF_UP
                )
                values[_DOUBTFUL_SHARE] = quantize(
                    (doubtful - settled_doubtful) * HUNDRED / open_amount,
                    RAW_PLACES,
                    ROUND_HALF_UP,
                )
            else:
                values[_OVERDUE_SHARE] = values[_DOUBTFUL_SHARE] = _ZERO_RAW
            balance = invoiced - (receipts.get(pk) or ZERO)
        values[_CREDIT_USE] = (
            quantize(max(balance, ZERO) * HUNDRED / credit_limit, RAW_PLACES, ROUND_HALF_UP)
            if credit_limit
            else None
        )
        facts[pk] = fact
    sales_percentiles(facts)
    return facts


def sales_percentiles(facts: dict[int, Facts]) -> None:
    """Each customer's 12-month sales as a percentile among the run's customers: the share of
    the others whose sales are strictly lower (0 = lowest, 100 = above all others)."""
    others = len(facts) - 1
    if others < 1:
        return
    amounts = sales_floats([fact.sales_12m for fact in facts.values()])
    if amounts is None:  # compared as decimals
        amounts = np.array([fact.sales_12m for fact in facts.values()], dtype=object)
    lower = np.searchsorted(np.sort(amounts), amounts, side="left")
    # the percentile in hundredths, rounded half up (exact: whole numbers)
    percentiles = (2 * lower * 10000 + others) // (2 * others)
    key = ComputedKey.SALES_PERCENTILE.value
    decimals: dict[int, Decimal] = {}
    for fact, value in zip(facts.values(), percentiles.tolist(), strict=True):
        found = decimals.get(value)
        if found is None:
            found = decimals[value] = Decimal(value).scaleb(-2)
        fact.values[key] = found
