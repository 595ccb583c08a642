"""Creating, changing, deactivating and deleting customers (SPEC §2)."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError, FieldPermissionError, StaleVersionError
from kehu.core.text import text_problem
from kehu.core.usage import describe_usage, protected_relations
from kehu.customers import fields, selectors
from kehu.customers.mnemonic import mnemonic_for
from kehu.customers.models import Customer, Tag
from kehu.customers.services.children import (
    CHILD_KINDS,
    child_build,
    children_check_duplicates,
    children_check_flags,
    children_save_new,
)
from kehu.customers.services.references import resolve_reference
from kehu.customers.services.user_fields import user_field_values_clean
from kehu.customers.validators import validate_credit_code
from kehu.masterdata.models import Currency, Salesperson

MAX_HEAD_OFFICE_DEPTH = 50
TAG_MAX = 50
MAX_TAGS = 50
CREDIT_PERMISSION = "customers.change_customer_credit"
_UNSET = object()


@dataclass
class BuildContext:
    """What validating many customers at once loads only once (an import).

    ``references`` maps a reference input name (``class_code``…) to a ``ReferenceIndex``;
    ``user_fields`` holds the active user-defined field definitions; ``own_salesperson`` the
    actor's salesperson record (None: none). In bulk, the checks that need the database
    (uniqueness of code and active name, existence of referenced rows, the head-office chain
    of an existing customer) are left to the caller, which knows every row of the batch.
    """

    references: dict = field(default_factory=dict)
    user_fields: dict | None = None
    own_salesperson: object = _UNSET
    in_bulk: bool = True


def customer_transactions(customer: Customer) -> list[tuple[str, int]]:
    """Documents that refer to the customer (orders, invoices... as those apps add them).

    Any model that protects customers from deletion counts, except the customer's own branches.
    """
    found = []
    for rel in protected_relations(Customer):
        if rel.related_model is Customer:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: customer}).count()
        if count:
            found.append((str(rel.related_model._meta.verbose_name_plural), count))
    return found


def _check_unknown(data: dict) -> None:
    unknown = [key for key in data if key not in fields.INPUT_FIELDS]
    if unknown:
        system = set(fields.SYSTEM_FIELDS)
        raise ValidationError(
            {
                key: ValidationError(
                    _("Maintained by the system; it cannot be set.")
                    if key in system
                    else _("Unknown field."),
                    code="read_only" if key in system else "unknown_field",
                )
                for key in unknown
            }
        )


def may_change_credit(actor) -> bool:
    """Field scope (SPEC §9): credit terms are changed by credit controllers and administrators.

    ``None`` is the system itself (the demo loader, tests' factories), not a person with a role.
    """
    return actor is None or actor.has_perm(CREDIT_PERMISSION)


def _credit_values(customer: Customer) -> dict:
    """The credit group's values, comparable across input types (``"10.0"`` == ``10``)."""
    values = {}
    for key in fields.CREDIT_FIELDS:
        if key in fields.REFERENCE_FIELDS:
            values[key] = getattr(customer, f"{fields.REFERENCE_FIELDS[key][0]}_id")
            continue
        field = Customer._meta.get_field(key)
        value = getattr(customer, key)
        if value == "" and field.null:
            value = None
        try:
            values[key] = field.to_python(value)
        except ValidationError:
            values[key] = value  # not a value of the field: it differs from any stored one
    return values


def _check_field_scope(actor, data: dict, before: dict, customer: Customer, errors: dict) -> None:
    """Refuse credit fields the actor may not change; an unchanged value sent back is fine.

    A reference that does not resolve (``errors`` has it) counts as a change: the actor learns
    that the field is not theirs before learning that the value is wrong.
    """
    if may_change_credit(actor):
        return
    after = _credit_values(customer)
    refused = [
        key
        for key in fields.CREDIT_FIELDS
        if key in data and (key in errors or after[key] != before[key])
    ]
    if refused:
        raise FieldPermissionError(
            {
                key: [_("Only credit controllers and administrators may change this field.")]
                for key in refused
            }
        )


def _check_scope_kept(actor, customer: Customer) -> None:
    """The actor must still see the customer they wrote (SPEC §9 data scope).

    Checked after writing, on the data as written, so that whatever decides the scope
    (salesperson, department...) is judged once; the error rolls the write back.
    """
    if actor is None:
        return
    if not selectors.customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise scope_lost_error()


def scope_lost_error() -> ValidationError:
    """The refusal of a write after which the actor could no longer see the customer."""
    return ValidationError(
        {
            "salesperson": ValidationError(
                _(
                    "You could no longer see this customer: it would be outside your data "
                    "scope. Choose a salesperson (or department) within your scope."
                ),
                code="out_of_scope",
            )
        }
    )


def _check_version(customer: Customer, expected_version: int | None) -> None:
    """Optimistic concurrency: refuse an update based on an older read of the (locked) row."""
    if expected_version is not None and customer.version != expected_version:
        raise StaleVersionError(current_version=customer.version)


def _clean_tags(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError({"tags": _("Give a list of tag names.")})
    names = []
    for name in value:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > TAG_MAX:
            raise ValidationError(
                {"tags": _("A tag is a text of 1 to %(max)d characters.") % {"max": TAG_MAX}}
            )
        if text_problem(name):
            raise ValidationError({"tags": text_problem(name)})
        if name.strip() not in names:
            names.append(name.strip())
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(max)d tags.") % {"max": MAX_TAGS}})
    return names


def _set_tags(customer: Customer, names: list[str]) -> None:
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    customer.tags.set(Tag.objects.filter(name__in=names))


def _check_head_office(customer: Customer) -> None:
    """The head office chain must not loop back to the customer."""
    parent_id = customer.parent_id
    seen = set()
    depth = 0
    while parent_id is not None:
        if (customer.pk is not None and parent_id == customer.pk) or parent_id in seen:
            raise ValidationError(
                {
                    "parent_code": ValidationError(
                        _(
                            "This head office would make a cycle: it belongs to this customer's "
                            "own group."
                        ),
                        code="cycle",
                    )
                }
            )
        seen.add(parent_id)
        depth += 1
        if depth > MAX_HEAD_OFFICE_DEPTH:
            raise ValidationError({"parent_code": _("The head-office chain is too deep.")})
        parent_id = (
            Customer.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        )


def _apply(
    customer: Customer, data: dict, errors: dict, actor=None, context: BuildContext | None = None
) -> None:
    """Copy plain values and resolve references onto ``customer``, collecting field errors.

    A head office must be a customer the actor may see; another one answers like an unknown
    code."""
    for key in fields.PLAIN_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, str):
                value = value.strip()
            model_field = Customer._meta.get_field(key)
            if value is None and not model_field.null:
                value = "" if model_field.empty_strings_allowed else model_field.get_default()
            if key == "credit_code" and isinstance(value, str):
                value = value.replace(" ", "").upper()
            setattr(customer, key, value)
    for key, (model_field, model) in fields.REFERENCE_FIELDS.items():
        if key not in data:
            continue
        target = Customer if model == "customer" else model
        current = getattr(customer, model_field) if getattr(customer, f"{model_field}_id") else None
        queryset = None
        if target is Customer and actor is not None:
            queryset = selectors.customers_visible_to(actor)
        try:
            index = context.references.get(key) if context is not None else None
            if index is not None:
                obj = index.resolve(data[key], current=current)
            else:
                obj = resolve_reference(target, data[key], current=current, queryset=queryset)
        except ValidationError as exc:
            errors[key] = exc.error_list
            continue
        setattr(customer, model_field, obj)


# The references, resolved from rows that exist: in bulk, not checked again one query each.
_REFERENCE_MODEL_FIELDS = [model_field for model_field, _m in fields.REFERENCE_FIELDS.values()]


def _validate(customer: Customer, errors: dict, *, in_bulk: bool = False) -> None:
    """Field, cross-field and constraint checks, errors keyed by input names.

    ``in_bulk``: without the checks that query the database (see ``BuildContext``).
    """
    if customer.customer_class_id is None and "class_code" not in errors:
        errors["class_code"] = [ValidationError(_("This field is required."), code="required")]
    try:
        if in_bulk:
            customer.full_clean(
                exclude=_REFERENCE_MODEL_FIELDS, validate_unique=False, validate_constraints=False
            )
        else:
            customer.full_clean(exclude=["customer_class"])
    except ValidationError as exc:
        for key, messages in exc.error_dict.items():
            if key == "__all__" and any(m.code == "name_taken" for m in messages):
                key = "name"
            errors.setdefault(fields.MODEL_TO_INPUT.get(key, key), []).extend(messages)
    if customer.credit_code and customer.country == "CN" and "credit_code" not in errors:
        try:
            customer.credit_code = validate_credit_code(customer.credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.error_list
    today = timezone.localdate()
    if isinstance(customer.founded_on, datetime.date) and customer.founded_on > today:
        errors.setdefault("founded_on", []).append(
            ValidationError(_("The founding date is in the future."), code="future")
        )
    if customer.parent_id and "parent_code" not in errors and not (in_bulk and not customer.pk):
        # (A new customer cannot close a loop: nothing refers to it yet.)
        try:
            _check_head_office(customer)
        except ValidationError as exc:
            errors.update(exc.error_dict)


def _build_children(data: dict, errors: dict) -> dict:
    built = {}
    for kind in fields.CHILD_LISTS:
        items = data.get(kind)
        if items is None:
            continue
        if not isinstance(items, list | tuple):
            errors[kind] = [ValidationError(_("Give a list."), code="invalid")]
            continue
        model = CHILD_KINDS[kind][0]
        rows = []
        for index, item in enumerate(items):
            try:
                rows.append(child_build(kind, instance=model(), data=item))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, messages in exc.error_dict.items():
                        errors[f"{kind}.{index}.{key}"] = messages
                else:
                    errors[f"{kind}.{index}"] = exc.error_list
        if len(rows) == len(items):
            try:
                children_check_flags(kind, rows, f"{kind}.")
                children_check_duplicates(kind, rows, f"{kind}.")
            except ValidationError as exc:
                errors.update(exc.error_dict)
        built[kind] = rows
    return built


def _default_salesperson(
    actor, customer: Customer, data: dict, context: BuildContext | None = None
) -> None:
    """A customer created without a salesperson by a salesperson's login is theirs (and their
    department's), as an ERP defaults the 专管业务员 to the operator."""
    if actor is None or not getattr(actor, "pk", None) or customer.salesperson_id:
        return
    if data.get("salesperson") not in (None, ""):
        return  # given, but refused: the error is already reported
    if context is not None and context.own_salesperson is not _UNSET:
        own = context.own_salesperson
    else:
        own = Salesperson.objects.filter(user=actor, is_active=True).first()
    if own is None:
        return
    customer.salesperson = own
    if customer.department_id is None and data.get("department") in (None, ""):
        customer.department_id = own.department_id


def customer_build(
    *, actor, data: dict, context: BuildContext | None = None
) -> tuple[Customer, list[str], dict]:
    """A new customer from ``data``, validated but not saved: ``(customer, tags, children)``.

    Every rule of ``customer_create`` but the writing (and, with a ``context`` in bulk, the
    checks it leaves to its caller). Raises ``ValidationError`` with every field's problems, or
    ``FieldPermissionError``.
    """
    _check_unknown(data)
    errors: dict = {}
    customer = Customer()
    before = _credit_values(customer)
    _apply(customer, data, errors, actor, context)
    _default_salesperson(actor, customer, data, context)
    _check_field_scope(actor, data, before, customer, errors)
    if not data.get("mnemonic"):
        customer.mnemonic = mnemonic_for(customer.short_name or customer.name)
    try:
        customer.user_fields = user_field_values_clean(
            {}, data.get("user_fields"), definitions=context.user_fields if context else None
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        tags = _clean_tags(data.get("tags"))
    except ValidationError as exc:
        errors.update(exc.error_dict)
        tags = []
    _validate(customer, errors, in_bulk=bool(context and context.in_bulk))
    children = _build_children(data, errors)
    if errors:
        raise ValidationError(errors)
    return customer, tags, children


@transaction.atomic
def customer_create(*, actor, data: dict) -> Customer:
    """Create a customer with its contacts, addresses, bank accounts, documents and tags.

    All or nothing: every problem of the customer and its children is reported at once, keyed
    by field (``contacts.1.email``), and nothing is written unless all is valid. Credit terms
    other than the defaults need the credit permission (``FieldPermissionError``); the actor
    must be able to see the customer created.
    """
    customer, tags, children = customer_build(actor=actor, data=data)
    customer.created_by = actor if getattr(actor, "pk", None) else None
    customer.updated_by = customer.created_by
    customer.save()
    for kind, rows in children.items():
        children_save_new(kind, customer=customer, rows=rows)
    if tags:
        _set_tags(customer, tags)
    _check_scope_kept(actor, customer)
    return customer


def customer_build_changes(
    *, actor, customer: Customer, data: dict, context: BuildContext | None = None
) -> list[str] | None:
    """Apply ``data`` (a partial update) to ``customer`` in memory and validate it; returns the
    new tags (None: unchanged). Every rule of ``customer_update`` but the locking, the code
    check and the writing. Raises ``ValidationError`` or ``FieldPermissionError``."""
    _check_unknown(data)
    nested = [k for k in fields.CHILD_LISTS if k in data]
    if nested:
        raise ValidationError(
            {k: _("Change contacts, addresses, banks and documents one by one.") for k in nested}
        )
    was_derived = customer.mnemonic == mnemonic_for(customer.short_name or customer.name)
    errors: dict = {}
    before = _credit_values(customer)
    currency_before = customer.currency_id
    _apply(customer, data, errors, actor, context)
    _check_field_scope(actor, data, before, customer, errors)
    if "currency" in data and "currency" not in errors:
        _check_currency_kept(customer, currency_before, errors)
    follows_name = was_derived if "mnemonic" not in data else not customer.mnemonic
    if follows_name:
        customer.mnemonic = mnemonic_for(customer.short_name or customer.name)
    if "user_fields" in data:
        try:
            customer.user_fields = user_field_values_clean(
                customer.user_fields,
                data["user_fields"],
                definitions=context.user_fields if context else None,
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    tags = None
    if "tags" in data:
        try:
            tags = _clean_tags(data["tags"])
        except ValidationError as exc:
            errors.update(exc.error_dict)
    _validate(customer, errors, in_bulk=bool(context and context.in_bulk))
    if errors:
        raise ValidationError(errors)
    return tags


def _check_currency_kept(customer: Customer, before: int | None, errors: dict) -> None:
    """The trading currency is fixed once documents refer to the customer: its balances are
    sums of those documents' amounts, in that currency (docs/decisions/0008-sales-ledger.md).
    No currency means the base currency, so naming the base currency changes nothing."""
    if customer.pk is None or customer.currency_id == before:
        return
    base = None
    if before is None or customer.currency_id is None:
        base = (
            Currency.objects.filter(code=settings.KEHU_BASE_CURRENCY)
            .values_list("pk", flat=True)
            .first()
        )
    if (before or base) == (customer.currency_id or base):
        return
    documents = customer_transactions(customer)
    if documents:
        errors["currency"] = [
            ValidationError(
                _("The customer has %(usage)s: its trading currency can no longer change."),
                code="currency_in_use",
                params={"usage": describe_usage(documents)},
            )
        ]


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, data: dict, expected_version: int | None = None
) -> Customer:
    """Change the given fields of a customer (a partial update); the version goes up by one.

    With ``expected_version`` (the version the caller read), a customer changed meanwhile is
    refused with ``StaleVersionError`` and nothing is written: the check runs under the row
    lock, so of two updates based on the same read exactly one wins. Changed credit terms need
    the credit permission (``FieldPermissionError``); the actor must still see the customer
    afterwards. The code is fixed once documents refer to the customer. An automatically
    derived mnemonic follows a changed name; one the user typed stays.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_version(customer, expected_version)
    old_code = customer.code
    tags = customer_build_changes(actor=actor, customer=customer, data=data)
    if customer.code != old_code:
        documents = customer_transactions(customer)
        if documents:
            raise ConflictError(
                _("The customer has %(usage)s: its code can no longer change."),
                code="code_in_use",
                field="code",
                params={"usage": describe_usage(documents)},
            )
    customer.updated_by = actor if getattr(actor, "pk", None) else None
    customer.version += 1
    customer.save()
    if tags is not None:
        _set_tags(customer, tags)
    _check_scope_kept(actor, customer)
    return customer


@transaction.atomic
def customer_deactivate(
    *,
    actor,
    customer: Customer,
    on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Customer:
    """Deactivate: the customer stays findable and reportable, but takes no new documents."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_version(customer, expected_version)
    if customer.deactivated_on is not None:
        raise ConflictError(_("The customer is already deactivated."), code="already_deactivated")
    return customer_update(
        actor=actor,
        customer=customer,
        data={"deactivated_on": on or timezone.localdate()},
    )


@transaction.atomic
def customer_reactivate(
    *, actor, customer: Customer, expected_version: int | None = None
) -> Customer:
    """Reactivate; refused if another active customer has taken the name meanwhile."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_version(customer, expected_version)
    if customer.deactivated_on is None:
        raise ConflictError(_("The customer is active."), code="already_active")
    return customer_update(actor=actor, customer=customer, data={"deactivated_on": None})


@transaction.atomic
def customer_delete(*, actor, customer: Customer) -> None:
    """Delete a customer without documents and branches; otherwise deactivate it instead."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    documents = customer_transactions(customer)
    if documents:
        raise ConflictError(
            _("The customer has %(usage)s and cannot be deleted; deactivate it instead."),
            code="has_transactions",
            params={"usage": describe_usage(documents)},
        )
    branches = customer.branches.count()
    if branches:
        raise ConflictError(
            _(
                "The customer is the head office of other customers (%(count)d) and cannot be "
                "deleted."
            ),
            code="has_branches",
            params={"count": branches},
        )
    customer.delete()
