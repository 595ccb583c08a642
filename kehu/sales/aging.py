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

The documents keep no cancellation date: an invoice (or receipt) is cancelled (reversed) by
one write that nothing changes afterwards, so its ``updated_at`` is when that happened; the
day is taken in the installation's time zone.

Everything is three grouped queries whatever the number of customers (invoices per bucket,
settlements per bucket of their invoice, receipts), each narrowed by a customer queryset —
the caller's scoped and filtered customers (``customers_visible_to`` + ``CustomerFilter``).
Amounts are in each customer's trading currency: sums over customers are per currency.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


def _end_of(day: datetime.date) -> datetime.datetime | None:
    """The first moment after ``day`` in the installation's time zone (None: never)."""
    if day >= datetime.date.max:
        return None
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start)


def _cents(value) -> Decimal:
    # SQLite answers sums of whole amounts as 70, or floats' tails: money has two places.
    return ZERO if value is None else Decimal(value).quantize(CENT)


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
    return _in_effect(as_of, prefix, InvoiceStatus.POSTED, InvoiceStatus.CANCELLED)


def receipts_in_effect(as_of: datetime.date, prefix: str = "") -> Q:
    """Receipts dated on or before ``as_of`` and not reversed by its end."""
    return _in_effect(as_of, prefix, ReceiptStatus.POSTED, ReceiptStatus.REVERSED)


def _in_effect(as_of, prefix: str, live: str, undone: str) -> Q:
    condition = Q(**{f"{prefix}status": live})
    end = _end_of(as_of)
    if end is not None:
        # undone later than as_of: its last change (the cancellation) is after the day
        condition |= Q(**{f"{prefix}status": undone, f"{prefix}updated_at__gte": end})
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


def _bucket_sums(queryset: QuerySet, as_of: datetime.date, prefix: str = "") -> dict:
    """customer id -> [sum of ``amount`` per bucket of ``{prefix}due_date``]: one query."""
    sums = {}
    for index, bucket in enumerate(BUCKETS):
        condition = bucket.due_dates(as_of, f"{prefix}due_date")
        sums[f"b{index}"] = Coalesce(
            Sum(Case(When(condition, then="amount"), default=Value(ZERO)), output_field=_MONEY),
            Value(ZERO),
            output_field=_MONEY,
        )
    rows = queryset.order_by().values("customer_id").annotate(**sums)
    return {
        row["customer_id"]: [_cents(row[f"b{index}"]) for index in range(len(BUCKETS))]
        for row in rows
    }


def aging_by_customer(customers: QuerySet, as_of: datetime.date) -> dict[int, Aging]:
    """Each customer's aging as of ``as_of`` (customers with no document in effect are left
    out): three grouped queries over the documents of ``customers``."""
    ids = customers.order_by().values("pk")
    invoices = SalesInvoice.objects.filter(invoices_in_effect(as_of), customer__in=ids)
    settled = Settlement.objects.filter(settlements_in_effect(as_of), customer__in=ids)
    receipts = Receipt.objects.filter(receipts_in_effect(as_of), customer__in=ids)
    invoiced = _bucket_sums(invoices, as_of)
    settled_sums = _bucket_sums(settled, as_of, prefix="invoice__")
    received = {
        row["customer_id"]: _cents(row["total"])
        for row in receipts.order_by()
        .values("customer_id")
        .annotate(total=Sum("amount", output_field=_MONEY))
    }
    result: dict[int, Aging] = {}
    for pk in invoiced.keys() | received.keys():
        amounts = invoiced.get(pk, [ZERO] * len(BUCKETS))
        minus = settled_sums.get(pk, [ZERO] * len(BUCKETS))
        result[pk] = Aging(
            buckets=[a - b for a, b in zip(amounts, minus, strict=True)],
            unapplied=received.get(pk, ZERO) - sum(minus, ZERO),
        )
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
