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
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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


def _invoice_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, dict]:
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
    )
    return {row.pop("customer_id"): row for row in rows}


def _settlement_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, dict]:
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
    )
    return {row.pop("customer_id"): row for row in rows}


def _receipt_sums(ids: QuerySet, as_of: datetime.date) -> dict[int, Decimal]:
    rows = (
        Receipt.objects.filter(customer__in=ids, status=ReceiptStatus.POSTED, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(received=_sum("amount"))
    )
    return {row["customer_id"]: row["received"] for row in rows}


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


def _get(sums: dict, name: str) -> Decimal:
    return Decimal(sums.get(name) or ZERO)


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else part * HUNDRED / whole


def _completed_years(since: datetime.date | None, as_of: datetime.date) -> int | None:
    if since is None or since > as_of:
        return None
    years = as_of.year - since.year
    if (as_of.month, as_of.day) < (since.month, since.day):
        years -= 1
    return years


def facts_computed(customers: QuerySet, as_of: datetime.date) -> dict[int, Facts]:
    """Every computed indicator's raw value for every customer of ``customers``."""
    ids = customers.order_by().values("pk")
    invoices = _invoice_sums(ids, as_of)
    settlements = _settlement_sums(ids, as_of)
    receipts = _receipt_sums(ids, as_of)
    ratings = _ratings(ids, as_of)
    archive = customers.order_by("pk").values_list(
        "pk", "registered_capital", "annual_revenue", "founded_on", "credit_limit"
    )
    facts: dict[int, Facts] = {}
    for pk, capital, revenue, founded_on, credit_limit in archive.iterator(chunk_size=5000):
        inv = invoices.get(pk)
        sett = settlements.get(pk, {})
        fact = Facts(ratings=ratings.get(pk, {}))
        values = fact.values
        capital_value = capital if capital is not None else revenue
        values[ComputedKey.CAPITAL] = capital_value
        values[ComputedKey.YEARS_IN_BUSINESS] = _completed_years(founded_on, as_of)
        if inv is None:
            for key in (
                ComputedKey.RECENCY_DAYS,
                ComputedKey.SALES_GROWTH,
                ComputedKey.PAID_ON_TIME,
                ComputedKey.DAYS_OVERDUE,
                ComputedKey.OVERDUE_SHARE,
                ComputedKey.DOUBTFUL_SHARE,
            ):
                values[key] = None
            values[ComputedKey.INVOICES_12M] = 0
            balance = -Decimal(receipts.get(pk) or ZERO)
        else:
            fact.last_invoice_on = inv["last_on"]
            fact.invoices_12m = inv["count_12m"]
            fact.sales_12m = Decimal(inv["sales_12m"])
            sales_prev = Decimal(inv["sales_prev"])
            due_amount = Decimal(inv["due_amount"])
            open_amount = Decimal(inv["invoiced"]) - _get(sett, "settled")
            overdue_open = due_amount - _get(sett, "settled_due")
            doubtful_open = Decimal(inv["doubtful_amount"]) - _get(sett, "settled_doubtful")
            values[ComputedKey.RECENCY_DAYS] = (as_of - inv["last_on"]).days
            values[ComputedKey.INVOICES_12M] = inv["count_12m"]
            values[ComputedKey.SALES_GROWTH] = (
                None if not sales_prev else (fact.sales_12m - sales_prev) * HUNDRED / sales_prev
            )
            values[ComputedKey.PAID_ON_TIME] = _share(_get(sett, "on_time"), due_amount)
            weighted_days = (
                _get(sett, "late_days") + Decimal(inv["due_days"]) - _get(sett, "now_days")
                if due_amount
                else None
            )
            values[ComputedKey.DAYS_OVERDUE] = (
                None if weighted_days is None else weighted_days / due_amount
            )
            values[ComputedKey.OVERDUE_SHARE] = (
                _share(overdue_open, open_amount) if open_amount > 0 else ZERO
            )
            values[ComputedKey.DOUBTFUL_SHARE] = (
                _share(doubtful_open, open_amount) if open_amount > 0 else ZERO
            )
            balance = Decimal(inv["invoiced"]) - Decimal(receipts.get(pk) or ZERO)
        values[ComputedKey.CREDIT_USE] = (
            _share(max(balance, ZERO), credit_limit) if credit_limit else None
        )
        values[ComputedKey.SALES_PERCENTILE] = None  # filled in by sales_percentiles
        facts[pk] = fact
    sales_percentiles(facts)
    for fact in facts.values():
        for key, value in fact.values.items():
            fact.values[key] = round_raw(value)
    return facts


def sales_percentiles(facts: dict[int, Facts]) -> None:
    """Each customer's 12-month sales as a percentile among the run's customers: the share of
    the others whose sales are strictly lower (0 = lowest, 100 = above all others)."""
    amounts = sorted(fact.sales_12m for fact in facts.values())
    others = len(amounts) - 1
    if others < 1:
        return
    lower = {}
    for index, amount in enumerate(amounts):
        lower.setdefault(amount, index)
    for fact in facts.values():
        fact.values[ComputedKey.SALES_PERCENTILE] = (
            Decimal(lower[fact.sales_12m]) * HUNDRED / others
        )
