"""API schemas of master data (SPEC §1): coding schemes, class and region trees, small lists."""

import datetime
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import BaseModel, Field

from kehu.core.api.schemas import (
    Bool,
    InputSchema,
    SafeStr,
    SmallUInt,
    limited,
    model_text,
    partial_schema,
)
from kehu.masterdata import coding
from kehu.masterdata.models import (
    CodingScheme,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Salesperson,
)

TreeName = Literal["customer_class", "region"]


# Coding schemes --------------------------------------------------------------------------


class CodingSchemeOut(Schema):
    tree: TreeName
    label: str
    segments: str
    code_lengths: list[int]
    updated_at: datetime.datetime

    @staticmethod
    def resolve_label(obj: CodingScheme) -> str:
        return str(obj.get_tree_display())

    @staticmethod
    def resolve_code_lengths(obj: CodingScheme) -> list[int]:
        return coding.code_lengths(obj.segment_tuple)


class CodingSchemeIn(InputSchema):
    segments: model_text(CodingScheme, "segments") = Field(
        description="Segment lengths separated by dashes, e.g. 2-2-3."
    )


# Class and region trees ------------------------------------------------------------------


class TreeNodeIn(InputSchema):
    """A node; its parent and level follow from the code under the tree's coding scheme."""

    code: model_text(CustomerClass, "code")
    name: model_text(CustomerClass, "name")


TreeNodePatch = partial_schema(TreeNodeIn, "TreeNodePatch")


class TreeNodeOut(Schema):
    id: int
    code: str
    name: str
    parent_code: str | None
    level: int
    is_leaf: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class TreeNodeFilter(BaseModel):
    q: SafeStr | None = Field(None, max_length=100, description="Part of the code or name.")
    parent_code: SafeStr | None = Field(None, max_length=40, description="Children of a node.")
    level: int | None = Field(None, ge=1, le=coding.MAX_LEVELS)
    is_leaf: bool | None = None

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.q:
            queryset = queryset.filter(Q(code__icontains=self.q) | Q(name__icontains=self.q))
        if self.parent_code:
            queryset = queryset.filter(parent__code=self.parent_code)
        if self.level is not None:
            queryset = queryset.filter(level=self.level)
        if self.is_leaf is not None:
            queryset = queryset.filter(is_leaf=self.is_leaf)
        return queryset


# Small coded lists -----------------------------------------------------------------------


class CodedItemFilter(BaseModel):
    q: SafeStr | None = Field(None, max_length=100, description="Part of the code or name.")
    is_active: bool | None = None

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.q:
            queryset = queryset.filter(Q(code__icontains=self.q) | Q(name__icontains=self.q))
        if self.is_active is not None:
            queryset = queryset.filter(is_active=self.is_active)
        return queryset


class CodedItemIn(InputSchema):
    code: model_text(Industry, "code")
    name: model_text(Industry, "name")
    is_active: Bool = True


class CodedItemOut(Schema):
    id: int
    code: str
    name: str
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SalespersonIn(CodedItemIn):
    department: model_text(Department, "code") | None = Field(None, description="Department code.")
    user: limited(get_user_model()._meta.get_field("username").max_length) | None = Field(
        None, description="Username of the salesperson's login."
    )
    phone: model_text(Salesperson, "phone") = ""
    email: model_text(Salesperson, "email") = ""


class SalespersonOut(CodedItemOut):
    department: str | None
    user: str | None
    phone: str
    email: str

    @staticmethod
    def resolve_department(obj: Salesperson) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_user(obj: Salesperson) -> str | None:
        return obj.user.get_username() if obj.user_id else None


class CurrencyIn(CodedItemIn):
    code: model_text(Currency, "code") = Field(description="ISO 4217, e.g. CNY.")
    symbol: model_text(Currency, "symbol") = ""
    decimals: SmallUInt = 2


class CurrencyOut(CodedItemOut):
    symbol: str
    decimals: int


class PaymentTermsIn(CodedItemIn):
    text: model_text(PaymentTerms, "text") = Field(
        description="Cash discounts and net days, e.g. 2/10,1/20,n/30."
    )


class CashDiscountOut(Schema):
    percent: Decimal
    days: int


class PaymentTermsOut(CodedItemOut):
    text: str
    net_days: int
    discounts: list[CashDiscountOut]


class CreditGradeIn(CodedItemIn):
    rank: SmallUInt = Field(description="1 is the best grade.")


class CreditGradeOut(CodedItemOut):
    rank: int


CODED_ITEM_PATCHES = {
    schema: partial_schema(schema, schema.__name__.removesuffix("In") + "Patch")
    for schema in (CodedItemIn, SalespersonIn, CurrencyIn, PaymentTermsIn, CreditGradeIn)
}
