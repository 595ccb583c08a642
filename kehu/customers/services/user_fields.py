"""User-defined fields (自定义项): their definitions and the validation of their values."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.customers.choices import UserFieldType
from kehu.customers.models import Customer, UserField

TEXT_MAX = 500
TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "对"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "不"}


def _number(value):
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."), code="invalid")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter a number."), code="invalid") from exc
    if not number.is_finite() or len(number.as_tuple().digits) > 15:
        raise ValidationError(_("Enter a number of at most 15 digits."), code="invalid")
    return int(number) if number == number.to_integral_value() else float(number)


def _value(definition: UserField, value):
    kind = definition.field_type
    if kind == UserFieldType.NUMBER:
        return _number(value)
    if kind == UserFieldType.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
        return parsed.isoformat()
    if kind == UserFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValidationError(_("Enter yes or no."), code="invalid")
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    if kind == UserFieldType.CHOICE and text not in definition.choices:
        raise ValidationError(
            _("Choose one of: %(choices)s."),
            code="invalid_choice",
            params={"choices": ", ".join(definition.choices)},
        )
    if len(text) > TEXT_MAX:
        raise ValidationError(
            _("At most %(max)d characters."), code="max_length", params={"max": TEXT_MAX}
        )
    return text


def user_field_value(definition: UserField, value):
    """``value`` as stored for the field ``definition`` (a number, an ISO date, a boolean or a
    text); a ``ValidationError`` saying what is wrong otherwise. Queries parse their values
    with it too, so that a condition compares like with like."""
    return _value(definition, value)


def user_field_definitions() -> dict:
    """The active user-defined fields by key."""
    return {d.key: d for d in UserField.objects.filter(is_active=True)}


def user_field_values_clean(current: dict, changes, *, definitions: dict | None = None) -> dict:
    """Merge ``changes`` into ``current`` and validate against the active definitions
    (``definitions``, when the caller has loaded them already).

    A key set to null or "" removes the value. Errors are keyed ``user_fields.<key>``.
    """
    if changes is None:
        changes = {}
    if not isinstance(changes, dict):
        raise ValidationError({"user_fields": _("Give an object of field keys and values.")})
    if definitions is None:
        definitions = user_field_definitions()
    values = dict(current or {})
    errors = {}
    for key, value in changes.items():
        path = f"user_fields.{key}"
        definition = definitions.get(key)
        if definition is None:
            errors[path] = [ValidationError(_("No user-defined field has this key."))]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            values.pop(key, None)
            continue
        try:
            values[key] = _value(definition, value)
        except ValidationError as exc:
            errors[path] = exc.error_list
    for key, definition in definitions.items():
        if definition.required and key not in values and f"user_fields.{key}" not in errors:
            errors[f"user_fields.{key}"] = [
                ValidationError(_("This field is required."), code="required")
            ]
    if errors:
        raise ValidationError(errors)
    return values


def _check_choices(definition: UserField):
    if definition.field_type == UserFieldType.CHOICE:
        choices = definition.choices
        if (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) and c.strip() for c in choices)
        ):
            raise ValidationError({"choices": _("Give a list of one or more texts.")})
        if len(set(choices)) != len(choices):
            raise ValidationError({"choices": _("The choices repeat a value.")})
    elif definition.choices:
        raise ValidationError({"choices": _("Only a choice field has choices.")})


def _in_use(key: str) -> bool:
    return Customer.objects.filter(user_fields__has_key=key).exists()


@transaction.atomic
def user_field_create(*, actor, data: dict) -> UserField:
    """Define a new field; it appears on every customer at once, no schema change needed."""
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    definition = UserField(**data)
    definition.full_clean()
    _check_choices(definition)
    definition.save()
    return definition


@transaction.atomic
def user_field_update(*, actor, definition: UserField, data: dict) -> UserField:
    """Change labels, choices, group, position; key and type are fixed once values exist."""
    definition = UserField.objects.select_for_update().get(pk=definition.pk)
    for fixed in ("key", "field_type"):
        if fixed in data and data[fixed] != getattr(definition, fixed) and _in_use(definition.key):
            raise ConflictError(
                _("Customers have values for this field: its key and type can no longer change."),
                code="in_use",
                field=fixed,
            )
    for key, value in data.items():
        setattr(definition, key, value)
    definition.full_clean()
    _check_choices(definition)
    definition.save()
    return definition


@transaction.atomic
def user_field_delete(*, actor, definition: UserField) -> None:
    if _in_use(definition.key):
        raise ConflictError(
            _("Customers have values for this field: deactivate it instead."), code="in_use"
        )
    definition.delete()
