"""Reading credit control's records: always through the actor's data scope (SPEC §9).

A hold or an event is visible when its customer is; policies are not customer data.
"""

from django.db.models import QuerySet

from kehu.credit.models import CreditApproval, CreditEvent, CreditPolicy
from kehu.customers.selectors import customers_visible_to


def approvals_visible_to(user) -> QuerySet:
    return CreditApproval.objects.filter(
        customer__in=customers_visible_to(user).values("pk")
    ).select_related("order", "customer", "requested_by", "decided_by", "order__currency")


def events_visible_to(user) -> QuerySet:
    return CreditEvent.objects.filter(
        customer__in=customers_visible_to(user).values("pk")
    ).select_related("customer", "credit_unit", "actor", "order", "invoice")


def policies() -> QuerySet:
    return CreditPolicy.objects.select_related("credit_grade", "customer_class")
