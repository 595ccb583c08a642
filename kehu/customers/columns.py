"""The one catalogue of customer columns (SPEC §3, §8): what the web list can show, what an
export can write, and what either can sort by.

A column's ``key`` is its English header in a file and its name in the ``columns`` and
``ordering`` parameters. The web list shows a reference by its name, a file by its code (so
that the importer can read it back); both read the same catalogue.

- §8's customer columns first (the default columns of an export), then the rest of the
  writable vocabulary, then the values the system maintains (read-only: a file that carries
  them is for reading, the importer does not set them), then the active user-defined fields.
- ``sort`` is the database path the list sorts by; ``None`` for columns that are not a real
  database column (tags, user-defined fields), which therefore cannot be sorted by.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Customer, UserField


@dataclass(frozen=True)
class ExportColumn:
    """One column of the customer sheet: ``key`` is its English header (the API's name)."""

    key: str
    header_zh: str
    kind: str = "text"  # text, number, date, datetime, bool, status, tags, user
    lookup: str | None = None  # the values_list path (user fields: the field's type)
    display: str | None = None  # web list: the attribute path shown (a reference's name)
    sort: str | None = None  # the ordering path; None: not sortable
    read_only: bool = False  # maintained by the system: exported, never imported
    label_en: str | None = None  # user-defined fields: their English label

    def header(self, language: str) -> str:
        return self.header_zh if language == "zh" else self.key

    @property
    def label(self) -> str | Promise:
        """The heading of the web list, in the active language."""
        if self.kind == "user":
            zh = (get_language() or "").lower().startswith("zh")
            return self.header_zh if zh or not self.label_en else self.label_en
        if self.kind == "status":
            return _("Status")
        name = (self.lookup or self.key).split("__")[0]
        try:
            return capfirst(Customer._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # pragma: no cover - every built-in column is a field
            return self.key


def _col(key, zh, kind="text", lookup=None, display=None, sort=True) -> ExportColumn:
    if sort is True:
        sort = lookup or key
    return ExportColumn(key, zh, kind, lookup, display or lookup or key, sort or None)


def _system(key, zh, kind, lookup=None, sort=True) -> ExportColumn:
    return replace(_col(key, zh, kind, lookup, sort=sort), read_only=True)


# SPEC §8, in its order: the default columns of an export.
SPEC_COLUMNS = (
    _col("code", "客户编码"),
    _col("name", "客户名称"),
    _col("short_name", "客户简称"),
    _col("mnemonic", "助记码"),
    _col("class_code", "所属分类", lookup="customer_class__code", display="customer_class__name"),
    _col("region_code", "所属地区", lookup="region__code", display="region__name"),
    _col("industry", "所属行业", lookup="industry__code", display="industry__name"),
    _col("credit_code", "统一社会信用代码"),
    _col("legal_representative", "法人"),
    _col("registered_capital", "注册资本", "number"),
    _col("founded_on", "成立日期", "date"),
    _col("employees", "员工人数", "number"),
    _col("annual_revenue", "年营业额", "number"),
    _col("currency", "币种", lookup="currency__code"),
    _col("parent_code", "总公司", lookup="parent__code", display="parent__name"),
    _col("department", "分管部门", lookup="department__code", display="department__name"),
    _col("salesperson", "专管业务员", lookup="salesperson__code", display="salesperson__name"),
    _col("address", "地址"),
    _col("postal_code", "邮编"),
    _col("phone", "电话"),
    _col("fax", "传真"),
    _col("mobile", "手机"),
    _col("email", "邮箱"),
    _col("website", "网址"),
    # grades sort by their rank, best first
    _col("credit_grade", "信用等级", lookup="credit_grade__code", sort="credit_grade__rank"),
    _col("credit_limit", "信用额度", "number"),
    _col("credit_days", "信用期限", "number"),
    _col("payment_terms", "付款条件", lookup="payment_terms__code", display="payment_terms__name"),
    _col("discount_rate", "扣率", "number"),
    _col("developed_on", "发展日期", "date"),
    _col("deactivated_on", "停用日期", "date"),
    _col("remarks", "备注"),
)
# The rest of the writable vocabulary (fields.PLAIN_FIELDS / REFERENCE_FIELDS / tags), which
# §8 does not list: offered on request, with headers in the same style.
EXTRA_COLUMNS = (
    _col("country", "国家"),
    _col("kind", "客户类型"),
    _col("is_supplier", "是否供应商", "bool"),
    _col("supplier_code", "供应商编码"),
    _col("registered_capital_currency", "注册资本币种", lookup="registered_capital_currency__code"),
    _col(
        "shipping_method",
        "发运方式",
        lookup="shipping_method__code",
        display="shipping_method__name",
    ),
    _col("price_level", "价格级别"),
    _col("control_credit_limit", "控制信用额度", "bool"),
    _col("control_credit_days", "控制信用期限", "bool"),
    _col("control_via_parent", "按总公司控制信用", "bool"),
    _col("tags", "标签", "tags", sort=False),
)
# Maintained by the system (SPEC §2): shown and exported, never imported.
SYSTEM_COLUMNS = (
    # active customers (no deactivation date) first
    _system("status", "状态", "status", lookup="deactivated_on"),
    _system("receivable_balance", "应收余额", "number"),
    _system("open_order_amount", "未完成订单金额", "number"),
    _system("last_transaction_on", "最后交易日期", "date"),
    _system("last_transaction_amount", "最后交易金额", "number"),
    _system("last_receipt_on", "最后收款日期", "date"),
    _system("last_receipt_amount", "最后收款金额", "number"),
    _system("created_at", "创建时间", "datetime"),
    _system("updated_at", "修改时间", "datetime"),
)
BUILTIN_COLUMNS = {column.key: column for column in SPEC_COLUMNS + EXTRA_COLUMNS + SYSTEM_COLUMNS}
# The default columns of an export: everything the importer reads back, so that a file
# exported without a choice of columns and imported again changes nothing (SPEC §8's columns
# first, in its order, then the rest of the writable vocabulary — the country above all, which
# says whether the tax number is a unified social credit code). ``parse_columns`` adds the
# active user-defined fields after them.
DEFAULT_COLUMNS = tuple(column.key for column in SPEC_COLUMNS + EXTRA_COLUMNS)
# The web list's columns when none are chosen.
LIST_DEFAULT_COLUMNS = (
    "code",
    "name",
    "short_name",
    "class_code",
    "region_code",
    "salesperson",
    "credit_grade",
    "credit_limit",
    "status",
)
# ordering value (without its "-") -> database path
SORT_PATHS = {key: column.sort for key, column in BUILTIN_COLUMNS.items() if column.sort}


def available_columns() -> dict[str, ExportColumn]:
    """Every column by key: the built-in ones, then the active user-defined fields (key = the
    field's key, Chinese header = its Chinese label)."""
    columns = dict(BUILTIN_COLUMNS)
    for definition in UserField.objects.filter(is_active=True).order_by("group", "position"):
        if definition.key not in columns:
            columns[definition.key] = ExportColumn(
                definition.key,
                definition.label_zh,
                "user",
                definition.field_type,
                label_en=definition.label_en,
            )
    return columns


def parse_columns(
    names: Iterable[str] | None, default: tuple[str, ...] = DEFAULT_COLUMNS
) -> list[ExportColumn]:
    """The columns named by ``names`` (keys, in the order given); ``default`` when empty.

    Raises ``ValueError`` naming the unknown or repeated columns.
    """
    names = [name.strip() for name in names or () if name.strip()]
    available = available_columns()
    if not names:
        chosen = [available[key] for key in default]
        if default == DEFAULT_COLUMNS:  # an export's default: the user-defined fields too
            chosen += [column for column in available.values() if column.kind == "user"]
        return chosen
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown[:10])})
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(_("Columns named twice: %(names)s.") % {"names": ", ".join(repeated)})
    return [available[name] for name in names]


def default_export_columns() -> list[str]:
    """The keys of an export's default columns: ``DEFAULT_COLUMNS`` and the active
    user-defined fields."""
    return [column.key for column in parse_columns(None)]


def split_columns(values: Iterable[str] | str | None) -> list[str]:
    """Column names from ``columns`` parameters: comma-separated and/or repeated."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [name.strip() for value in values for name in str(value).split(",") if name.strip()]
