"""The vocabulary of customer data shared by the API, the importer, forms and the CLI.

It is SPEC §8's column names: plain fields carry values, reference fields carry the code of a
master-data row (or of the head office), nested lists carry the customer's children.
"""

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

PLAIN_FIELDS = (
    "code",
    "name",
    "short_name",
    "mnemonic",
    "country",
    "credit_code",
    "legal_representative",
    "registered_capital",
    "founded_on",
    "employees",
    "annual_revenue",
    "kind",
    "is_supplier",
    "supplier_code",
    "address",
    "postal_code",
    "phone",
    "fax",
    "mobile",
    "email",
    "website",
    "credit_limit",
    "credit_days",
    "discount_rate",
    "price_level",
    "control_credit_limit",
    "control_credit_days",
    "control_via_parent",
    "developed_on",
    "deactivated_on",
    "remarks",
)

# input name -> (model field, referenced model or "customer" for the head office)
REFERENCE_FIELDS = {
    "class_code": ("customer_class", CustomerClass),
    "region_code": ("region", Region),
    "parent_code": ("parent", "customer"),
    "industry": ("industry", Industry),
    "registered_capital_currency": ("registered_capital_currency", Currency),
    "currency": ("currency", Currency),
    "department": ("department", Department),
    "salesperson": ("salesperson", Salesperson),
    "shipping_method": ("shipping_method", ShippingMethod),
    "credit_grade": ("credit_grade", CreditGrade),
    "payment_terms": ("payment_terms", PaymentTerms),
}
MODEL_TO_INPUT = {model_field: name for name, (model_field, _m) in REFERENCE_FIELDS.items()}

CHILD_LISTS = ("contacts", "addresses", "bank_accounts", "documents")
SPECIAL_FIELDS = ("tags", "user_fields")

# The credit group (§2): writable only with the credit permission once roles apply field scope.
CREDIT_FIELDS = (
    "credit_grade",
    "credit_limit",
    "credit_days",
    "payment_terms",
    "discount_rate",
    "price_level",
    "control_credit_limit",
    "control_credit_days",
    "control_via_parent",
)
# Maintained by the system: never accepted from any input.
SYSTEM_FIELDS = (
    "receivable_balance",
    "open_order_amount",
    "last_transaction_on",
    "last_transaction_amount",
    "last_receipt_on",
    "last_receipt_amount",
    "use_count",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "version",
    "id",
)
INPUT_FIELDS = (
    frozenset(PLAIN_FIELDS) | frozenset(REFERENCE_FIELDS) | frozenset(CHILD_LISTS + SPECIAL_FIELDS)
)

CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "phone",
    "mobile",
    "email",
    "birthday",
    "is_primary",
    "notes",
)
ADDRESS_FIELDS = ("recipient", "phone", "region_code", "address", "postal_code", "is_default")
BANK_FIELDS = ("bank_name", "account_name", "account_number", "is_default")
DOCUMENT_FIELDS = (
    "kind",
    "number",
    "issuer",
    "valid_from",
    "valid_to",
    "warn_days",
    "notes",
)
