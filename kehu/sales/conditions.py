"""Conditions on customers computed from their invoices (SPEC §3): the overdue amount and
"has invoices overdue by at least N days", as of today, for ``CustomerFilter``.

Each is one correlated subquery on the customer row (read through the index on an invoice's
customer, status and due date), so the list, the API, the exports and the statistics filter
with them in the same single query. They read the invoices' maintained open amounts — what
the settlements entered so far leave open — which is the aging as of today
(``kehu.sales.aging``) unless a settlement is dated in the future.
"""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kehu.customers.models import MONEY
from kehu.sales.choices import InvoiceStatus
from kehu.sales.models import SalesInvoice

_MONEY = DecimalField(**MONEY)


def _open_invoices(**conditions):
    return SalesInvoice.objects.filter(
        customer=OuterRef("pk"), status=InvoiceStatus.POSTED, open_amount__gt=0, **conditions
    )


def overdue_amount(today: datetime.date | None = None) -> Coalesce:
    """The customer's open amount of invoices due before ``today`` (0 when none)."""
    today = today or timezone.localdate()
    total = (
        _open_invoices(due_date__lt=today)
        .order_by()
        .values("customer")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(Decimal("0")), output_field=_MONEY)


def has_overdue_invoices(days: int, today: datetime.date | None = None) -> Exists:
    """Whether the customer has an open invoice at least ``days`` days past its due date."""
    today = today or timezone.localdate()
    return Exists(_open_invoices(due_date__lte=today - datetime.timedelta(days=days)))
