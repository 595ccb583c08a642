"""The duplicate report page (SPEC §7)."""

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers.selectors import customers_visible_to
from kehu.quality.duplicates import DEFAULT_THRESHOLD, find_duplicates

PAGE_SIZE = 50


def _min_score(value: str | None) -> int:
    """The ``min_score`` asked for, within 1–100; the default for anything else."""
    if value and value.strip().isdigit():
        return min(max(int(value), 1), 100)
    return DEFAULT_THRESHOLD


class DuplicateReportView(DeclaredPermissionsMixin, TemplateView):
    """Pairs of customers the user may see that are probably the same one, best first."""

    template_name = "quality/duplicate_report.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get_context_data(self, **kwargs):
        min_score = _min_score(self.request.GET.get("min_score"))
        pairs = find_duplicates(customers_visible_to(self.request.user), threshold=min_score)
        page = Paginator(pairs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "min_score": min_score,
        }
