"""Reading sales documents: always through the actor's data scope (SPEC §9).

A document is visible when its customer is (``customers_visible_to``); one that is not
answers like a missing one.
"""

from django.db.models import QuerySet

from kehu.customers.selectors import customers_visible_to
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement


def _scoped(model, user) -> QuerySet:
    return model.objects.filter(customer__in=customers_visible_to(user).values("pk"))


def orders_visible_to(user) -> QuerySet:
    return _scoped(SalesOrder, user).select_related("customer", "currency", "cancelled_by")


def invoices_visible_to(user) -> QuerySet:
    return _scoped(SalesInvoice, user).select_related(
        "customer", "currency", "order", "cancelled_by"
    )


def receipts_visible_to(user) -> QuerySet:
    return _scoped(Receipt, user).select_related("customer", "currency", "reversed_by")


def settlements_visible_to(user) -> QuerySet:
    return _scoped(Settlement, user).select_related("customer", "receipt", "invoice")
