"""The receivables report (SPEC §4, §3): aging as of a date, per customer or grouped by class,
region, salesperson... over the customers of a query.

The web pages (/sales/receivables/, /sales/aging/), the API (``/receivables/aging``), the CLI
(``kehu aging``) and the exports all call ``receivables_report`` with the caller's scoped,
filtered customers (``CustomerFilter.apply(customers_visible_to(user))``). It is the three
grouped queries of ``aging_by_customer`` plus one read of the customers' codes and groups;
the grouping is done in Python over those rows. A row is one group (or customer) in one
currency: amounts of different currencies are never added (decision 0008), so the totals are
per currency too.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from kehu.customers.exports import header_language, neutralise
from kehu.customers.filters import QueryDate
from kehu.customers.statistics import GROUPINGS, NOT_SET
from kehu.sales.aging import BUCKETS, Aging, aging_by_customer

GroupBy = Literal["customer", "class", "region", "salesperson", "department", "credit_grade"]
GROUP_BY_CHOICES = ("customer", "class", "region", "salesperson", "department", "credit_grade")
GROUP_LABELS = {"customer": _("Customer")} | {
    key: GROUPINGS[key].label for key in GROUP_BY_CHOICES if key != "customer"
}


@dataclass
class ReceivablesRow:
    """A customer or a group of customers in one currency; ``code`` None: "not set"."""

    code: str | None
    name: str
    currency: str
    customers: int = 0
    aging: Aging = field(default_factory=Aging)
    customer_id: int | None = None  # the customer's rows only


@dataclass
class ReceivablesReport:
    as_of: datetime.date
    group_by: str
    rows: list[ReceivablesRow]
    totals: dict[str, Aging]  # per currency, in code order

    @property
    def total_rows(self) -> list[tuple[str, Aging]]:
        return list(self.totals.items())


def _group_paths(group_by: str) -> tuple[str, str]:
    if group_by == "customer":
        return "code", "name"
    relation = GROUPINGS[group_by].relation
    return f"{relation}__code", f"{relation}__name"


def receivables_report(
    customers: QuerySet, as_of: datetime.date, group_by: str = "customer"
) -> ReceivablesReport:
    """The aging of ``customers`` as of ``as_of``, per customer or per group and currency.

    Customers that owe nothing and have no credit as of the date are left out. Rows come in
    code order, the group "not set" last; totals per currency.
    """
    if group_by not in GROUP_BY_CHOICES:
        raise ValueError(group_by)
    found = aging_by_customer(customers, as_of)
    code_path, name_path = _group_paths(group_by)
    base = settings.KEHU_BASE_CURRENCY
    rows: dict[tuple, ReceivablesRow] = {}
    totals: dict[str, Aging] = {}
    values = customers.order_by().values_list("pk", code_path, name_path, "currency__code")
    for pk, code, name, currency in values.iterator(chunk_size=5000):
        aging = found.get(pk)
        if aging is None or aging.is_empty:
            continue
        currency = currency or base
        key = (code, currency) if group_by != "customer" else (code, currency, pk)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ReceivablesRow(
                code=code,
                name=name or ("" if code else str(NOT_SET)),
                currency=currency,
                customer_id=pk if group_by == "customer" else None,
            )
        row.customers += 1
        row.aging.add(aging)
        totals.setdefault(currency, Aging()).add(aging)
    ordered = sorted(rows.values(), key=lambda r: (r.code is None, r.code or "", r.currency))
    return ReceivablesReport(as_of, group_by, ordered, dict(sorted(totals.items())))


# Files --------------------------------------------------------------------------------------

_HEADERS = {
    "code": ("编码", "code"),
    "name": ("名称", "name"),
    "currency": ("币种", "currency"),
    "customers": ("客户数", "customers"),
    "not_due": ("未到期", "not_due"),
    "days_1_30": ("逾期1-30天", "overdue_1_30"),
    "days_31_60": ("逾期31-60天", "overdue_31_60"),
    "days_61_90": ("逾期61-90天", "overdue_61_90"),
    "days_91_180": ("逾期91-180天", "overdue_91_180"),
    "over_180": ("逾期180天以上", "overdue_over_180"),
    "open_total": ("未核销发票合计", "open_invoices"),
    "overdue": ("逾期合计", "overdue"),
    "unapplied": ("未核销收款", "unapplied_receipts"),
    "balance": ("应收余额", "balance"),
}


def report_rows(report: ReceivablesReport, language: str | None = None) -> Iterator[list]:
    """The report as the cells of a sheet: a header row, the rows, then a total per currency.

    Texts neutralised like the customer export's (a name starting with ``=`` stays text);
    amounts are ``Decimal`` number cells.
    """
    zh = header_language(language) == "zh"
    keys = ["code", "name", "currency", "customers"]
    keys += [bucket.key for bucket in BUCKETS]
    keys += ["open_total", "overdue", "unapplied", "balance"]
    yield [_HEADERS[key][0 if zh else 1] for key in keys]

    def amounts(aging: Aging) -> list:
        return [*aging.buckets, aging.open_total, aging.overdue, aging.unapplied, aging.balance]

    for row in report.rows:
        yield [
            neutralise(row.code) if row.code else None,
            neutralise(row.name) if row.name else None,
            row.currency,
            row.customers,
            *amounts(row.aging),
        ]
    total = "合计" if zh else "Total"
    for currency, aging in report.totals.items():
        count = sum(r.customers for r in report.rows if r.currency == currency)
        yield [None, total, currency, count, *amounts(aging)]


# Parameters ---------------------------------------------------------------------------------


class ReceivablesParams(BaseModel):
    """As of which date and grouped how; the customers are chosen by a ``CustomerFilter``."""

    as_of: QueryDate | None = Field(
        None, description="The date of the aging (YYYY-MM-DD); default: today."
    )
    group_by: GroupBy = Field(
        "customer",
        description="One row per customer, or per class, region, salesperson, department or "
        "credit grade (and currency).",
    )

    def date(self) -> datetime.date:
        return self.as_of or timezone.localdate()
