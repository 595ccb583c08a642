"""Events as a person reads them: labelled fields, old → new, in the current language."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from kehu.audit.models import AuditEvent

EMPTY = "—"
# Keys of ``changes`` that are not model fields.
_EXTRA_LABELS = {
    "locked": lambda: _("refused: too many failed logins"),
    "merged_customer": lambda: _("merged into this customer"),
    "merged_customer_id": lambda: _("id of the merged customer"),
    "moved": lambda: _("records moved"),
}


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    old: str
    new: str


def _model_of(event: AuditEvent):
    return event.content_type.model_class() if event.content_type_id else None


def record_kind(event: AuditEvent) -> str:
    """The kind of record, e.g. "contact", in the current language."""
    model = _model_of(event)
    return str(model._meta.verbose_name) if model is not None else ""


def _text(field, value) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(None, v)}" for k, v in value.items())
    if field is not None and getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def change_rows(event: AuditEvent) -> list[ChangeRow]:
    """One row per changed field: its label (the field's name in the current language when the
    model still has it), the old and the new value as text."""
    model = _model_of(event)
    rows = []
    for name, pair in (event.changes or {}).items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
        if field is not None:
            label = str(getattr(field, "verbose_name", name))
        elif name in _EXTRA_LABELS:
            label = _EXTRA_LABELS[name]()
        else:
            label = name
        choice_field = field if field is not None and not field.is_relation else None
        rows.append(ChangeRow(name, label, _text(choice_field, old), _text(choice_field, new)))
    return rows
