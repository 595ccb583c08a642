"""Reads of the audit trail."""

from django.db.models import QuerySet

from kehu.audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


def events_visible_to(user) -> QuerySet:
    """The events ``user`` may read: all of them for administrators and holders of
    ``audit.view_auditevent``, none for anyone else."""
    events = AuditEvent.objects.select_related("content_type")
    if user is not None and user.is_active and user.has_perm(VIEW_PERMISSION):
        return events
    return events.none()


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
