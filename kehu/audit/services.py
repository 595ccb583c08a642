"""Writing the audit trail, and the login lockout that reads it."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import Max
from django.utils import timezone

from kehu.audit.context import AuditActor, client_ip, current_actor, recording_is_suspended
from kehu.audit.models import AuditAction, AuditEvent
from kehu.core.bulk import RowWriter

# SPEC §9 / issue 4.6: this many failures of one user name from one address within the window
# lock that pair until the window has passed since the last failure.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_WINDOW = timedelta(minutes=15)


def event_record(
    *,
    action: str,
    instance=None,
    changes: dict | None = None,
    customer_id: int | None = None,
    who: AuditActor | None = None,
    using: str = "default",
) -> AuditEvent:
    """Insert one event about ``instance`` (or about no record: a login), by the current actor.

    Called inside the caller's transaction, so an event exists exactly when its change does.
    Returns None, recording nothing, while recording is suspended (``migrate``'s seeding).
    """
    if recording_is_suspended():
        return None
    event = event_build(
        action=action,
        instance=instance,
        changes=changes,
        customer_id=customer_id,
        who=who,
        using=using,
    )
    event.save(using=using)
    return event


def event_build(
    *,
    action: str,
    instance=None,
    changes: dict | None = None,
    customer_id: int | None = None,
    who: AuditActor | None = None,
    using: str = "default",
) -> AuditEvent:
    """The event ``event_record`` would insert, not yet saved (for ``events_record_bulk``)."""
    who = who or current_actor()
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        actor=who.actor,
        actor_name=who.actor_name,
        request_id=who.request_id[:64],
        ip=who.ip,
        operation_id=who.operation_id,
        customer_id=customer_id,
        changes=changes or {},
    )
    if instance is not None:
        event.content_type = ContentType.objects.db_manager(using).get_for_model(instance)
        event.object_id = str(instance.pk)[:64]
        event.object_repr = _repr(instance)
    return event


BULK_BATCH = 500


def events_record_many(
    *, action: str, items, who: AuditActor | None = None, using: str = "default"
) -> int:
    """Insert one event per ``(instance, changes, customer_id)`` of ``items`` in batches.

    For bulk statements (``QuerySet.update``), which send no signals: the caller records what
    it changed, inside its transaction. Returns the number of events written.
    """
    if recording_is_suspended():
        return 0
    who = who or current_actor()
    events = [
        event_build(
            action=action,
            instance=instance,
            changes=changes,
            customer_id=customer_id,
            who=who,
            using=using,
        )
        for instance, changes, customer_id in items
    ]
    events_record_bulk(events, using=using, batch_size=BULK_BATCH)
    return len(events)


def events_record_bulk(events: list[AuditEvent], *, using: str = "default", batch_size=1000):
    """Insert events built with ``event_build`` (for rows written in bulk, which send no
    signals), in the caller's transaction; nothing while recording is suspended."""
    if recording_is_suspended() or not events:
        return
    writer = _event_writer(using)
    for start in range(0, len(events), batch_size):
        writer.insert(events[start : start + batch_size])


def _event_writer(using: str) -> RowWriter:
    # COPY / executemany (kehu.core.bulk): bulk_create spent more time preparing the values
    # than the database took to insert them.
    return RowWriter(AuditEvent, using=connections[using])


def _repr(instance) -> str:
    try:
        return str(instance)[:255]
    except Exception:  # a broken __str__ must not lose the event
        return f"{instance._meta.label} {instance.pk}"


def _login_who(request, *, actor=None, actor_name: str = "") -> AuditActor:
    return AuditActor(
        actor=actor,
        actor_name=(actor_name or "")[:150],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        ip=client_ip(request),
        operation_id="",
    )


def login_record(*, user, request) -> AuditEvent:
    return event_record(
        action=AuditAction.LOGIN,
        who=_login_who(request, actor=user, actor_name=user.get_username()),
    )


def logout_record(*, user, request) -> AuditEvent:
    return event_record(
        action=AuditAction.LOGOUT,
        who=_login_who(request, actor=user, actor_name=user.get_username()),
    )


def login_failed_record(*, username: str, request, locked: bool = False) -> AuditEvent:
    """A failed login with the user name that was tried (no user: it may not exist)."""
    return event_record(
        action=AuditAction.LOGIN_FAILED,
        who=_login_who(request, actor_name=username),
        changes={"locked": [None, True]} if locked else None,
    )


def login_locked(username: str, ip: str | None) -> bool:
    """True when ``username`` from ``ip`` has failed too often lately to be let in now.

    Counts the pair's failures of the last ``LOGIN_LOCK_WINDOW`` after its last success. Refused
    attempts are failures too, so the lock lasts until the window has passed since the last one.
    The database is the state: every process and server sees the same count.
    """
    username = (username or "")[:150]
    pair = AuditEvent.objects.filter(actor_name=username, ip=ip)
    since = timezone.now() - LOGIN_LOCK_WINDOW
    last_success = pair.filter(action=AuditAction.LOGIN, at__gt=since).aggregate(at=Max("at"))["at"]
    failures = pair.filter(action=AuditAction.LOGIN_FAILED, at__gt=last_success or since)
    return failures.count() >= LOGIN_MAX_FAILURES
