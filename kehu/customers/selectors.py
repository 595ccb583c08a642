"""Reads of the customer archive. Every read of customer data starts at customers_visible_to."""

from django.db.models import Prefetch, Q, QuerySet

from kehu.accounts.choices import ScopeKind
from kehu.accounts.scopes import EffectiveScope, effective_scope
from kehu.customers.models import Customer, DeliveryAddress, SavedQuery, Tag, UserField
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
    """The customers ``user`` may see: their data scope (SPEC §9) as one condition.

    Every customer read (lists, lookups, tree counts, children, exports, statistics) goes
    through here, so that the scope applies everywhere. A customer outside the scope is
    simply not in the queryset, so looking it up answers exactly like a missing one.
    """
    condition = scope_condition(effective_scope(user), user)
    if condition is None:
        return Customer.objects.none()
    return Customer.objects.filter(condition)


def scope_condition(scope: EffectiveScope, user) -> Q | None:
    """The scope as a condition on customers; None when it admits no customer."""
    if scope.kind == ScopeKind.ALL:
        return Q()
    if scope.kind == ScopeKind.OWN:
        return Q(salesperson__user=user)
    if scope.kind == ScopeKind.DEPARTMENT and scope.department is not None:
        return Q(department=scope.department) | Q(salesperson__department=scope.department)
    # A tree code starts with its parent's code, so a subtree is a prefix match on the code.
    if scope.kind == ScopeKind.CLASSES and scope.class_codes:
        return _any_prefix("customer_class__code", scope.class_codes)
    if scope.kind == ScopeKind.REGIONS and scope.region_codes:
        return _any_prefix("region__code", scope.region_codes)
    return None


def _any_prefix(lookup: str, codes) -> Q:
    condition = Q()
    for code in codes:
        condition |= Q(**{f"{lookup}__startswith": code})
    return condition


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


def saved_queries_visible_to(user) -> QuerySet:
    """The saved queries ``user`` may use: their own and the shared ones."""
    if user is None or not user.is_authenticated:
        return SavedQuery.objects.none()
    return SavedQuery.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
