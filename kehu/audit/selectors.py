"""Reads of the audit trail."""

from django.db.models import Q, QuerySet

from kehu.audit.models import AuditAction, AuditEvent

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


# How many generations of merges the history follows (A merged into B, B into C...).
MAX_MERGE_DEPTH = 20


def merged_customer_ids(customer_id: int) -> list[int]:
    """The ids of the customers merged into this one, directly or through earlier merges.

    A merged customer is deleted, but its events stay under its id; the merge event on the
    survivor names that id. One query per generation of merges.
    """
    found: list[int] = []
    frontier = [customer_id]
    for _depth in range(MAX_MERGE_DEPTH):
        ids = []
        for changes in AuditEvent.objects.filter(
            action=AuditAction.MERGE, customer_id__in=frontier
        ).values_list("changes", flat=True):
            pair = (changes or {}).get("merged_customer_id")
            merged = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
            if isinstance(merged, int) and merged not in found and merged != customer_id:
                ids.append(merged)
        if not ids:
            break
        found.extend(ids)
        frontier = ids
    return found


def events_for_customer(customer_id: int, *, user=None) -> QuerySet:
    """The events of one customer and of its records (contacts, addresses, bank accounts,
    documents, tags, later its sales documents), newest first — including those of the
    customers merged into it (SPEC §7: their history stays findable). With ``user``, only when
    that user may read the trail."""
    events = (
        events_visible_to(user)
        if user is not None
        else AuditEvent.objects.select_related("content_type")
    )
    ids = [customer_id, *merged_customer_ids(customer_id)]
    return events.filter(customer_id__in=ids).order_by("-at", "-id")
