"""The report of qualification documents that have expired or are within their warning days
(SPEC §2: "the system lists customers whose documents expire soon or have expired")."""

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.models import Customer, QualificationDocument
from kehu.customers.overview import expiry_text

PAGE_SIZE = 50
STATUS_CHOICES = (
    ("all", _("Expired or expiring")),
    ("expired", _("Expired")),
    ("expiring", _("Expiring soon")),
)


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _headings() -> list[str]:
    document = QualificationDocument
    return [
        _label(document, "customer"),
        _label(Customer, "salesperson"),
        *(_label(document, name) for name in ("kind", "number", "valid_to", "warn_days")),
        _("Status"),
    ]


class ExpiringDocumentsView(DeclaredPermissionsMixin, TemplateView):
    """The visible customers' documents due for renewal, soonest expiry first."""

    template_name = "customers/expiring_documents.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer", "customers.view_qualificationdocument")

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "all")
        if status not in selectors.EXPIRY_FILTERS:
            status = "all"
        today = timezone.localdate()
        documents = selectors.expiring_documents(self.request.user, status, today)
        page = Paginator(documents, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for document in page.object_list:
            document.expiry_text = expiry_text(document, today)
        query = QueryDict(mutable=True)
        query["status"] = status
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "status": status,
            "status_choices": STATUS_CHOICES,
            "today": today,
            "status_query": query.urlencode(),
            "headings": _headings(),
        }
