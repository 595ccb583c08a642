"""The merge itself: one transaction under row locks (see the package's docstring)."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.audit.context import audit_context
from kehu.audit.models import AuditAction
from kehu.audit.services import event_record, events_record_many
from kehu.core.errors import ConflictError, FieldPermissionError, StaleVersionError
from kehu.customers.models import Customer
from kehu.customers.services import customer_delete, customer_update
from kehu.customers.services.children import CHILD_KINDS
from kehu.customers.services.customers import may_change_credit
from kehu.quality.merge.preview import (
    BRANCHES,
    FLAG_CHOICES,
    OTHER,
    SIDES,
    SYSTEM_VALUES,
    USER_FIELD_PREFIX,
    MergePreview,
    document_models,
    flag_key,
    flagged,
    head_office_conflict,
    merge_choice_keys,
    merge_plan,
    plural,
    referring_to,
    shared_account_numbers,
    visible_pair,
)

MERGE_PERMISSIONS = (
    "customers.view_customer",
    "customers.change_customer",
    "customers.delete_customer",
)


# The merge ---------------------------------------------------------------------------------


def _check_permissions(actor) -> None:
    if actor is None:
        return
    if not all(actor.has_perm(perm) for perm in MERGE_PERMISSIONS):
        raise PermissionDenied(
            _("Merging customers needs the permissions to change and to delete customers.")
        )


def _clean_choices(choices) -> dict[str, str]:
    """The choices as ``{key: side}``; unknown keys and sides are field errors."""
    if choices is None:
        return {}
    if not isinstance(choices, dict):
        raise ValidationError({"choices": _("Give an object of field names and sides.")})
    known = merge_choice_keys()
    errors = {}
    for key, side in choices.items():
        if key not in known:
            errors[f"choices.{key}"] = [ValidationError(_("Unknown field."), code="unknown")]
        elif side not in SIDES:
            errors[f"choices.{key}"] = [
                ValidationError(_('Choose "survivor" or "other".'), code="invalid_choice")
            ]
    if errors:
        raise ValidationError(errors)
    return dict(choices)


def _lock(*pks: int) -> None:
    """Lock the customers' rows in primary-key order (so two merges cannot deadlock)."""
    list(Customer.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))


def _check_versions(expected: dict | None, *customers: Customer) -> None:
    for customer in customers:
        version = (expected or {}).get(customer.pk)
        if version is not None and version != customer.version:
            raise StaleVersionError(
                _(
                    "Customer %(code)s was changed by someone else since you read it (it is now "
                    "at version %(version)s): review the merge again."
                ),
                current_version=customer.version,
                params={"code": customer.code},
            )


def _check_field_scope(actor, preview: MergePreview, sides: dict) -> None:
    """Credit terms taken from the other customer need the credit permission (SPEC §9)."""
    if may_change_credit(actor):
        return
    refused = [
        choice.key
        for choice in preview.fields
        if choice.needs_credit_permission and choice.differs and sides[choice.key] == OTHER
    ]
    if refused:
        raise FieldPermissionError(
            {
                key: [_("Only credit controllers and administrators may change this field.")]
                for key in refused
            }
        )


def _update_data(preview: MergePreview, sides: dict) -> dict:
    """The survivor's changes in the archive's vocabulary: the other's values chosen."""
    data: dict = {}
    for choice in preview.fields:
        if choice.key in FLAG_CHOICES or sides[choice.key] != OTHER or not choice.differs:
            continue
        if choice.key.startswith(USER_FIELD_PREFIX):
            key = choice.key.removeprefix(USER_FIELD_PREFIX)
            data.setdefault("user_fields", {})[key] = choice.other
        else:
            data[choice.key] = choice.other
    current = sorted(preview.survivor.tags.values_list("name", flat=True))
    if preview.tags != current:
        data["tags"] = preview.tags
    return data


def _set_flag(row, flag: str, value: bool) -> None:
    setattr(row, flag, value)
    row.save(update_fields=[flag, "updated_at"])


def _move_children(survivor: Customer, other: Customer, sides: dict) -> dict[str, int]:
    """Move contacts, addresses, bank accounts and documents, one flag holder per customer."""
    moved = {}
    shared = shared_account_numbers(survivor, other)
    for kind, (model, _accepted, flag) in CHILD_KINDS.items():
        rows = list(model.objects.filter(customer=other).order_by("pk"))
        keep_other_flag = False
        if flag:
            mine, theirs = flagged(kind, survivor), flagged(kind, other)
            if theirs is not None and kind == "bank_accounts" and theirs.account_number in shared:
                # The other's default account is also the survivor's: the survivor's row of it
                # takes the flag when the survivor has none or the other's is chosen.
                if mine is None or sides.get(flag_key(kind)) == OTHER:
                    twin = model.objects.get(
                        customer=survivor, account_number=theirs.account_number
                    )
                    if mine is not None and mine.pk != twin.pk:
                        _set_flag(mine, flag, False)
                    if twin.pk != getattr(mine, "pk", None):
                        _set_flag(twin, flag, True)
            elif theirs is not None:
                keep_other_flag = mine is None or sides.get(flag_key(kind)) == OTHER
                if keep_other_flag and mine is not None:
                    _set_flag(mine, flag, False)
        count = 0
        for row in rows:
            if kind == "bank_accounts" and row.account_number in shared:
                continue  # deleted with the other customer
            row.customer = survivor
            update = ["customer", "updated_at"]
            if flag and getattr(row, flag) and not keep_other_flag:
                setattr(row, flag, False)
                update.append(flag)
            row.save(update_fields=update)
            count += 1
        moved[kind] = count
    return moved


def _move_branches(survivor: Customer, other: Customer) -> int:
    """Customers whose head office is the other now belong to the survivor (a new version)."""
    branches = Customer.objects.filter(parent=other).exclude(pk=survivor.pk)
    pks = list(branches.values_list("pk", flat=True))
    _lock(*pks)
    for branch in Customer.objects.filter(pk__in=pks).order_by("pk"):
        branch.parent = survivor
        branch.version += 1
        branch.save(update_fields=["parent", "version", "updated_at"])
    return len(pks)


def _move_documents(survivor: Customer, other: Customer) -> dict[str, int]:
    """Records of other apps that refer to the other customer now refer to the survivor.

    One UPDATE per relation (a customer may have thousands of documents), recorded as one
    audit event per record, since a bulk statement sends no signals.
    """
    moved = {}
    old, new = str(other), str(survivor)
    for model, relations in document_models().items():
        # counted once per record, however many of its keys name the other customer
        count = model._base_manager.filter(referring_to(relations, other)).count()
        if not count:
            continue
        for rel in relations:
            name = rel.field.name
            rows = model._base_manager.filter(**{name: other})
            if not rows.exists():
                continue
            events_record_many(
                action=AuditAction.UPDATE,
                items=(
                    (row, {name: [old, new]}, survivor.pk)
                    for row in rows.order_by("pk").iterator(chunk_size=2000)
                ),
            )
            try:
                with transaction.atomic():
                    rows.update(**{name: survivor})
            except IntegrityError as exc:
                raise ConflictError(
                    _("The %(records)s of the two customers cannot be combined."),
                    code="merge_conflict",
                    params={"records": plural(model)},
                ) from exc
        moved[model._meta.label_lower] = count
    return moved


def _combine_system_values(survivor: Customer, other: Customer) -> None:
    """Balances add up and the later last transaction and receipt win, as the moved
    documents would compute them; the frequency of use adds up."""
    survivor.receivable_balance = (survivor.receivable_balance or Decimal(0)) + (
        other.receivable_balance or Decimal(0)
    )
    survivor.open_order_amount = (survivor.open_order_amount or Decimal(0)) + (
        other.open_order_amount or Decimal(0)
    )
    for day, amount in (
        ("last_transaction_on", "last_transaction_amount"),
        ("last_receipt_on", "last_receipt_amount"),
    ):
        mine, theirs = getattr(survivor, day), getattr(other, day)
        if theirs is not None and (mine is None or theirs > mine):
            setattr(survivor, day, theirs)
            setattr(survivor, amount, getattr(other, amount))
    survivor.use_count += other.use_count
    survivor.save(update_fields=[*SYSTEM_VALUES, "updated_at"])


def _moved_label(key: str) -> str:
    if key in CHILD_KINDS:
        return plural(CHILD_KINDS[key][0])
    if key == BRANCHES:
        return _("branches (customers whose head office it is)")
    return plural(Customer._meta.apps.get_model(key))


def _record_merge(survivor: Customer, other_id: int, other_text: str, moved: dict) -> None:
    """The survivor's ``merge`` event: which customer went into it (its id finds its history)
    and how many records moved."""
    with translation.override(settings.LANGUAGE_CODE):  # the trail reads the same for all
        counts = {_moved_label(key): count for key, count in moved.items() if count}
        event_record(
            action=AuditAction.MERGE,
            instance=survivor,
            customer_id=survivor.pk,
            changes={
                "merged_customer": [None, other_text],
                "merged_customer_id": [None, other_id],
                "moved": [None, counts],
            },
        )


def customer_merge(
    *,
    actor,
    survivor: Customer,
    other: Customer,
    choices: dict[str, str] | None = None,
    expected_versions: dict[int, int] | None = None,
) -> Customer:
    """Merge ``other`` into ``survivor`` and delete ``other``; return the survivor.

    ``choices`` maps a field (an input name such as ``phone``, ``user_fields.<key>``, or a flag:
    ``contacts.primary``, ``addresses.default``, ``bank_accounts.default``) to ``"survivor"``
    or ``"other"``; a field not named takes the preview's default. Tags are the union. The
    survivor keeps its code. ``expected_versions`` maps customer ids to the versions the caller
    read: a customer changed since is refused with ``StaleVersionError``.

    Refused, writing nothing: a customer the actor may not see (``Customer.DoesNotExist``), an
    actor without the change and delete permissions (``PermissionDenied``), credit terms taken
    from the other without the credit permission (``FieldPermissionError``), a merge that would
    make the survivor its own head office or loop the head-office chain (``ConflictError``),
    and any value the archive refuses (``ValidationError``, keyed like ``customer_update``).
    """
    _check_permissions(actor)
    wanted = _clean_choices(choices)
    operation = f"merge-{uuid.uuid4().hex}"
    named = actor if getattr(actor, "pk", None) else None
    with transaction.atomic(), audit_context(actor=named, operation_id=operation):
        _lock(survivor.pk, other.pk)
        survivor, other = visible_pair(actor, survivor.pk, other.pk)
        _check_versions(expected_versions, survivor, other)
        preview = merge_plan(actor, survivor, other)
        sides = {**preview.defaults(), **wanted}
        blocking = [c for c in preview.conflicts if c.blocking and c.code == "one_to_one"]
        head_office = head_office_conflict(survivor, other, sides["parent_code"])
        if head_office is not None:
            blocking.append(head_office)
        if blocking:
            raise ConflictError(
                blocking[0].message,
                code=blocking[0].code,
                field="parent_code" if blocking[0] is head_office else None,
            )
        _check_field_scope(actor, preview, sides)
        data = _update_data(preview, sides)
        if survivor.parent_id == other.pk:
            # Detached now so that the other can go; the chosen head office is the other's.
            survivor.parent_id = other.parent_id
            survivor.save(update_fields=["parent", "updated_at"])
            data.pop("parent_code", None)
        moved = _move_children(survivor, other, sides)
        moved[BRANCHES] = _move_branches(survivor, other)
        moved.update(_move_documents(survivor, other))
        _combine_system_values(survivor, other)
        other_id, other_text = other.pk, str(other)
        # Deleted before the survivor takes its values: the name and the like are then free.
        customer_delete(actor=actor, customer=other)
        survivor = customer_update(actor=actor, customer=survivor, data=data)
        _record_merge(survivor, other_id, other_text, moved)
    return survivor
