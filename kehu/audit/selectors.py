"""Reads of the audit trail."""

from django.db.models import Q, QuerySet

from kehu.audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


def events_visible_to(user) -> QuerySet:
    """The events ``user`` may read: for holders of ``audit.view_auditevent``, those about no
    customer (master data, users, logins) and those about customers in their data scope (all of
    them with the scope "all"); none for anyone else."""
    from kehu.accounts.choices import ScopeKind
    from kehu.accounts.scopes import effective_scope
    from kehu.customers.selectors import customers_visible_to

    events = AuditEvent.objects.select_related("content_type")
    if user is None or not user.is_active or not user.has_perm(VIEW_PERMISSION):
        return events.none()
    if effective_scope(user).kind == ScopeKind.ALL:
        return events
    return events.filter(
        Q(customer_id__isnull=True) | Q(customer_id__in=customers_visible_to(user).values("pk"))
    )


def events_for_customer(customer_id: int, *, user=None) -> QuerySet:
    """The events of one customer and of its records (contacts, addresses, bank accounts,
    documents, tags, later its sales documents), newest first. With ``user``, only when that
    user may read the trail."""
    events = (
        events_visible_to(user)
        if user is not None
        else AuditEvent.objects.select_related("content_type")
    )
    return events.filter(customer_id=customer_id).order_by("-at", "-id")
