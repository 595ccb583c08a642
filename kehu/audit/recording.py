"""Every create, update and delete of the project's records becomes an audit event.

Signals are the one place that sees every ``save()`` and ``delete()`` — from services, the
admin, the CLI — so the trail cannot be skipped by a new code path. They record, nothing else:
no rule of the product lives here. Bulk statements (``QuerySet.update``, ``bulk_create``) send
no signals; the product uses them only for system-maintained values (token use, flags moved
between a customer's rows, tags created before they are attached).

Which models: every model of every installed app except the apps listed in
``NOT_AUDITED_APPS`` — a new app is audited without further ado.
"""

import datetime
import decimal
import functools
import json
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import translation

from kehu.audit.models import AuditAction
from kehu.audit.services import event_record

# Infrastructure without business meaning, and the trail itself. (A background job's own
# changes to the archive are audited like any other; its bookkeeping row is not.)
NOT_AUDITED_APPS = frozenset(
    {"audit", "admin", "contenttypes", "sessions", "migrations", "jobs", "django_tasks_db"}
)
# Values the system maintains on every write or use: recording them would turn a login or an
# API call into an "update". The event's own time and actor say when and by whom.
IGNORED_FIELDS = frozenset({"created_at", "updated_at", "created_by", "updated_by", "version"})
IGNORED_FIELDS_BY_MODEL = {
    "auth.user": frozenset({"last_login"}),
    "accounts.apitoken": frozenset({"last_used_at"}),
    "customers.customer": frozenset({"use_count"}),
}
# Secrets and their hashes: the trail says that they changed, never what they are.
SENSITIVE_FIELDS = frozenset({"password", "key_hash"})
MASK = "***"
CUSTOMER_MODEL = "customers.customer"

_BEFORE = "_audit_before"
_M2M_BEFORE = "_audit_m2m_before"


def audited_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label not in NOT_AUDITED_APPS]


def connect() -> None:
    """Connect the recorders to every audited model and its many-to-many relations."""
    for model in audited_models():
        uid = f"kehu.audit.{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if isinstance(through, type):
                m2m_changed.connect(
                    _m2m_changed, sender=through, dispatch_uid=f"{uid}.{field.name}"
                )


# --- values -------------------------------------------------------------------------------


def _fields(model) -> list[models.Field]:
    ignored = IGNORED_FIELDS | IGNORED_FIELDS_BY_MODEL.get(model._meta.label_lower, frozenset())
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in ignored]


_PLAIN_JSON = frozenset({str, int, bool, type(None)})


def _json_safe(field, value):
    """A value as JSON keeps it readably: decimals and dates as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if type(value) is dict and all(
        type(k) is str and type(v) in _PLAIN_JSON for k, v in value.items()
    ):
        return dict(value)  # what the JSON round trip below gives back, without it
    if isinstance(value, decimal.Decimal):
        places = getattr(field, "decimal_places", None)
        try:
            if places is not None and value.is_finite():
                value = value.quantize(decimal.Decimal(1).scaleb(-places))
        except decimal.InvalidOperation:
            pass
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | float):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return MASK
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        return str(value)


def _comparable(field, value):
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _same(field, old, new) -> bool:
    try:
        return _comparable(field, old) == _comparable(field, new)
    except TypeError:  # e.g. a naive and an aware datetime
        return False


def _related_text(field, pk, using, instance=None):
    """A reference as its readable text (the related record's ``str()``)."""
    if pk is None:
        return None
    if instance is not None:
        try:
            related = getattr(instance, field.name)
        except ObjectDoesNotExist:
            related = None
        if related is not None and related.pk == pk:
            return str(related)
    related = field.related_model._base_manager.using(using).filter(pk=pk).first()
    return str(related) if related is not None else str(pk)


def _display(field, value, using, instance=None):
    if field.name in SENSITIVE_FIELDS:
        return MASK if value not in (None, "") else None
    if field.is_relation:
        return _related_text(field, value, using, instance)
    return _json_safe(field, value)


def _empty(value) -> bool:
    return value is None or value == "" or value == {} or value == []


def _snapshot(instance, using, *, side: int) -> dict:
    """``{field: [None, value]}`` (side 1, a new record) or ``{field: [value, None]}`` (side 0)."""
    changes = {}
    for field in _fields(type(instance)):
        value = getattr(instance, field.attname)
        if _empty(value):
            continue
        shown = _display(field, value, using, instance)
        changes[field.name] = [None, shown] if side else [shown, None]
    return changes


def customer_id_of(instance) -> int | None:
    """The customer a record belongs to: the customer itself, or the one its ``customer`` is."""
    if instance._meta.concrete_model._meta.label_lower == CUSTOMER_MODEL:
        return instance.pk
    try:
        field = instance._meta.get_field("customer")
    except FieldDoesNotExist:
        return None
    if field.many_to_one and field.related_model._meta.label_lower == CUSTOMER_MODEL:
        return getattr(instance, field.attname)
    return None


# --- save and delete ----------------------------------------------------------------------


def _in_site_language(handler):
    """Texts stored in an event (the record's name, related records' names) are written in the
    site's language, not in the language of whoever happened to cause the change: the history
    reads the same for everyone, like the data it describes."""

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return handler(*args, **kwargs)

    return wrapped


def _pre_save(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    instance.__dict__.pop(_BEFORE, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = _fields(sender)
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
        if not fields:
            return  # only system-maintained values (a login's last_login)
    row = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if row is not None:
        instance.__dict__[_BEFORE] = (fields, row)


@_in_site_language
def _post_save(sender, instance, created, raw=False, using="default", **kwargs):
    if raw:
        return
    if created:
        event_record(
            action=AuditAction.CREATE,
            instance=instance,
            changes=_snapshot(instance, using, side=1),
            customer_id=customer_id_of(instance),
            using=using,
        )
        return
    before = instance.__dict__.pop(_BEFORE, None)
    if before is None:
        return
    fields, row = before
    changes = {}
    for field in fields:
        old, new = row[field.attname], getattr(instance, field.attname)
        if _same(field, old, new):
            continue
        if field.name in SENSITIVE_FIELDS:
            changes[field.name] = [MASK if old else None, MASK if new else None]
            continue
        changes[field.name] = [
            _display(field, old, using),
            _display(field, _comparable(field, new), using, instance),
        ]
    if changes:
        event_record(
            action=AuditAction.UPDATE,
            instance=instance,
            changes=changes,
            customer_id=customer_id_of(instance),
            using=using,
        )


@_in_site_language
def _post_delete(sender, instance, using="default", origin=None, **kwargs):
    event_record(
        action=AuditAction.DELETE,
        instance=instance,
        changes=_snapshot(instance, using, side=0),
        customer_id=customer_id_of(instance),
        using=using,
    )


# --- many-to-many -------------------------------------------------------------------------


@functools.cache
def _m2m_field(through) -> models.ManyToManyField:
    for model in audited_models():
        for field in model._meta.local_many_to_many:
            if field.remote_field.through is through:
                return field
    raise LookupError(through)


def _m2m_texts(field, owner_pk, using) -> list[str]:
    through = field.remote_field.through
    ids = (
        through._base_manager.using(using)
        .filter(**{field.m2m_field_name(): owner_pk})
        .values(field.m2m_reverse_field_name())
    )
    related = field.related_model._base_manager.using(using).filter(pk__in=ids)
    return sorted(str(obj) for obj in related.select_related())


def _m2m_owner_pks(field, instance, reverse, pk_set, using) -> list:
    if not reverse:
        return [instance.pk]
    if pk_set is not None:
        return sorted(pk_set)
    # clear() from the other side: every owner that holds ``instance``.
    through = field.remote_field.through
    return list(
        through._base_manager.using(using)
        .filter(**{field.m2m_reverse_field_name(): instance.pk})
        .values_list(field.m2m_field_name(), flat=True)
    )


@_in_site_language
def _m2m_changed(sender, instance, action, reverse, model, pk_set, using="default", **kwargs):
    phase, _sep, _kind = action.partition("_")
    field = _m2m_field(sender)
    key = f"{_M2M_BEFORE}_{field.name}"
    if phase == "pre":
        owner_pks = _m2m_owner_pks(field, instance, reverse, pk_set, using)
        instance.__dict__[key] = {pk: _m2m_texts(field, pk, using) for pk in owner_pks}
        return
    before = instance.__dict__.pop(key, None) or {}
    if not before:
        return
    owners = (
        {instance.pk: instance}
        if not reverse
        else field.model._base_manager.using(using).in_bulk(list(before))
    )
    for pk, old in before.items():
        owner = owners.get(pk)
        if owner is None:
            continue
        new = _m2m_texts(field, pk, using)
        if new != old:
            event_record(
                action=AuditAction.UPDATE,
                instance=owner,
                changes={field.name: [old, new]},
                customer_id=customer_id_of(owner),
                using=using,
            )


# --- bulk writes --------------------------------------------------------------------------
# ``bulk_create``/``bulk_update`` send no signals: a service that writes in bulk builds the
# events of its rows with these, exactly as the signals would have recorded them, and inserts
# them with ``kehu.audit.services.events_record_bulk``.


def created_changes(instance, using: str = "default") -> dict:
    """The changes of a create event: every non-empty field as ``[None, value]``."""
    with translation.override(settings.LANGUAGE_CODE):
        return _snapshot(instance, using, side=1)


def updated_changes(instance, before: dict, using: str = "default") -> dict:
    """The changes of an update event: ``before`` maps attnames to the stored values (only
    the fields that may have changed); fields whose value is the same are left out."""
    changes = {}
    with translation.override(settings.LANGUAGE_CODE):
        for field in _fields(type(instance)):
            if field.attname not in before:
                continue
            old, new = before[field.attname], getattr(instance, field.attname)
            if _same(field, old, new):
                continue
            changes[field.name] = [
                _display(field, old, using),
                _display(field, _comparable(field, new), using, instance),
            ]
    return changes
