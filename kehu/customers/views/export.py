"""The export of the customer list's current result (SPEC §3, §8).

``/customers/export/`` takes the list's own query parameters plus ``format`` and ``columns``.
Without ``format`` (or with a value that does not parse) it shows the export form for those
conditions; with them it answers the file.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from pydantic import ValidationError

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import exports, selectors
from kehu.customers.columns import default_export_columns, split_columns
from kehu.customers.filters import (
    SAVED_PARAM,
    ConditionError,
    filter_with_saved,
    query_values,
    saved_query_of,
)
from kehu.customers.views.list import condition_label, query_pairs

# The web form's formats: one choice each for the file type and, for CSV, its encoding.
WEB_FORMATS = {
    "xlsx": ("xlsx", "utf-8", _("Excel workbook (XLSX)")),
    "csv": ("csv", "utf-8", _("CSV, UTF-8")),
    "csv-gb18030": ("csv", "gb18030", _("CSV, GB18030 (Excel in China)")),
}
LANGUAGE_CHOICES = (("zh-hans", _("Chinese")), ("en", _("English")))
PARAM_LABELS = {
    "format": _("Format"),
    "encoding": _("Format"),
    "columns": _("Columns"),
    "language": _("Header language"),
}


def _messages(error: ValidationError, labels: dict) -> list[str]:
    messages = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        text = str(item.get("msg", "")).removeprefix("Value error, ")
        messages.append(f"{labels.get(field, field)}: {text}")
    return messages


class CustomerExportView(DeclaredPermissionsMixin, View):
    """Download the customers of the list's conditions as XLSX or CSV."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get(self, request):
        query = request.GET
        filter_data = query_pairs(query_values(query))
        if query.get(SAVED_PARAM):
            filter_data.append((SAVED_PARAM, query[SAVED_PARAM]))  # carried by the form
        chosen = split_columns(query.getlist("columns"))
        errors, filters = [], None
        try:
            saved = (
                saved_query_of(request.user, query[SAVED_PARAM]) if query.get(SAVED_PARAM) else None
            )
            filters = filter_with_saved(query, request.user, saved)
        except ConditionError as error:
            errors += [
                text if key == SAVED_PARAM else f"{condition_label(key)}: {text}"
                for key, texts in sorted(error.message_dict.items())
                for text in texts
            ]
        except DjangoValidationError as error:
            errors += [
                f"{_('Saved query')}: {text}" for text in error.message_dict.get(SAVED_PARAM, [])
            ]
        else:
            # the saved query's columns, unless the request names its own
            if not chosen and saved is not None:
                chosen = list(saved.columns)
        if "format" in query and filters is not None:
            file_format, encoding, _label = WEB_FORMATS.get(query["format"], (None, None, None))
            try:
                params = exports.ExportParams(
                    format=file_format or query["format"],
                    encoding=encoding or "utf-8",
                    columns=",".join(chosen) or None,
                    language=query.get("language") or None,
                )
            except ValidationError as error:
                errors += _messages(error, PARAM_LABELS)
            else:
                queryset = filters.apply(selectors.customers_visible_to(request.user))
                return exports.export_response(queryset, params)
        return self._form(request, filters, filter_data, chosen, errors)

    @staticmethod
    def _form(request, filters, filter_data, chosen, errors):
        available = exports.available_columns()
        checked = set(chosen) or set(default_export_columns())
        language = exports.header_language(request.GET.get("language"))
        columns = [(key, column.header("zh"), key in checked) for key, column in available.items()]
        count = None
        if filters is not None:
            count = filters.apply(selectors.customers_visible_to(request.user)).count()
        context = {
            "filter_params": filter_data,
            "columns": columns,
            "formats": [(value, label) for value, (_f, _e, label) in WEB_FORMATS.items()],
            "chosen_format": request.GET.get("format", "xlsx"),
            "header_languages": LANGUAGE_CHOICES,
            "chosen_language": "zh-hans" if language == "zh" else "en",
            "count": count,
            "errors": errors,
        }
        return render(
            request, "customers/customer_export.html", context, status=400 if errors else 200
        )
