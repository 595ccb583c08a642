"""API schemas of the customer archive (SPEC §2), in the vocabulary of ``fields.py``.

References are codes (``class_code``, ``industry``...); the input and output use the same
names as the importer's columns (SPEC §8).
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import models
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from kehu.core.api.schemas import (
    Bool,
    Date,
    InputSchema,
    Money,
    Percent,
    SmallUInt,
    UInt,
    limited,
    model_text,
    partial_schema,
)
from kehu.customers import fields
from kehu.customers.choices import (
    ArchiveGroup,
    CustomerKind,
    DocumentKind,
    ExpiryStatus,
    UserFieldType,
)
from kehu.customers.models import (
    BankAccount,
    Contact,
    Customer,
    DeliveryAddress,
    QualificationDocument,
    UserField,
)
from kehu.customers.services.customers import MAX_TAGS, TAG_MAX
from kehu.customers.services.user_fields import TEXT_MAX
from kehu.masterdata.models import (
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
    ShippingMethod,
)

MAX_CHILDREN = 100
MAX_USER_FIELDS = 200


def _choices(choices: type[models.TextChoices]):
    return Literal[tuple(choices.values)]


def _longest(model) -> int:
    return max(model._meta.get_field(name).max_length for name in ("code", "name"))


def reference(model) -> Any:
    """An optional reference by code or, when unambiguous, by name: as long as either."""
    return limited(_longest(Customer if model == "customer" else model)) | None


def _many(item, max_length: int):
    return Annotated[list[item], Field(max_length=max_length)] | None


# Children --------------------------------------------------------------------------------


class ContactIn(InputSchema):
    """A contact person (联系人)."""

    name: model_text(Contact, "name")
    title: model_text(Contact, "title") | None = None
    department: model_text(Contact, "department") | None = None
    phone: model_text(Contact, "phone") | None = None
    mobile: model_text(Contact, "mobile") | None = None
    email: model_text(Contact, "email") | None = None
    birthday: Date | None = None
    is_primary: Bool | None = None
    notes: model_text(Contact, "notes") | None = None


class AddressIn(InputSchema):
    """A delivery address (收货地址)."""

    recipient: model_text(DeliveryAddress, "recipient") | None = None
    phone: model_text(DeliveryAddress, "phone") | None = None
    region_code: reference(Region) = Field(None, description="A leaf region.")
    address: model_text(DeliveryAddress, "address")
    postal_code: model_text(DeliveryAddress, "postal_code") | None = None
    is_default: Bool | None = None


class BankAccountIn(InputSchema):
    """A bank account (开户银行, 账号)."""

    bank_name: model_text(BankAccount, "bank_name")
    account_name: model_text(BankAccount, "account_name") | None = None
    account_number: model_text(BankAccount, "account_number")
    is_default: Bool | None = None


class DocumentIn(InputSchema):
    """A qualification document (资质证照) with its validity."""

    kind: _choices(DocumentKind)
    number: model_text(QualificationDocument, "number") | None = None
    issuer: model_text(QualificationDocument, "issuer") | None = None
    valid_from: Date | None = None
    valid_to: Date | None = None
    warn_days: SmallUInt | None = None
    notes: model_text(QualificationDocument, "notes") | None = None


CHILD_INPUTS = {
    "contacts": ContactIn,
    "addresses": AddressIn,
    "bank_accounts": BankAccountIn,
    "documents": DocumentIn,
}
CHILD_PATCHES = {
    kind: partial_schema(schema, schema.__name__.removesuffix("In") + "Patch")
    for kind, schema in CHILD_INPUTS.items()
}


class ChildOut(Schema):
    id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactOut(ChildOut):
    name: str
    title: str
    department: str
    phone: str
    mobile: str
    email: str
    birthday: datetime.date | None
    is_primary: bool
    notes: str


class AddressOut(ChildOut):
    recipient: str
    phone: str
    region_code: str | None
    address: str
    postal_code: str
    is_default: bool

    @staticmethod
    def resolve_region_code(obj: DeliveryAddress) -> str | None:
        return obj.region.code if obj.region_id else None


class BankAccountOut(ChildOut):
    bank_name: str
    account_name: str
    account_number: str
    is_default: bool


class DocumentOut(ChildOut):
    kind: str
    number: str
    issuer: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    warn_days: int
    notes: str
    expiry_status: _choices(ExpiryStatus) | None = Field(
        None,
        description="As of today: `expired` (valid_to has passed), `expiring` (valid_to is "
        "within warn_days), `valid`, or `no_expiry` (no valid_to).",
    )


class DocumentCustomerOut(Schema):
    id: int
    code: str
    name: str


class ExpiringDocumentOut(DocumentOut):
    """A qualification document due for renewal, with its customer."""

    customer: DocumentCustomerOut
    days_left: int = Field(description="Days from today to valid_to; negative once expired.")


CHILD_OUTPUTS = {
    "contacts": ContactOut,
    "addresses": AddressOut,
    "bank_accounts": BankAccountOut,
    "documents": DocumentOut,
}


# Customers -------------------------------------------------------------------------------

UserFieldValue = StrictBool | StrictInt | float | limited(TEXT_MAX) | None


class CustomerIn(InputSchema):
    """A customer with its nested lists; required are code, name and class_code."""

    # Basic (基本)
    code: model_text(Customer, "code")
    name: model_text(Customer, "name")
    short_name: model_text(Customer, "short_name") | None = None
    mnemonic: model_text(Customer, "mnemonic") | None = Field(
        None, description="Derived from the short name (pinyin initials) when empty."
    )
    class_code: limited(_longest(CustomerClass)) = Field(description="A leaf customer class.")
    region_code: reference(Region) = Field(None, description="A leaf region.")
    parent_code: reference("customer") = Field(None, description="The head office's code.")
    industry: reference(Industry) = None
    country: model_text(Customer, "country") | None = None
    credit_code: model_text(Customer, "credit_code") | None = Field(
        None, description="Unified social credit code (checked when the country is CN)."
    )
    legal_representative: model_text(Customer, "legal_representative") | None = None
    registered_capital: Money | None = None
    registered_capital_currency: reference(Currency) = None
    founded_on: Date | None = None
    employees: UInt | None = None
    annual_revenue: Money | None = None
    currency: reference(Currency) = None
    kind: _choices(CustomerKind) | None = None
    is_supplier: Bool | None = None
    supplier_code: model_text(Customer, "supplier_code") | None = None
    # Contact (联系)
    department: reference(Department) = None
    salesperson: reference(Salesperson) = None
    address: model_text(Customer, "address") | None = None
    postal_code: model_text(Customer, "postal_code") | None = None
    phone: model_text(Customer, "phone") | None = None
    fax: model_text(Customer, "fax") | None = None
    mobile: model_text(Customer, "mobile") | None = None
    email: model_text(Customer, "email") | None = None
    website: model_text(Customer, "website") | None = None
    shipping_method: reference(ShippingMethod) = None
    # Credit (信用)
    credit_grade: reference(CreditGrade) = None
    credit_limit: Money | None = Field(None, description="Empty means no credit limit control.")
    credit_days: UInt | None = None
    payment_terms: reference(PaymentTerms) = None
    discount_rate: Percent | None = None
    price_level: model_text(Customer, "price_level") | None = None
    control_credit_limit: Bool | None = None
    control_credit_days: Bool | None = None
    control_via_parent: Bool | None = None
    # Other (其它)
    developed_on: Date | None = None
    deactivated_on: Date | None = None
    remarks: model_text(Customer, "remarks") | None = None
    tags: Annotated[list[limited(TAG_MAX)], Field(max_length=MAX_TAGS)] | None = None
    user_fields: (
        Annotated[dict[limited(40), UserFieldValue], Field(max_length=MAX_USER_FIELDS)] | None
    ) = Field(None, description="Values of the user-defined fields, by key.")
    contacts: _many(ContactIn, MAX_CHILDREN) = None
    addresses: _many(AddressIn, MAX_CHILDREN) = None
    bank_accounts: _many(BankAccountIn, MAX_CHILDREN) = None
    documents: _many(DocumentIn, MAX_CHILDREN) = None


CustomerPatch = partial_schema(CustomerIn, "CustomerPatch", exclude=fields.CHILD_LISTS)


class DeactivateIn(InputSchema):
    on: Date | None = Field(None, description="The deactivation date (default today).")


class CustomerOut(Schema):
    """A customer as a list row: every field, references as codes, no nested lists."""

    id: int
    code: str
    name: str
    short_name: str
    mnemonic: str
    class_code: str
    region_code: str | None
    parent_code: str | None
    industry: str | None
    country: str
    credit_code: str
    legal_representative: str
    registered_capital: Decimal | None
    registered_capital_currency: str | None
    founded_on: datetime.date | None
    employees: int | None
    annual_revenue: Decimal | None
    currency: str | None
    kind: str
    is_supplier: bool
    supplier_code: str
    department: str | None
    salesperson: str | None
    address: str
    postal_code: str
    phone: str
    fax: str
    mobile: str
    email: str
    website: str
    shipping_method: str | None
    credit_grade: str | None
    credit_limit: Decimal | None
    credit_days: int | None
    payment_terms: str | None
    discount_rate: Decimal | None
    price_level: str
    control_credit_limit: bool
    control_credit_days: bool
    control_via_parent: bool
    receivable_balance: Decimal
    open_order_amount: Decimal
    last_transaction_on: datetime.date | None
    last_transaction_amount: Decimal | None
    last_receipt_on: datetime.date | None
    last_receipt_amount: Decimal | None
    developed_on: datetime.date | None
    deactivated_on: datetime.date | None
    is_active: bool
    use_count: int
    remarks: str
    tags: list[str]
    user_fields: dict[str, Any]
    version: int
    created_by: str | None
    created_at: datetime.datetime
    updated_by: str | None
    updated_at: datetime.datetime


class CustomerDetailOut(CustomerOut):
    """A customer with its contacts, delivery addresses, bank accounts and documents."""

    contacts: list[ContactOut]
    addresses: list[AddressOut]
    bank_accounts: list[BankAccountOut]
    documents: list[DocumentOut]


_OWN_OUTPUT = tuple(
    name
    for name in CustomerOut.model_fields
    if name not in fields.REFERENCE_FIELDS and name not in ("tags", "created_by", "updated_by")
)


def customer_out(customer: Customer) -> dict:
    """A customer in the API's vocabulary (needs the relations of ``selectors.customer_list``)."""
    data = {name: getattr(customer, name) for name in _OWN_OUTPUT}
    for name, (model_field, _model) in fields.REFERENCE_FIELDS.items():
        related = getattr(customer, model_field) if getattr(customer, f"{model_field}_id") else None
        data[name] = related.code if related is not None else None
    for name in ("created_by", "updated_by"):
        user = getattr(customer, name) if getattr(customer, f"{name}_id") else None
        data[name] = user.get_username() if user is not None else None
    data["tags"] = [tag.name for tag in customer.tags.all()]
    return data


def customer_detail_out(customer: Customer) -> dict:
    """``customer_out`` plus the nested lists (needs ``selectors.customer_detail``)."""
    data = customer_out(customer)
    for kind in fields.CHILD_LISTS:
        data[kind] = list(getattr(customer, kind).all())
    return data


# User-defined fields and tags ------------------------------------------------------------


class UserFieldIn(InputSchema):
    """The definition of a user-defined field (自定义项)."""

    key: model_text(UserField, "key") = Field(description="Lower-case letters, digits and _.")
    label_zh: model_text(UserField, "label_zh")
    label_en: model_text(UserField, "label_en")
    field_type: _choices(UserFieldType)
    choices: Annotated[list[limited(TEXT_MAX)], Field(max_length=200)] = Field(
        default_factory=list, description="The allowed values of a choice field."
    )
    required: Bool = False
    group: _choices(ArchiveGroup) = ArchiveGroup.OTHER.value
    position: SmallUInt = 0
    is_active: Bool = True


UserFieldPatch = partial_schema(UserFieldIn, "UserFieldPatch")


class UserFieldOut(Schema):
    id: int
    key: str
    label_zh: str
    label_en: str
    field_type: str
    choices: list[str]
    required: bool
    group: str
    position: int
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TagOut(Schema):
    id: int
    name: str
