"""The receivables section of the customer's 360° page (SPEC §3): balance, open orders, aging
as of today, overdue invoices and the recent documents.

Registered from ``SalesConfig.ready()``; shown to users who may read invoices. A constant
number of queries whatever the customer's documents: the aging (three grouped queries), the
overdue invoices (one, a subquery each), the latest orders, invoices and receipts (one each).
"""

import datetime
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Customer
from kehu.customers.overview import OverviewContext, OverviewSection, overview_section_add
from kehu.sales import selectors
from kehu.sales.aging import BUCKETS, Aging, aging_by_customer, open_invoices_as_of
from kehu.sales.services import trading_currency

RECENT = 10
OVERDUE_LIMIT = 20


def _recent(context: OverviewContext) -> list[dict]:
    """The latest orders, invoices and receipts, newest first (at most ``RECENT`` of all)."""
    user, pk = context.user, context.customer.pk
    kinds = (
        (_("Sales order"), selectors.orders_visible_to(user)),
        (_("Sales invoice"), selectors.invoices_visible_to(user)),
        (_("Receipt"), selectors.receipts_visible_to(user)),
    )
    documents = []
    for kind, queryset in kinds:
        for document in queryset.filter(customer_id=pk).order_by("-date", "-id")[:RECENT]:
            documents.append(
                {
                    "kind": kind,
                    "number": document.number,
                    "date": document.date,
                    "amount": document.amount,
                    "status": document.get_status_display(),
                }
            )
    documents.sort(key=lambda d: d["date"], reverse=True)
    return documents[:RECENT]


def _overdue(context: OverviewContext) -> tuple[list[dict], bool]:
    today = context.today
    invoices = selectors.invoices_visible_to(context.user).filter(customer_id=context.customer.pk)
    rows = list(
        open_invoices_as_of(invoices, today)
        .filter(Q(due_date__lt=today), open_as_of__gt=0)
        .order_by("due_date", "number")[: OVERDUE_LIMIT + 1]
    )
    return [
        {
            "number": invoice.number,
            "date": invoice.date,
            "due_date": invoice.due_date,
            "days": (today - invoice.due_date).days,
            "amount": invoice.amount,
            "open": invoice.open_as_of,
        }
        for invoice in rows[:OVERDUE_LIMIT]
    ], len(rows) > OVERDUE_LIMIT


def receivables_section(context: OverviewContext) -> dict | None:
    user = context.user
    if not user.has_perm("sales.view_salesinvoice"):
        return None
    customer = context.customer
    today: datetime.date = context.today
    aging = aging_by_customer(Customer.objects.filter(pk=customer.pk), today).get(customer.pk)
    aging = aging or Aging()
    overdue, more = _overdue(context)
    currency = trading_currency(customer)
    return {
        "currency": currency.code if currency else "",
        "balance": customer.receivable_balance,
        "open_orders": customer.open_order_amount,
        "credit_limit": customer.credit_limit,
        "exposure": customer.receivable_balance + customer.open_order_amount,
        "as_of": today,
        "buckets": list(zip(BUCKETS, aging.buckets, strict=True)),
        "aging": aging,
        "overdue": overdue,
        "more_overdue": more,
        "recent": _recent(context),
        "aging_url": reverse("receivables:aging") + "?" + urlencode({"code": customer.code}),
    }


def register() -> None:
    overview_section_add(
        OverviewSection(
            "receivables",
            _("Receivables"),
            "sales/overview/_receivables.html",
            receivables_section,
            order=45,
            wide=True,
        )
    )
