"""The small coded lists of SPEC §1: industries, departments, salespeople, currencies,
payment terms, shipping methods, credit grades."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.core.models import CodedItem
from kehu.core.usage import describe_usage, usage_counts
from kehu.masterdata.models import PaymentTerms
from kehu.masterdata.services.payment_terms import parse_payment_terms


def _related(field, value):
    """The row a foreign key given as text names: by code, or a login by its username."""
    model = field.related_model
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, model):
        return value
    if not isinstance(value, str):
        raise ValidationError(_("Give the code as text."), code="invalid")
    lookup = getattr(model, "USERNAME_FIELD", "code")
    obj = model._default_manager.filter(**{lookup: value.strip()}).first()
    if obj is None:
        raise ValidationError(
            _("%(model)s “%(value)s” does not exist."),
            code="does_not_exist",
            params={"model": model._meta.verbose_name, "value": value.strip()},
        )
    return obj


def _apply(item: CodedItem, data: dict) -> dict:
    """Set the given values on ``item``; the errors of those that cannot be set, by field."""
    fields = {f.name for f in item._meta.concrete_fields} | {
        f.name for f in item._meta.fields if f.is_relation
    }
    errors = {}
    for key, value in data.items():
        if key not in fields or key in {"id", "created_at", "updated_at"}:
            raise ValidationError({key: _("Unknown field.")}, code="unknown_field")
        field = item._meta.get_field(key)
        if field.is_relation:
            try:
                value = _related(field, value)
            except ValidationError as exc:
                errors[key] = exc.error_list
                continue
        elif isinstance(value, str):
            value = value.strip()
        setattr(item, key, value)
    if isinstance(item, PaymentTerms):
        try:
            item.net_days, item.discounts = parse_payment_terms(item.text)
        except ValidationError as exc:
            errors["text"] = exc.error_list
    return errors


def _validate(item: CodedItem, errors: dict) -> None:
    """Every problem at once: those met while applying the data and the model's own checks."""
    try:
        item.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _derived_fields(model) -> set[str]:
    return {"net_days", "discounts"} if model is PaymentTerms else set()


@transaction.atomic
def coded_item_create(model: type[CodedItem], *, actor, data: dict) -> CodedItem:
    """Create a row of a small list after validating every field."""
    unknown = set(data) & _derived_fields(model)
    if unknown:
        raise ValidationError({k: _("Derived from the terms text.") for k in unknown})
    item = model()
    _validate(item, _apply(item, data))
    item.save()
    return item


@transaction.atomic
def coded_item_update(model: type[CodedItem], *, actor, item: CodedItem, data: dict) -> CodedItem:
    """Change a row; its code is fixed once anything refers to it."""
    item = model.objects.select_for_update().get(pk=item.pk)
    unknown = set(data) & _derived_fields(model)
    if unknown:
        raise ValidationError({k: _("Derived from the terms text.") for k in unknown})
    new_code = data.get("code")
    if new_code is not None and new_code.strip() != item.code:
        used = usage_counts(item)
        if used:
            raise ConflictError(
                _("%(code)s is used by %(usage)s: its code can no longer change."),
                code="code_in_use",
                field="code",
                params={"code": item.code, "usage": describe_usage(used)},
            )
    _validate(item, _apply(item, data))
    item.save()
    return item


@transaction.atomic
def coded_item_delete(model: type[CodedItem], *, actor, item: CodedItem) -> None:
    """Delete a row that nothing refers to (otherwise deactivate it instead)."""
    item = model.objects.select_for_update().get(pk=item.pk)
    used = usage_counts(item)
    if used:
        raise ConflictError(
            _("%(code)s is used by %(usage)s and cannot be deleted; deactivate it instead."),
            code="in_use",
            params={"code": item.code, "usage": describe_usage(used)},
        )
    item.delete()
