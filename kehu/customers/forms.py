"""The customer card's form: rendering and type parsing only.

Every business rule (required fields, the credit code's check character, leaf classes, unique
names...) is the service's; these fields only turn the posted text into values of the right type,
so that ``CustomerForm.service_data`` is the data vocabulary of ``kehu/customers/fields.py``.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass

from django import forms
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.customers import fields
from kehu.customers.choices import ArchiveGroup, CustomerKind, UserFieldType
from kehu.customers.mnemonic import mnemonic_for
from kehu.customers.models import Customer, UserField
from kehu.customers.services import CHILD_KINDS

# The four tabs of the card (SPEC §2) and the customer's own fields in each.
TABS = (
    ("basic", pgettext_lazy("customer card tab", "Basic")),
    ("contact", pgettext_lazy("customer card tab", "Contact")),
    ("credit", pgettext_lazy("customer card tab", "Credit")),
    ("other", pgettext_lazy("customer card tab", "Other")),
)
GROUP_FIELDS = {
    "basic": (
        "code",
        "name",
        "short_name",
        "mnemonic",
        "class_code",
        "region_code",
        "parent_code",
        "industry",
        "kind",
        "country",
        "credit_code",
        "legal_representative",
        "registered_capital",
        "registered_capital_currency",
        "founded_on",
        "employees",
        "annual_revenue",
        "currency",
        "is_supplier",
        "supplier_code",
    ),
    "contact": (
        "department",
        "salesperson",
        "address",
        "postal_code",
        "phone",
        "fax",
        "mobile",
        "email",
        "website",
        "shipping_method",
    ),
    "credit": fields.CREDIT_FIELDS,
    "other": ("developed_on", "remarks", "tags"),
}
# Shown read-only: the system maintains them (SPEC §2).
SYSTEM_GROUPS = {
    "credit": (
        "receivable_balance",
        "open_order_amount",
        "last_transaction_on",
        "last_transaction_amount",
        "last_receipt_on",
        "last_receipt_amount",
    ),
    "other": (
        "deactivated_on",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "use_count",
    ),
}
USER_FIELD_PREFIX = "uf_"
# Shown on the credit tab to whoever may not change it (field scope, SPEC §9).
CREDIT_READ_ONLY_NOTE = _(
    "Read-only for you: only credit controllers and administrators change the credit terms."
)
TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_label(name: str):
    """The label of an input name: the verbose name of the model field behind it."""
    model_field = fields.REFERENCE_FIELDS.get(name, (name,))[0]
    return capfirst(Customer._meta.get_field(model_field).verbose_name)


def code_choices(queryset, current: str | None = None) -> list[tuple[str, str]]:
    """("", "—") and (code, "code name") of ``queryset``; a current value stays choosable."""
    choices = [("", "—")] + [(code, f"{code} {name}") for code, name in queryset]
    if current and current not in {code for code, _label in choices}:
        choices.append((current, current))
    return choices


def reference_querysets() -> dict:
    """The rows each reference may newly point at: active rows, leaves of the trees."""
    querysets = {}
    for name, (_field, model) in fields.REFERENCE_FIELDS.items():
        if model == "customer":
            continue
        queryset = model.objects.order_by("code")
        if hasattr(model, "is_leaf"):
            queryset = queryset.filter(is_leaf=True)
        if hasattr(model, "is_active"):
            queryset = queryset.filter(is_active=True)
        querysets[name] = queryset
    return querysets


class CustomerForm(forms.Form):
    """The customer's own fields; user-defined fields are added per definition."""

    code = forms.CharField(required=False)
    name = forms.CharField(required=False)
    short_name = forms.CharField(required=False)
    mnemonic = forms.CharField(required=False)
    parent_code = forms.CharField(required=False)
    kind = forms.ChoiceField(choices=CustomerKind.choices)
    country = forms.CharField(required=False, initial="CN")
    credit_code = forms.CharField(required=False)
    legal_representative = forms.CharField(required=False)
    registered_capital = forms.DecimalField(required=False)
    founded_on = forms.DateField(required=False, widget=DATE)
    employees = forms.IntegerField(required=False)
    annual_revenue = forms.DecimalField(required=False)
    is_supplier = forms.BooleanField(required=False)
    supplier_code = forms.CharField(required=False)
    address = forms.CharField(required=False)
    postal_code = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    fax = forms.CharField(required=False)
    mobile = forms.CharField(required=False)
    email = forms.CharField(required=False)
    website = forms.CharField(required=False)
    credit_limit = forms.DecimalField(required=False)
    credit_days = forms.IntegerField(required=False)
    discount_rate = forms.DecimalField(required=False)
    price_level = forms.CharField(required=False)
    control_credit_limit = forms.BooleanField(required=False, initial=True)
    control_credit_days = forms.BooleanField(required=False)
    control_via_parent = forms.BooleanField(required=False)
    developed_on = forms.DateField(required=False, widget=DATE)
    remarks = forms.CharField(required=False, widget=TEXTAREA)
    tags = forms.CharField(required=False, help_text=_("Separate tags with commas."))
    # The version the card was opened at: a save based on an older one is refused (and shown).
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        customer: Customer | None = None,
        can_change_credit: bool = True,
        **kwargs,
    ):
        self.customer = customer
        if customer is not None:
            kwargs.setdefault("initial", customer_initial(customer))
        super().__init__(*args, **kwargs)
        self.can_change_credit = can_change_credit
        initial = kwargs.get("initial") or {}
        for name, queryset in reference_querysets().items():
            self.fields[name] = forms.ChoiceField(
                required=False,
                choices=code_choices(queryset.values_list("code", "name"), initial.get(name)),
            )
        self.user_field_definitions = list(UserField.objects.filter(is_active=True))
        for definition in self.user_field_definitions:
            self.fields[USER_FIELD_PREFIX + definition.key] = user_form_field(definition)
        for name, field in self.fields.items():
            if not name.startswith(USER_FIELD_PREFIX):
                field.label = model_label(name) if name != "tags" else capfirst(_("tags"))
        if customer is not None:
            self.fields["version"].initial = customer.version
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _(
                "The card was sent without the version it was opened at: reload it."
            )
        if not can_change_credit:
            # Disabled fields show their stored value and ignore whatever is posted for them;
            # the service refuses such changes anyway (the API, the importer).
            for name in fields.CREDIT_FIELDS:
                self.fields[name].disabled = True
        self.fields["mnemonic"].widget.attrs["data-auto"] = (
            "1"
            if customer is None
            or customer.mnemonic == mnemonic_for(customer.short_name or customer.name)
            else "0"
        )

    def groups(self) -> dict[str, list]:
        """The bound fields of each tab, user-defined fields at the end of their group."""
        groups = {key: [self[name] for name in names] for key, names in GROUP_FIELDS.items()}
        for definition in self.user_field_definitions:
            group = definition.group if definition.group in groups else ArchiveGroup.OTHER
            groups[group].append(self[USER_FIELD_PREFIX + definition.key])
        return groups

    def service_data(self) -> dict:
        """The cleaned values in the service vocabulary; on an edit only what changed."""
        changed = set(self.changed_data) if self.customer is not None else None
        data, user_fields = {}, {}
        for name, value in self.cleaned_data.items():
            if changed is not None and name not in changed:
                continue
            if name == "version" or self.fields[name].disabled:
                continue
            if name.startswith(USER_FIELD_PREFIX):
                user_fields[name.removeprefix(USER_FIELD_PREFIX)] = value
            elif name == "tags":
                data["tags"] = [tag.strip() for tag in value.split(",") if tag.strip()]
            else:
                data[name] = value
        if user_fields or (self.customer is None and self.user_field_definitions):
            data["user_fields"] = user_fields
        return data

    def field_name_of(self, key: str) -> str | None:
        """The form field showing a service error key (``user_fields.k`` → ``uf_k``)."""
        if key.startswith("user_fields."):
            key = USER_FIELD_PREFIX + key.removeprefix("user_fields.")
        return key if key in self.fields else None


def user_form_field(definition: UserField) -> forms.Field:
    """A field for a user-defined field's value; its type is checked by the service."""
    zh = (translation.get_language() or "").startswith("zh")
    label = definition.label_zh if zh else definition.label_en
    if definition.field_type == UserFieldType.BOOLEAN:
        return forms.BooleanField(required=False, label=label)
    if definition.field_type == UserFieldType.CHOICE:
        choices = [("", "—")] + [(c, c) for c in definition.choices]
        return forms.ChoiceField(required=False, label=label, choices=choices)
    if definition.field_type == UserFieldType.DATE:
        return forms.CharField(
            required=False, label=label, widget=forms.DateInput({"type": "date"})
        )
    return forms.CharField(required=False, label=label)


def customer_initial(customer: Customer) -> dict:
    """The form's starting values: plain fields by name, references as codes."""
    initial = {name: getattr(customer, name) for name in fields.PLAIN_FIELDS}
    for name, (model_field, _model) in fields.REFERENCE_FIELDS.items():
        related = getattr(customer, model_field)
        initial[name] = related.code if related is not None else ""
    initial["tags"] = ", ".join(tag.name for tag in customer.tags.all())
    for key, value in (customer.user_fields or {}).items():
        initial[USER_FIELD_PREFIX + key] = value
    return initial


# Inline tables of the card: the kind (the service's list name), its tab, its columns as
# (input name, model field, input type). Every value goes to the service as typed; the service
# parses dates and numbers and reports what does not parse.
CHILD_TABLES = (
    ("bank_accounts", "basic"),
    ("contacts", "contact"),
    ("addresses", "contact"),
    ("documents", "other"),
)
CHILD_COLUMNS = {
    "contacts": (
        ("name", "text"),
        ("title", "text"),
        ("department", "text"),
        ("phone", "text"),
        ("mobile", "text"),
        ("email", "text"),
        ("birthday", "date"),
        ("is_primary", "checkbox"),
        ("notes", "text"),
    ),
    "addresses": (
        ("recipient", "text"),
        ("phone", "text"),
        ("region_code", "select"),
        ("address", "text"),
        ("postal_code", "text"),
        ("is_default", "checkbox"),
    ),
    "bank_accounts": (
        ("bank_name", "text"),
        ("account_name", "text"),
        ("account_number", "text"),
        ("is_default", "checkbox"),
    ),
    "documents": (
        ("kind", "select"),
        ("number", "text"),
        ("issuer", "text"),
        ("valid_from", "date"),
        ("valid_to", "date"),
        ("warn_days", "number"),
        ("notes", "text"),
    ),
}
# What a new row starts with.
CHILD_DEFAULTS = {"documents": {"warn_days": "30"}}


@dataclass
class ChildCell:
    name: str
    input_name: str
    kind: str
    value: object
    errors: list = dataclasses.field(default_factory=list)
    choices: list = dataclasses.field(default_factory=list)


@dataclass
class ChildRow:
    """One row of an inline table as posted or loaded: its id (None if new) and cells."""

    kind: str
    index: str
    pk: int | None
    delete: bool
    values: dict
    errors: dict = dataclasses.field(default_factory=dict)

    def cells(self, kind: str, choices: dict) -> list[ChildCell]:
        """The row's inputs; ``choices`` gives the options of its select columns."""
        return [
            ChildCell(
                name,
                f"{kind}-{self.index}-{name}",
                input_type,
                self.values.get(name, ""),
                self.errors.get(name, []),
                choices.get(name, []),
            )
            for name, input_type in CHILD_COLUMNS[kind]
        ]

    @property
    def other_errors(self) -> list:
        """Errors about the row as a whole or about no column of the table."""
        columns = {name for name, _type in CHILD_COLUMNS[self.kind]}
        return [text for key, texts in self.errors.items() if key not in columns for text in texts]

    @property
    def is_blank(self) -> bool:
        return self.pk is None and not any(v not in ("", False, None) for v in self.values.values())

    def service_data(self, kind: str) -> dict:
        """The row's values for the service: empty inputs as None (the service empties them)."""
        data = {}
        for name, input_type in CHILD_COLUMNS[kind]:
            value = self.values.get(name, "")
            if input_type == "checkbox":
                data[name] = bool(value)
            else:
                data[name] = value if value != "" else None
        return data


def child_model_label(kind: str, name: str):
    model = CHILD_KINDS[kind][0]
    return capfirst(model._meta.get_field("region" if name == "region_code" else name).verbose_name)


def child_rows_from_instances(kind: str, instances) -> list[ChildRow]:
    rows = []
    for number, instance in enumerate(instances):
        values = {}
        for name, _input_type in CHILD_COLUMNS[kind]:
            if name == "region_code":
                values[name] = instance.region.code if instance.region_id else ""
            else:
                value = getattr(instance, name)
                if isinstance(value, datetime.date):
                    value = value.isoformat()
                values[name] = "" if value is None else value
        rows.append(ChildRow(kind, str(number), instance.pk, False, values))
    return rows


def child_rows_from_post(kind: str, post) -> list[ChildRow]:
    """The rows of one table in the order posted; blank new rows are dropped."""
    pattern = re.compile(rf"\A{kind}-(\d+)-")
    indexes = sorted({int(m.group(1)) for key in post if (m := pattern.match(key))})
    rows = []
    for index in indexes:
        prefix = f"{kind}-{index}-"
        pk = post.get(prefix + "id", "")
        values = {}
        for name, input_type in CHILD_COLUMNS[kind]:
            raw = post.get(prefix + name, "")
            values[name] = bool(raw) if input_type == "checkbox" else raw.strip()
        row = ChildRow(
            kind,
            str(index),
            int(pk) if pk.isdigit() else None,
            bool(post.get(prefix + "DELETE")),
            values,
        )
        if not row.is_blank:
            rows.append(row)
    return rows
