"""Reads of the customer archive. Every read of customer data starts at customers_visible_to."""

import datetime

from django.db.models import (
    Case,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from kehu.accounts.choices import ScopeKind
from kehu.accounts.scopes import EffectiveScope, effective_scope
from kehu.customers.choices import ExpiryStatus
from kehu.customers.models import (
    Customer,
    DeliveryAddress,
    QualificationDocument,
    SavedQuery,
    Tag,
    UserField,
)
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
    """Customers with their contacts, addresses, bank accounts and documents (each document
    with its ``expiry_status``)."""
    return customer_list(user).prefetch_related(
        "contacts",
        Prefetch("addresses", queryset=DeliveryAddress.objects.select_related("region")),
        "bank_accounts",
        Prefetch("documents", queryset=with_expiry(QualificationDocument.objects.all())),
    )


def customer_children(customer: Customer, kind: str) -> QuerySet:
    """The contacts, addresses, bank accounts or documents of one (visible) customer."""
    model = CHILD_KINDS[kind][0]
    queryset = model.objects.filter(customer=customer)
    if model is DeliveryAddress:
        queryset = queryset.select_related("region")
    if model is QualificationDocument:
        queryset = with_expiry(queryset)
    return queryset


def customer_branches(user, customer: Customer) -> QuerySet:
    """The subsidiaries (branches) of ``customer`` that ``user`` may see."""
    return customers_visible_to(user).filter(parent=customer).select_related("customer_class")


# Qualification documents and their expiry (SPEC §2) ----------------------------------------
#
# A document is due for renewal from ``valid_to - warn_days`` on (that day included) and
# expired once ``valid_to`` has passed (the document is valid on its last day). The rule is
# written once, in SQL, so that the report, the 360° page and the API agree.


def _warning_from() -> ExpressionWrapper:
    """The first day of the document's warning period: valid_to - warn_days days."""
    # SQLite multiplies a duration only by a plain integer field (not a positive small one).
    days = ExpressionWrapper(F("warn_days"), output_field=IntegerField())
    warn = ExpressionWrapper(days * Value(datetime.timedelta(days=1)), output_field=DurationField())
    return ExpressionWrapper(F("valid_to") - warn, output_field=DateField())


def with_expiry(queryset: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """Documents annotated with ``expiry_status`` (an ``ExpiryStatus`` value) as of ``today``."""
    today = today or timezone.localdate()
    return queryset.alias(warning_from=_warning_from()).annotate(
        expiry_status=Case(
            When(valid_to__isnull=True, then=Value(ExpiryStatus.NO_EXPIRY)),
            When(valid_to__lt=today, then=Value(ExpiryStatus.EXPIRED)),
            When(warning_from__lte=today, then=Value(ExpiryStatus.EXPIRING)),
            default=Value(ExpiryStatus.VALID),
        )
    )


def documents_visible_to(user) -> QuerySet:
    """The qualification documents of the customers ``user`` may see."""
    return QualificationDocument.objects.filter(customer__in=customers_visible_to(user))


EXPIRY_FILTERS = {
    "expired": (ExpiryStatus.EXPIRED,),
    "expiring": (ExpiryStatus.EXPIRING,),
    "all": (ExpiryStatus.EXPIRED, ExpiryStatus.EXPIRING),
}


def documents_due(documents: QuerySet, status: str = "all", today=None) -> QuerySet:
    """Those of ``documents`` that have expired or are within their warning days (``status``:
    "expired", "expiring" or "all" of both), soonest expiry first, with their customers."""
    return (
        with_expiry(documents, today)
        .filter(expiry_status__in=EXPIRY_FILTERS[status])
        .select_related("customer", "customer__salesperson")
        .order_by("valid_to", "customer__code", "pk")
    )


def expiring_documents(user, status: str = "all", today: datetime.date | None = None):
    """``documents_due`` among the documents ``user`` may see."""
    return documents_due(documents_visible_to(user), status, today)


def user_fields() -> QuerySet:
    return UserField.objects.all()


def tags() -> QuerySet:
    return Tag.objects.all()


def saved_queries_visible_to(user) -> QuerySet:
    """The saved queries ``user`` may use: their own and the shared ones."""
    if user is None or not user.is_authenticated:
        return SavedQuery.objects.none()
    return SavedQuery.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
