"""The preview of a merge: both values of every field, default choices, what moves, and the
conflicts with the rules that resolve them. Reads only."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core.usage import reverse_foreign_keys
from kehu.customers import fields
from kehu.customers.models import BankAccount, Customer, UserField
from kehu.customers.selectors import CUSTOMER_RELATED, customers_visible_to
from kehu.customers.services.children import CHILD_KINDS, CHILD_MODELS
from kehu.customers.services.customers import MAX_HEAD_OFFICE_DEPTH, may_change_credit

SURVIVOR, OTHER = "survivor", "other"
SIDES = (SURVIVOR, OTHER)
USER_FIELD_PREFIX = "user_fields."
# Choice key -> the child list whose one-per-customer flag it decides.
FLAG_CHOICES = {
    "contacts.primary": "contacts",
    "addresses.default": "addresses",
    "bank_accounts.default": "bank_accounts",
}
BRANCHES = "branches"
# Maintained from the documents: combined when the documents move.
SYSTEM_VALUES = (
    "receivable_balance",
    "open_order_amount",
    "last_transaction_on",
    "last_transaction_amount",
    "last_receipt_on",
    "last_receipt_amount",
    "use_count",
)
EMPTY = "—"


@dataclass(frozen=True)
class FieldChoice:
    """One field of the merged customer: both values and which one is kept by default."""

    key: str  # input name (``credit_limit``), ``user_fields.<key>`` or a flag choice
    label: str
    group: str  # the card's tab of a user-defined field; "" for built-in fields
    survivor: Any  # the value as the API takes it (references as codes)
    other: Any
    survivor_text: str
    other_text: str
    default: str  # SURVIVOR or OTHER
    needs_credit_permission: bool = False

    @property
    def differs(self) -> bool:
        return self.survivor != self.other


@dataclass(frozen=True)
class Move:
    """How many records of one kind move from the other customer to the survivor."""

    key: str  # contacts, addresses, bank_accounts, documents, branches or app_label.model
    label: str
    count: int


@dataclass(frozen=True)
class Conflict:
    """Something the merge resolves by a rule (explained), or cannot do (``blocking``)."""

    code: str
    message: str
    blocking: bool = False


@dataclass
class MergePreview:
    """What ``customer_merge`` would do with the default choices; nothing is written."""

    survivor: Customer
    other: Customer
    fields: list[FieldChoice]
    moves: list[Move]
    conflicts: list[Conflict]
    tags: list[str] = field(default_factory=list)  # the survivor's tags afterwards

    @property
    def differing(self) -> list[FieldChoice]:
        return [choice for choice in self.fields if choice.differs]

    def defaults(self) -> dict[str, str]:
        return {choice.key: choice.default for choice in self.fields}


# Fields and their values -------------------------------------------------------------------


def merge_field_names() -> list[str]:
    """The customer's own input fields, in the card's order; the code is the survivor's."""
    names = []
    for model_field in Customer._meta.concrete_fields:
        name = fields.MODEL_TO_INPUT.get(model_field.name, model_field.name)
        if name != "code" and (name in fields.PLAIN_FIELDS or name in fields.REFERENCE_FIELDS):
            names.append(name)
    return names


def _user_fields() -> list[UserField]:
    return list(UserField.objects.filter(is_active=True))


def merge_choice_keys() -> set[str]:
    """Every key a caller may choose a side for."""
    keys = set(merge_field_names()) | set(FLAG_CHOICES)
    keys.update(f"{USER_FIELD_PREFIX}{definition.key}" for definition in _user_fields())
    return keys


def _empty(value) -> bool:
    return value is None or value == ""


def _text(value, model_field=None) -> str:
    if _empty(value):
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _field_value(customer: Customer, name: str) -> tuple[Any, str]:
    """``(value, text)``: references as the code (the API's vocabulary) and the row's name."""
    if name in fields.REFERENCE_FIELDS:
        model_field = fields.REFERENCE_FIELDS[name][0]
        if getattr(customer, f"{model_field}_id") is None:
            return None, EMPTY
        related = getattr(customer, model_field)
        return related.code, str(related)
    model_field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if value == "" and model_field.null:
        value = None
    return value, _text(value, model_field)


def _label(name: str) -> str:
    model_field = Customer._meta.get_field(fields.REFERENCE_FIELDS.get(name, (name,))[0])
    return str(model_field.verbose_name)


def _default(name: str, mine, theirs, survivor: Customer, other: Customer) -> str:
    """The survivor's value unless it is empty; never a head office that would loop."""
    if name == "parent_code":
        if survivor.parent_id == other.pk:
            return OTHER
        if other.parent_id == survivor.pk:
            return SURVIVOR
    return OTHER if _empty(mine) and not _empty(theirs) else SURVIVOR


def _archive_choices(
    survivor: Customer, other: Customer, can_change_credit: bool
) -> list[FieldChoice]:
    choices = []
    for name in merge_field_names():
        mine, mine_text = _field_value(survivor, name)
        theirs, theirs_text = _field_value(other, name)
        choices.append(
            FieldChoice(
                key=name,
                label=_label(name),
                group="",
                survivor=mine,
                other=theirs,
                survivor_text=mine_text,
                other_text=theirs_text,
                # Field scope: whoever may not change credit terms keeps the survivor's.
                default=(
                    SURVIVOR
                    if name in fields.CREDIT_FIELDS and not can_change_credit
                    else _default(name, mine, theirs, survivor, other)
                ),
                needs_credit_permission=name in fields.CREDIT_FIELDS,
            )
        )
    zh = translation.get_language() and translation.get_language().startswith("zh")
    for definition in _user_fields():
        mine = (survivor.user_fields or {}).get(definition.key)
        theirs = (other.user_fields or {}).get(definition.key)
        choices.append(
            FieldChoice(
                key=f"{USER_FIELD_PREFIX}{definition.key}",
                label=definition.label_zh if zh else definition.label_en,
                group=definition.group,
                survivor=mine,
                other=theirs,
                survivor_text=_text(mine),
                other_text=_text(theirs),
                default=OTHER if _empty(mine) and not _empty(theirs) else SURVIVOR,
            )
        )
    return choices


# Children, branches and documents ----------------------------------------------------------


def _flag_name(kind: str) -> str:
    return CHILD_KINDS[kind][2]


def flag_key(kind: str) -> str:
    return next(key for key, value in FLAG_CHOICES.items() if value == kind)


def flagged(kind: str, customer: Customer):
    model = CHILD_KINDS[kind][0]
    return model.objects.filter(customer=customer, **{_flag_name(kind): True}).first()


def shared_account_numbers(survivor: Customer, other: Customer) -> set[str]:
    mine = BankAccount.objects.filter(customer=survivor).values("account_number")
    return set(
        BankAccount.objects.filter(customer=other, account_number__in=mine).values_list(
            "account_number", flat=True
        )
    )


_FLAG_CONFLICTS = {
    "contacts": lambda: _(
        "Both customers have a primary contact (%(survivor)s; %(other)s): the survivor's stays "
        "primary unless you choose the other's; the other one becomes an ordinary contact."
    ),
    "addresses": lambda: _(
        "Both customers have a default delivery address (%(survivor)s; %(other)s): the "
        "survivor's stays the default unless you choose the other's."
    ),
    "bank_accounts": lambda: _(
        "Both customers have a default bank account (%(survivor)s; %(other)s): the survivor's "
        "stays the default unless you choose the other's."
    ),
}


def _flag_choices(survivor: Customer, other: Customer) -> tuple[list, list]:
    """A choice (and its explanation) for each flag both customers carry."""
    choices, conflicts = [], []
    for kind in FLAG_CHOICES.values():
        mine, theirs = flagged(kind, survivor), flagged(kind, other)
        if mine is None or theirs is None:
            continue
        key = flag_key(kind)
        model = CHILD_KINDS[kind][0]
        choices.append(
            FieldChoice(
                key=key,
                label=str(model._meta.get_field(_flag_name(kind)).verbose_name),
                group="",
                survivor=mine.pk,
                other=theirs.pk,
                survivor_text=str(mine),
                other_text=str(theirs),
                default=SURVIVOR,
            )
        )
        message = _FLAG_CONFLICTS[kind]() % {"survivor": mine, "other": theirs}
        conflicts.append(Conflict(f"two_{key.replace('.', '_')}", message))
    return choices, conflicts


def document_relations() -> list:
    """Foreign keys of other apps' records to customers: they move with the merge.

    The customer's own children (moved with their flags) and branches are handled apart.
    """
    return [
        rel
        for rel in reverse_foreign_keys(Customer)
        if rel.related_model is not Customer and rel.related_model not in CHILD_MODELS
    ]


def document_models() -> dict:
    """The models of ``document_relations``, each with its foreign keys to customers: a
    record may name a customer twice (a credit event's customer and credit unit) and is one
    record that moves, listed once."""
    models = {}
    for rel in document_relations():
        models.setdefault(rel.related_model, []).append(rel)
    return models


def referring_to(relations: list, customer: Customer) -> Q:
    """The records that name ``customer`` by any of ``relations``."""
    condition = Q()
    for rel in relations:
        condition |= Q(**{rel.field.name: customer})
    return condition


def plural(model) -> str:
    return str(model._meta.verbose_name_plural)


def _moves(survivor: Customer, other: Customer) -> tuple[list[Move], list[Conflict]]:
    moves, conflicts = [], []
    shared = shared_account_numbers(survivor, other)
    for kind, (model, _accepted, _flag) in CHILD_KINDS.items():
        rows = model.objects.filter(customer=other)
        if kind == "bank_accounts" and shared:
            rows = rows.exclude(account_number__in=shared)
        moves.append(Move(kind, plural(model), rows.count()))
    for number in sorted(shared):
        conflicts.append(
            Conflict(
                "shared_bank_account",
                _(
                    "Bank account %(number)s belongs to both customers: the survivor's row is "
                    "kept, the other's is removed."
                )
                % {"number": number},
            )
        )
    branches = Customer.objects.filter(parent=other).exclude(pk=survivor.pk).count()
    moves.append(Move(BRANCHES, _("branches (customers whose head office it is)"), branches))
    for model, relations in document_models().items():
        count = model._base_manager.filter(referring_to(relations, other)).count()
        moves.append(Move(model._meta.label_lower, plural(model), count))
        for rel in relations:
            name = rel.field.name
            if (
                rel.one_to_one
                and model._base_manager.filter(**{name: other}).exists()
                and model._base_manager.filter(**{name: survivor}).exists()
            ):
                conflicts.append(
                    Conflict(
                        "one_to_one",
                        _("Both customers have a %(record)s; a customer can have only one.")
                        % {"record": model._meta.verbose_name},
                        blocking=True,
                    )
                )
    return moves, conflicts


# Head office -------------------------------------------------------------------------------


def head_office_conflict(survivor: Customer, other: Customer, side: str) -> Conflict | None:
    """The survivor's head office after the merge must not be itself, nor lead back to it."""
    parent_id = survivor.parent_id if side == SURVIVOR else other.parent_id
    merged = {survivor.pk, other.pk}
    if parent_id in merged:
        return Conflict(
            "own_head_office",
            _(
                "The merge would make %(code)s its own head office: one customer is the other's "
                "head office. Keep the head office of %(other)s instead."
            )
            % {
                "code": survivor.code,
                "other": other.code if side == SURVIVOR else survivor.code,
            },
            blocking=True,
        )
    depth = 0
    while parent_id is not None and depth <= MAX_HEAD_OFFICE_DEPTH:
        parent_id = Customer.objects.filter(pk=parent_id).values_list("parent_id", flat=True)[0]
        if parent_id in merged:
            return Conflict(
                "head_office_cycle",
                _(
                    "The merge would make a cycle of head offices: the head office chosen for "
                    "%(code)s belongs to the group of the two customers."
                )
                % {"code": survivor.code},
                blocking=True,
            )
        depth += 1
    return None


def _head_office_notes(survivor: Customer, other: Customer) -> list[Conflict]:
    if survivor.parent_id == other.pk:
        text = _(
            "%(survivor)s is a branch of %(other)s: it takes the head office of %(other)s; "
            "keeping its own would make it its own head office."
        )
    elif other.parent_id == survivor.pk:
        text = _(
            "%(other)s is a branch of %(survivor)s: the survivor keeps its own head office; "
            "taking the other's would make it its own head office."
        )
    else:
        return []
    return [Conflict("head_office_pair", text % {"survivor": survivor.code, "other": other.code})]


# Reading both customers --------------------------------------------------------------------


def visible_pair(actor, survivor_id: int, other_id: int) -> tuple[Customer, Customer]:
    """Both customers as the actor may see them; one out of scope answers like a missing one."""
    if survivor_id == other_id:
        raise ValidationError(
            {"other": ValidationError(_("Choose two different customers."), code="same")}
        )
    queryset = Customer.objects.all() if actor is None else customers_visible_to(actor)
    found = queryset.select_related(*CUSTOMER_RELATED).in_bulk([survivor_id, other_id])
    for pk in (survivor_id, other_id):
        if pk not in found:
            raise Customer.DoesNotExist(_("Customer %(key)s does not exist.") % {"key": pk})
    return found[survivor_id], found[other_id]


def merge_plan(actor, survivor: Customer, other: Customer) -> MergePreview:
    flag_choices, flag_conflicts = _flag_choices(survivor, other)
    moves, move_conflicts = _moves(survivor, other)
    conflicts = _head_office_notes(survivor, other) + flag_conflicts + move_conflicts
    preview = MergePreview(
        survivor=survivor,
        other=other,
        fields=_archive_choices(survivor, other, may_change_credit(actor)) + flag_choices,
        moves=moves,
        conflicts=conflicts,
    )
    head_office = head_office_conflict(survivor, other, preview.defaults()["parent_code"])
    if head_office is not None:
        preview.conflicts.append(head_office)
    tags = list(survivor.tags.values_list("name", flat=True))
    tags += [name for name in other.tags.values_list("name", flat=True) if name not in tags]
    preview.tags = sorted(tags)
    return preview


def customer_merge_preview(*, actor, survivor: Customer, other: Customer) -> MergePreview:
    """What merging ``other`` into ``survivor`` would do: per field both values and the
    default choice, the records that would move, the conflicts and how they are resolved.

    Reads only. Both customers must be visible to ``actor`` (else ``Customer.DoesNotExist``).
    """
    survivor, other = visible_pair(actor, survivor.pk, other.pk)
    return merge_plan(actor, survivor, other)
