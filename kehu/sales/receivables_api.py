"""``GET /api/v1/receivables/aging`` (SPEC §4, §3): the receivables report over the customers
of a query, as of a date, per customer or per group."""

from ninja import Query, Router, Schema
from pydantic import BaseModel, Field

from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors
from kehu.core.api.pagination import PageParams
from kehu.core.api.schemas import Money
from kehu.customers import selectors
from kehu.customers.api import CONDITIONS_TEXT, SavedParam
from kehu.customers.filters import CustomerFilter, filter_with_saved, saved_query_of
from kehu.sales.aging import BUCKETS, Aging
from kehu.sales.receivables import ReceivablesParams, ReceivablesRow, receivables_report

router = Router(tags=["receivables"])


class AgingAmountsOut(BaseModel):
    """Open invoice amounts per bucket of days overdue, and what they add up to."""

    not_due: Money
    days_1_30: Money
    days_31_60: Money
    days_61_90: Money
    days_91_180: Money
    over_180: Money
    open_total: Money = Field(description="The open invoices: the sum of the buckets.")
    overdue: Money = Field(description="The open invoices past their due date.")
    unapplied: Money = Field(description="Receipts not applied to any invoice (a credit).")
    balance: Money = Field(description="The receivable balance: open_total - unapplied.")


class AgingRowOut(AgingAmountsOut):
    code: str | None = Field(description="The customer's or group's code; null: not set.")
    name: str
    currency: str
    customers: int = Field(description="Customers in the row (1 for a customer's row).")


class AgingTotalOut(AgingAmountsOut):
    currency: str
    customers: int


class BucketOut(Schema):
    key: str
    label: str
    min_days: int | None
    max_days: int | None


class AgingOut(BaseModel):
    as_of: str
    group_by: str
    buckets: list[BucketOut]
    count: int = Field(description="Rows in the whole report (all pages).")
    page: int
    page_size: int
    results: list[AgingRowOut]
    totals: list[AgingTotalOut] = Field(description="Per currency, over every row.")


def _amounts(aging: Aging) -> dict:
    return {
        **aging.by_key,
        "open_total": aging.open_total,
        "overdue": aging.overdue,
        "unapplied": aging.unapplied,
        "balance": aging.balance,
    }


def _row(row: ReceivablesRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "currency": row.currency,
        "customers": row.customers,
        **_amounts(row.aging),
    }


@router.get(
    "/receivables/aging",
    response=with_errors({200: AgingOut}),
    auth=requires("customers.view_customer", "sales.view_salesinvoice"),
    summary="Aging of receivables as of a date, per customer or group",
    description=(
        "The open invoices of the customers that `GET /customers` finds with the same "
        "conditions (within the caller's data scope), as of `as_of` (default today): an "
        "invoice counts when dated on or before it and not cancelled by its end, less the "
        "settlements made by then and not reversed by then. Amounts per bucket of days "
        "overdue (`as_of - due_date`: not due, 1-30, 31-60, 61-90, 91-180, over 180), the "
        "receipts not applied and the balance. Each customer's amounts are in its trading "
        "currency; groups and totals are per currency. Rows in code order, paged; customers "
        "owing nothing are left out.\n\n" + CONDITIONS_TEXT
    ),
)
def receivables_aging(
    request,
    filters: Query[CustomerFilter],
    params: Query[ReceivablesParams],
    page: Query[PageParams],
    saved: Query[SavedParam],
):
    # Read from the request itself, like the list: the uf_* conditions apply too.
    query = None if saved.saved is None else saved_query_of(request.user, saved.saved)
    filters = filter_with_saved(request.GET, request.user, query)
    customers = filters.apply(selectors.customers_visible_to(request.user))
    report = receivables_report(customers, params.date(), params.group_by)
    offset = (page.page - 1) * page.page_size
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[row.currency] = counts.get(row.currency, 0) + row.customers
    return {
        "as_of": report.as_of.isoformat(),
        "group_by": report.group_by,
        "buckets": [
            {"key": b.key, "label": str(b.label), "min_days": b.low, "max_days": b.high}
            for b in BUCKETS
        ],
        "count": len(report.rows),
        "page": page.page,
        "page_size": page.page_size,
        "results": [_row(row) for row in report.rows[offset : offset + page.page_size]],
        "totals": [
            {"currency": currency, "customers": counts[currency], **_amounts(aging)}
            for currency, aging in report.totals.items()
        ],
    }
