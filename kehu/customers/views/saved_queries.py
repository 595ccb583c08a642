"""Saving and deleting the customer list's queries from the list page (SPEC §3).

``POST /customers/queries/`` saves the query string in ``query`` under ``name`` (``shared``
for every user), or with ``delete=<id>`` deletes one of the user's saved queries. Either way
it returns to the list: after saving, with the saved query applied.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors, services
from kehu.customers.columns import split_columns
from kehu.customers.filters import SAVED_PARAM, query_values
from kehu.customers.views.list import COLUMNS_PARAM, condition_label

NAME_LABEL = _("Name")


class SavedQueryView(DeclaredPermissionsMixin, View):
    """Save the list's current query, or delete a saved one."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get(self, request):
        return redirect("customers:list")

    def post(self, request):
        if "delete" in request.POST:
            return self._delete(request, request.POST["delete"])
        query = QueryDict(request.POST.get("query", "")[:4000])
        params = query_values(query)
        back = reverse("customers:list")
        try:
            saved = services.saved_query_create(
                actor=request.user,
                data={
                    "name": request.POST.get("name", ""),
                    "shared": request.POST.get("shared") in ("on", "1", "true"),
                    "params": params,
                    "columns": split_columns(query.getlist(COLUMNS_PARAM)),
                },
            )
        except ValidationError as exc:
            for field, texts in exc.message_dict.items():
                key = field.removeprefix("params.")
                label = NAME_LABEL if field == "name" else condition_label(key)
                for text in texts:
                    messages.error(request, f"{label}: {text}")
            return redirect(f"{back}?{query.urlencode()}" if query else back)
        messages.success(request, _("The query “%(name)s” was saved.") % {"name": saved.name})
        return redirect(f"{back}?{SAVED_PARAM}={saved.pk}")

    @staticmethod
    def _delete(request, value):
        text = str(value).strip()
        saved = None
        if text.isdigit() and len(text) < 12:
            saved = selectors.saved_queries_visible_to(request.user).filter(pk=int(text)).first()
        if saved is None:
            messages.error(request, _("The saved query does not exist or is not shared with you."))
        else:
            try:
                services.saved_query_delete(actor=request.user, query=saved)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("The query “%(name)s” was deleted.") % {"name": saved.name}
                )
        return redirect("customers:list")
