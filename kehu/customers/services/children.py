"""Contacts, delivery addresses, bank accounts and qualification documents of a customer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.customers import fields
from kehu.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerChild,
    DeliveryAddress,
    QualificationDocument,
)
from kehu.customers.services.references import resolve_reference
from kehu.masterdata.models import Region

# list name -> (model, accepted input fields, the flag only one row per customer may carry)
CHILD_KINDS = {
    "contacts": (Contact, fields.CONTACT_FIELDS, "is_primary"),
    "addresses": (DeliveryAddress, fields.ADDRESS_FIELDS, "is_default"),
    "bank_accounts": (BankAccount, fields.BANK_FIELDS, "is_default"),
    "documents": (QualificationDocument, fields.DOCUMENT_FIELDS, None),
}
CHILD_MODELS = {model: name for name, (model, _f, _flag) in CHILD_KINDS.items()}


def _prefixed(exc: ValidationError, prefix: str) -> dict:
    if hasattr(exc, "error_dict"):
        return {f"{prefix}{key}": errors for key, errors in exc.error_dict.items()}
    return {prefix.rstrip("."): exc.error_list}


def child_build(kind: str, *, instance: CustomerChild, data: dict) -> CustomerChild:
    """Apply ``data`` to a child row and validate it (not its customer); no write."""
    model, accepted, _flag = CHILD_KINDS[kind]
    if not isinstance(data, dict):
        raise ValidationError(_("Give an object."), code="invalid")
    errors = {}
    for key, value in data.items():
        if key not in accepted:
            errors[key] = [ValidationError(_("Unknown field."), code="unknown_field")]
            continue
        if key == "region_code":
            try:
                current = instance.region if instance.region_id else None
                instance.region = resolve_reference(Region, value, current=current)
            except ValidationError as exc:
                errors[key] = exc.error_list
            continue
        if isinstance(value, str):
            value = value.strip()
        if value is None and not model._meta.get_field(key).null:
            value = "" if model._meta.get_field(key).empty_strings_allowed else value
        setattr(instance, key, value)
    try:
        instance.full_clean(exclude=["customer"], validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            key = "region_code" if key == "region" else key
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return instance


# Constraint violations (reported by Django under "__all__") and the field they are about.
CONSTRAINT_FIELDS = {"duplicate_account": "account_number"}


def _constraint_errors_by_field(exc: ValidationError) -> dict:
    errors: dict = {}
    for key, messages in exc.update_error_dict({}).items():
        for message in messages:
            field = CONSTRAINT_FIELDS.get(message.code, key) if key == "__all__" else key
            errors.setdefault(field, []).append(message)
    return errors


def children_check_duplicates(kind: str, rows: list[CustomerChild], prefix: str) -> None:
    """Refuse two new bank accounts of one customer with the same number."""
    if kind != "bank_accounts":
        return
    seen = set()
    for index, row in enumerate(rows):
        if row.account_number in seen:
            raise ValidationError(
                {
                    f"{prefix}{index}.account_number": [
                        ValidationError(
                            _("This account number is given twice."), code="duplicate_account"
                        )
                    ]
                }
            )
        seen.add(row.account_number)


def children_check_flags(kind: str, rows: list[CustomerChild], prefix: str) -> None:
    """Refuse two rows of one list that both claim the primary/default flag."""
    _model, _accepted, flag = CHILD_KINDS[kind]
    if not flag:
        return
    flagged = [i for i, row in enumerate(rows) if getattr(row, flag)]
    if len(flagged) > 1:
        raise ValidationError(
            {
                f"{prefix}{flagged[1]}.{flag}": [
                    ValidationError(_("Only one row may carry this flag."), code="unique")
                ]
            }
        )


def _save(kind: str, row: CustomerChild) -> CustomerChild:
    """Save a row; setting its flag takes the flag away from the customer's other rows."""
    model, _accepted, flag = CHILD_KINDS[kind]
    if flag and getattr(row, flag):
        model.objects.filter(customer=row.customer, **{flag: True}).exclude(pk=row.pk).update(
            **{flag: False}
        )
    try:
        row.validate_constraints()
    except ValidationError as exc:
        raise ValidationError(_constraint_errors_by_field(exc)) from exc
    row.save()
    return row


@transaction.atomic
def customer_child_create(kind: str, *, actor, customer: Customer, data: dict) -> CustomerChild:
    """Add a contact, delivery address, bank account or document to a customer."""
    model, _accepted, _flag = CHILD_KINDS[kind]
    row = child_build(kind, instance=model(customer=customer), data=data)
    return _save(kind, row)


@transaction.atomic
def customer_child_update(kind: str, *, actor, row: CustomerChild, data: dict) -> CustomerChild:
    model, _accepted, _flag = CHILD_KINDS[kind]
    row = model.objects.select_for_update().get(pk=row.pk)
    row = child_build(kind, instance=row, data=data)
    return _save(kind, row)


@transaction.atomic
def customer_child_delete(kind: str, *, actor, row: CustomerChild) -> None:
    row.delete()


def children_save_new(kind: str, *, customer: Customer, rows: list[CustomerChild]) -> None:
    for row in rows:
        row.customer = customer
        _save(kind, row)


__all__ = [
    "CHILD_KINDS",
    "child_build",
    "children_check_duplicates",
    "children_check_flags",
    "children_save_new",
    "customer_child_create",
    "customer_child_delete",
    "customer_child_update",
]
