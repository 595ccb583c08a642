"""The sheets of the canonical workbook (SPEC §8) and their columns, in import order.

Each sheet names its columns with a key (the English header, the input vocabulary of
``kehu/customers/fields.py``), a Chinese header and a kind that says how cells are converted.
A new sheet plugs in by adding an entry with its importer's name (``engine.IMPORTERS``); a
sheet whose ``importer`` is None would be recognised but not imported.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.customers import fields
from kehu.customers.exports import BUILTIN_COLUMNS
from kehu.customers.models import Customer, UserField

# kinds: text, number, date, bool, reference, tags, user


@dataclass(frozen=True)
class Column:
    key: str  # the English header and the input name
    header_zh: str
    kind: str = "text"
    field: str | None = None  # the input name given to the service, when not ``key``

    @property
    def name(self) -> str:
        return self.field or self.key


@dataclass(frozen=True)
class SheetSpec:
    key: str  # canonical English name
    name_zh: str
    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()  # column keys the header must have
    importer: str | None = None  # the importer's name in ``importers.IMPORTERS``
    permissions: tuple[str, ...] = ()
    user_fields: bool = False  # the customers' user-defined fields are columns too

    def title(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.key


def _kind(field: models.Field) -> str:
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField | models.IntegerField):
        return "number"
    return "text"


def _customer_columns() -> tuple[Column, ...]:
    columns = []
    for key, column in BUILTIN_COLUMNS.items():
        if column.read_only:
            # maintained by the system (status, balances…): an export carries them, an
            # import reads past them
            kind = "ignored"
        elif key == "tags":
            kind = "tags"
        elif key in fields.REFERENCE_FIELDS:
            kind = "reference"
        else:
            kind = _kind(Customer._meta.get_field(key))
        columns.append(Column(key, column.header_zh, kind))
    return tuple(columns)


CLASS_COLUMNS = (Column("code", "分类编码"), Column("name", "分类名称"))
REGION_COLUMNS = (Column("code", "地区编码"), Column("name", "地区名称"))
CONTACT_COLUMNS = (
    Column("customer_code", "客户编码"),
    Column("name", "姓名"),
    Column("title", "职务"),
    Column("department", "部门"),
    Column("phone", "电话"),
    Column("mobile", "手机"),
    Column("email", "邮箱"),
    Column("birthday", "生日", "date"),
    Column("primary", "主联系人", "bool", field="is_primary"),
    Column("notes", "备注"),
)
ADDRESS_COLUMNS = (
    Column("customer_code", "客户编码"),
    Column("recipient", "收货人"),
    Column("phone", "电话"),
    Column("region_code", "所属地区"),
    Column("address", "地址"),
    Column("postal_code", "邮编"),
    Column("default", "默认", "bool", field="is_default"),
)
ORDER_COLUMNS = (
    Column("number", "订单号"),
    Column("customer_code", "客户编码"),
    Column("date", "日期", "date"),
    Column("amount", "金额", "number"),
    Column("currency", "币种"),
    Column("status", "状态"),
)
INVOICE_COLUMNS = (
    Column("number", "发票号"),
    Column("customer_code", "客户编码"),
    Column("date", "日期", "date"),
    Column("amount", "金额", "number"),
    Column("currency", "币种"),
    Column("due_date", "到期日", "date"),
)
RECEIPT_COLUMNS = (
    Column("number", "收款单号"),
    Column("customer_code", "客户编码"),
    Column("date", "日期", "date"),
    Column("amount", "金额", "number"),
    Column("currency", "币种"),
    Column("invoice_number", "核销发票号"),
)

SHEETS = (
    SheetSpec(
        "classes",
        "客户分类",
        CLASS_COLUMNS,
        required=("code",),
        importer="classes",
        permissions=("masterdata.add_customerclass", "masterdata.change_customerclass"),
    ),
    SheetSpec(
        "regions",
        "地区分类",
        REGION_COLUMNS,
        required=("code",),
        importer="regions",
        permissions=("masterdata.add_region", "masterdata.change_region"),
    ),
    SheetSpec(
        "customers",
        "客户",
        _customer_columns(),
        required=("code",),
        importer="customers",
        permissions=("customers.add_customer", "customers.change_customer"),
        user_fields=True,
    ),
    SheetSpec(
        "contacts",
        "联系人",
        CONTACT_COLUMNS,
        required=("customer_code", "name"),
        importer="contacts",
        permissions=("customers.add_contact", "customers.change_contact"),
    ),
    SheetSpec(
        "addresses",
        "收货地址",
        ADDRESS_COLUMNS,
        required=("customer_code", "address"),
        importer="addresses",
        permissions=("customers.add_deliveryaddress", "customers.change_deliveryaddress"),
    ),
    # The sales documents' importers are in kehu/sales/importing.py.
    SheetSpec(
        "orders",
        "销售订单",
        ORDER_COLUMNS,
        required=("number", "customer_code"),
        importer="orders",
        permissions=("sales.add_salesorder", "sales.change_salesorder"),
    ),
    SheetSpec(
        "invoices",
        "销售发票",
        INVOICE_COLUMNS,
        required=("number", "customer_code"),
        importer="invoices",
        permissions=("sales.add_salesinvoice",),
    ),
    SheetSpec(
        "receipts",
        "收款单",
        RECEIPT_COLUMNS,
        required=("number", "customer_code"),
        importer="receipts",
        permissions=("sales.add_receipt", "sales.add_settlement"),
    ),
)
SHEETS_BY_KEY = {spec.key: spec for spec in SHEETS}
CUSTOMER_SHEET = SHEETS_BY_KEY["customers"]


def sheet_for(name: str) -> SheetSpec | None:
    """The sheet named ``name`` (Chinese, or English in any case), or None."""
    name = (name or "").strip()
    for spec in SHEETS:
        if name == spec.name_zh or name.casefold() == spec.key:
            return spec
    return None


@dataclass(frozen=True)
class HeaderMap:
    """Which column of the file is which field: ``positions`` maps a column index to its
    ``Column`` (or, for a user-defined field, a ``Column`` of kind ``user``)."""

    positions: dict[int, Column]
    headers: dict[str, str]  # input name (``user_fields.<key>`` for user fields) -> header

    def header_of(self, name: str) -> str:
        return self.headers.get(name, "")


def map_header(
    spec: SheetSpec, header: list[str], sheet_name: str = ""
) -> tuple[HeaderMap, list[tuple[int, str, str]]]:
    """Map the file's header to the sheet's columns.

    Returns the map and the problems as ``(column index, header, message)``: a header that is
    neither a known column nor (for customers) a user-defined field, a column given twice, a
    required column missing (index -1).
    """
    known: dict[str, Column] = {}
    for column in spec.columns:
        known[column.key.casefold()] = column
        known[column.header_zh] = column
        if column.field:
            known[column.field.casefold()] = column
    if spec.user_fields:
        for definition in UserField.objects.filter(is_active=True).order_by("pk"):
            column = Column(definition.key, definition.label_zh, "user")
            for name in (definition.label_en.casefold(), definition.label_zh, definition.key):
                known.setdefault(name.casefold() if name.isascii() else name, column)
    positions, headers, problems = {}, {}, []
    for index, written in enumerate(header):
        if written == "":
            continue
        column = known.get(written) or known.get(written.casefold())
        if column is None:
            problems.append(
                (
                    index,
                    written,
                    _("Unknown column “%(header)s” in the sheet “%(sheet)s”.")
                    % {"header": written, "sheet": sheet_name or spec.name_zh},
                )
            )
            continue
        name = f"user_fields.{column.key}" if column.kind == "user" else column.name
        if name in headers:
            problems.append(
                (
                    index,
                    written,
                    _("The column “%(header)s” is given twice (also as “%(other)s”).")
                    % {"header": written, "other": headers[name]},
                )
            )
            continue
        positions[index] = column
        headers[name] = written
        if column.field:
            headers.setdefault(column.key, written)
    for key in spec.required:
        column = next(c for c in spec.columns if c.key == key)
        if column.name not in headers:
            problems.append(
                (
                    -1,
                    "",
                    _("The sheet “%(sheet)s” has no column “%(zh)s” / “%(en)s”.")
                    % {
                        "sheet": sheet_name or spec.name_zh,
                        "zh": column.header_zh,
                        "en": column.key,
                    },
                )
            )
    return HeaderMap(positions, headers), problems
