"""Reads of the customer archive. Every read of customer data starts at customers_visible_to."""

from django.db.models import Prefetch, QuerySet

from kehu.customers.models import Customer, DeliveryAddress, Tag, UserField
from kehu.customers.services.children import CHILD_KINDS

# Every foreign key a customer row shows (as a code or a username): one JOIN each, no N+1.
CUSTOMER_RELATED = (
    "customer_class",
    "region",
    "parent",
    "industry",
    "registered_capital_currency",
    "currency",
    "department",
    "salesperson",
    "shipping_method",
    "credit_grade",
    "payment_terms",
    "created_by",
    "updated_by",
)


def customers_visible_to(user) -> QuerySet:
    """The customers ``user`` may see.

    Every customer read (lists, lookups, children, exports) goes through here, so that the data
    scopes of SPEC §9 apply everywhere once they exist. For now everyone sees all customers.
    """
    return Customer.objects.all()


def customer_list(user) -> QuerySet:
    """Customers with everything a list row shows, in a constant number of queries."""
    return customers_visible_to(user).select_related(*CUSTOMER_RELATED).prefetch_related("tags")


def customer_detail(user) -> QuerySet:
    """Customers with their contacts, addresses, bank accounts and documents."""
    return customer_list(user).prefetch_related(
        "contacts",
        Prefetch("addresses", queryset=DeliveryAddress.objects.select_related("region")),
        "bank_accounts",
        "documents",
    )


def customer_children(customer: Customer, kind: str) -> QuerySet:
    """The contacts, addresses, bank accounts or documents of one (visible) customer."""
    model = CHILD_KINDS[kind][0]
    queryset = model.objects.filter(customer=customer)
    if model is DeliveryAddress:
        queryset = queryset.select_related("region")
    return queryset


def user_fields() -> QuerySet:
    return UserField.objects.all()


def tags() -> QuerySet:
    return Tag.objects.all()
