"""The receivables pages (SPEC §4, §3): ``/sales/receivables/`` (aging grouped by class,
region, salesperson...) and ``/sales/aging/`` (per customer), as of a date, over the customers
of the list's own conditions (a saved query included), with XLSX and CSV downloads.

Both read the conditions exactly as the customer list does (``read_conditions``): what does
not parse is reported and left out, so the report covers the list's customers.
"""

import tempfile
from urllib.parse import urlencode

from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from pydantic import ValidationError

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.exports import CONTENT_TYPES, csv_chunks, header_language, write_xlsx
from kehu.customers.filters import SAVED_PARAM
from kehu.customers.views.list import query_pairs, read_conditions
from kehu.sales.aging import BUCKETS
from kehu.sales.receivables import (
    GROUP_BY_CHOICES,
    GROUP_LABELS,
    ReceivablesParams,
    receivables_report,
    report_rows,
)

PAGE_SIZE = 100
PARAM_LABELS = {"as_of": _("As of"), "group_by": _("Group by")}
EXPORT_FORMATS = ("xlsx", "csv")
PERMISSIONS = ("customers.view_customer", "sales.view_salesinvoice")


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), 10**6))
    except (TypeError, ValueError):
        return 1


class ReceivablesView(DeclaredPermissionsMixin, View):
    """The aging of the list's customers as of a date, grouped (or per customer)."""

    template_name = "sales/receivables.html"
    fixed_group_by: str | None = None  # the per-customer page
    url_name = "receivables:receivables"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return PERMISSIONS

    def get(self, request):
        query = request.GET
        filters, errors, _saved, filter_params = read_conditions(
            query, request.user, page_params=(SAVED_PARAM,)
        )
        as_of_text = (query.get("as_of") or "").strip()
        group_by = self.fixed_group_by or query.get("group_by") or "class"
        params = None
        try:
            params = ReceivablesParams(as_of=as_of_text or None, group_by=group_by)
        except ValidationError as error:
            for item in error.errors():
                field = str(item["loc"][0]) if item["loc"] else ""
                errors.append(
                    _("%(field)s: this value is not valid.")
                    % {"field": PARAM_LABELS.get(field, field)}
                )
        report = None
        if params is not None:
            customers = filters.apply(selectors.customers_visible_to(request.user))
            report = receivables_report(customers, params.date(), params.group_by)
            export = query.get("export")
            if export in EXPORT_FORMATS:
                return _download(report, export)
        page = _page_number(query.get("page"))
        rows = report.rows if report else []
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        carry = query_pairs(filter_params)
        own = [("as_of", as_of_text)] if as_of_text else []
        if not self.fixed_group_by:
            own.append(("group_by", group_by))
        context = {
            "report": report,
            "rows": shown,
            "buckets": BUCKETS,
            "errors": errors,
            "filter_params": carry,
            "as_of": report.as_of if report else as_of_text,
            "today": timezone.localdate(),
            "group_by": group_by,
            "per_customer": group_by == "customer",
            "fixed": bool(self.fixed_group_by),
            "groupings": [(key, GROUP_LABELS[key]) for key in GROUP_BY_CHOICES],
            "group_label": GROUP_LABELS.get(group_by, ""),
            "page": page,
            "pages": max(1, -(-len(rows) // PAGE_SIZE)),
            "page_query": _query(carry + own),
            "export_query": _query(carry + own),
            "list_query": _query(carry),
            "url_name": self.url_name,
        }
        status = 400 if report is None else 200
        return render(request, self.template_name, context, status=status)


class AgingView(ReceivablesView):
    """The aging per customer."""

    fixed_group_by = "customer"
    url_name = "receivables:aging"


def _query(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs)


def _download(report, file_format: str):
    language = header_language()
    name = f"receivables-{report.group_by}-{report.as_of:%Y%m%d}.{file_format}"
    rows = report_rows(report, language)
    if file_format == "csv":
        response = StreamingHttpResponse(
            csv_chunks(rows, "utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(rows, file, sheet_name="账龄" if language == "zh" else "aging")
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"])
