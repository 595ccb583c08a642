"""The customer's 360° page (SPEC §3): a read-only overview in sections (``overview.py``)."""

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.overview import overview_sections


class CustomerOverviewView(DeclaredPermissionsMixin, TemplateView):
    """One customer on one page; the card (``edit``) is one click away."""

    template_name = "customers/customer_overview.html"

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get_context_data(self, pk: int, **kwargs):
        user = self.request.user
        # A customer outside the user's scope is not in the queryset: a 404 like a missing one.
        customer = get_object_or_404(selectors.customer_detail(user), pk=pk)
        sections = overview_sections(customer, user)
        documents = next((s for s in sections if s.section.key == "documents"), None)
        return {
            **super().get_context_data(**kwargs),
            "customer": customer,
            "sections": sections,
            "documents_due": documents.context["due"] if documents else 0,
            "can_change": user.has_perm("customers.change_customer"),
        }
