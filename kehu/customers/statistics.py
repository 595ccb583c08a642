"""Statistics of a customer query's result (SPEC §3): counts and sums grouped by one attribute.

The web page and the API parse the list's own conditions into the one ``CustomerFilter`` and
pass its (scoped) queryset here. Everything is one aggregate query: ``GROUP BY`` the group's
code (a tree code cut to the chosen level with ``LEFT``), ``COUNT`` and two ``SUM``s; the total
row adds up the (few) groups.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from kehu.masterdata import coding
from kehu.masterdata.models import CustomerClass, Region, TreeNode
from kehu.masterdata.selectors import coding_scheme

GroupBy = Literal[
    "class", "region", "credit_grade", "salesperson", "department", "industry", "status"
]


@dataclass(frozen=True)
class Grouping:
    """How to group: the related code and name, and the tree behind them (if any)."""

    label: Promise
    relation: str | None  # the foreign key; None for status
    tree: type[TreeNode] | None = None


GROUPINGS: dict[str, Grouping] = {
    "class": Grouping(_("Customer class"), "customer_class", CustomerClass),
    "region": Grouping(_("Region"), "region", Region),
    "credit_grade": Grouping(_("Credit grade"), "credit_grade"),
    "salesperson": Grouping(_("Salesperson"), "salesperson"),
    "department": Grouping(_("Department"), "department"),
    "industry": Grouping(_("Industry"), "industry"),
    "status": Grouping(_("Status"), None),
}
STATUS_NAMES = {"active": _("Active"), "deactivated": _("Deactivated")}
NOT_SET = _("Not set")
_MONEY = DecimalField(max_digits=18, decimal_places=2)
_CENT = Decimal("0.01")


class StatisticsParams(BaseModel):
    """What to group by; ``level`` rolls a class or region tree up to that level."""

    group_by: GroupBy = Field("class", description="The attribute to group the customers by.")
    level: int | None = Field(
        None,
        ge=1,
        le=coding.MAX_LEVELS,
        description="For class and region: group by the ancestor at this tree level "
        "(1 = top level). Without it, by the customer's own class or region.",
    )


@dataclass
class StatisticsRow:
    """One group (or the total): its code (None for "not set"), name, count and sums."""

    code: str | None
    name: str
    count: int
    credit_limit: Decimal
    receivable_balance: Decimal
    share: Decimal  # percentage of the customers, 0-100 with one decimal


@dataclass
class Statistics:
    group_by: str
    level: int | None
    groups: list[StatisticsRow]
    total: StatisticsRow


def _tree_prefix_length(tree: type[TreeNode], level: int) -> int:
    """The length of a tree's codes at ``level``; a field error when the tree is not so deep."""
    lengths = coding.code_lengths(coding_scheme(tree.tree_kind).segment_tuple)
    if level > len(lengths):
        raise ValidationError(
            {
                "level": _("The tree has %(levels)d levels: choose 1 to %(levels)d.")
                % {"levels": len(lengths)}
            },
            code="invalid_level",
        )
    return lengths[level - 1]


def _group_expressions(grouping: Grouping, level: int | None):
    """(code expression, name expression) of the group of each customer."""
    if grouping.relation is None:
        code = Case(
            When(deactivated_on__isnull=True, then=Value("active")),
            default=Value("deactivated"),
            output_field=CharField(),
        )
        return code, Value("")
    code_path = f"{grouping.relation}__code"
    if level is None:
        return F(code_path), F(f"{grouping.relation}__name")
    # A child's code starts with its ancestors' codes: the ancestor at ``level`` is the
    # code's prefix of that level's length; its name comes from the tree in the same query.
    code = Left(code_path, _tree_prefix_length(grouping.tree, level))
    name = Subquery(grouping.tree.objects.filter(code=OuterRef("group_code")).values("name")[:1])
    return code, name


def _money(value) -> Decimal:
    # SQLite hands back a computed decimal unscaled (1000.5); money always has two places.
    return Decimal(value).quantize(_CENT)


def _share(count: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def customer_statistics(queryset: QuerySet, group_by: str, level: int | None = None) -> Statistics:
    """Counts and sums of ``queryset`` (already scoped and filtered) per group, in one query.

    Groups come in code order, the group of customers without a value ("not set") last. A
    ``level`` is allowed for the class and region trees only; a bad ``group_by`` or ``level``
    raises a field ``ValidationError``.
    """
    grouping = GROUPINGS.get(group_by)
    if grouping is None:
        raise ValidationError({"group_by": _("Choose a valid grouping.")}, code="invalid")
    if level is not None and grouping.tree is None:
        raise ValidationError(
            {"level": _("A level applies to the class and region trees only.")}, code="invalid"
        )
    code, name = _group_expressions(grouping, level)
    zero = Value(Decimal("0"), output_field=_MONEY)
    rows = (
        queryset.order_by()
        .annotate(group_code=code)
        .values("group_code")
        .annotate(
            group_name=name,
            count=Count("pk", distinct=True),
            credit_limit_sum=Coalesce(Sum("credit_limit"), zero, output_field=_MONEY),
            receivable_sum=Coalesce(Sum("receivable_balance"), zero, output_field=_MONEY),
        )
        .order_by(F("group_code").asc(nulls_last=True))
    )
    rows = list(rows)
    total_count = sum(row["count"] for row in rows)
    groups = [
        StatisticsRow(
            code=row["group_code"],
            name=_group_name(grouping, row["group_code"], row["group_name"]),
            count=row["count"],
            credit_limit=_money(row["credit_limit_sum"]),
            receivable_balance=_money(row["receivable_sum"]),
            share=_share(row["count"], total_count),
        )
        for row in rows
    ]
    total = StatisticsRow(
        code=None,
        name=str(_("Total")),
        count=total_count,
        credit_limit=_money(sum((g.credit_limit for g in groups), Decimal("0"))),
        receivable_balance=_money(sum((g.receivable_balance for g in groups), Decimal("0"))),
        share=Decimal("100.0") if total_count else Decimal("0.0"),
    )
    return Statistics(group_by=group_by, level=level, groups=groups, total=total)


def _group_name(grouping: Grouping, code: str | None, name: str | None) -> str:
    if code is None:
        return str(NOT_SET)
    if grouping.relation is None:
        return str(STATUS_NAMES[code])
    return name or ""
