"""Input and output schemas of the credit API: structure only, the rules are the services'."""

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from ninja import Schema
from pydantic import BaseModel, Field

from kehu.core.api.schemas import Bool, InputSchema, SafeStr, SmallUInt
from kehu.credit.checks import explanation_lines
from kehu.credit.choices import ApprovalStatus, CreditMode, EventKind, PolicyScope


class PolicyIn(InputSchema):
    scope: PolicyScope
    credit_grade: SafeStr | None = Field(None, max_length=20, description="A grade's code.")
    customer_class: SafeStr | None = Field(None, max_length=30, description="A class's code.")
    mode: CreditMode
    overdue_tolerance_days: SmallUInt = 0
    cash_only: Bool = False


class PolicyPatch(InputSchema):
    mode: CreditMode | None = None
    overdue_tolerance_days: SmallUInt | None = None
    cash_only: Bool | None = None


class PolicyOut(Schema):
    id: int
    scope: str
    credit_grade: str | None
    customer_class: str | None
    mode: str
    overdue_tolerance_days: int
    cash_only: bool


def policy_out(policy) -> dict:
    return {
        "id": policy.pk,
        "scope": policy.scope,
        "credit_grade": policy.credit_grade.code if policy.credit_grade_id else None,
        "customer_class": policy.customer_class.code if policy.customer_class_id else None,
        "mode": policy.mode,
        "overdue_tolerance_days": policy.overdue_tolerance_days,
        "cash_only": policy.cash_only,
    }


class Explanation(Schema):
    message: list[str]
    figures: dict


class ApprovalFilter(BaseModel):
    status: ApprovalStatus | None = None
    customer: SafeStr | None = Field(None, max_length=30, description="A customer's code.")

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.customer:
            queryset = queryset.filter(customer__code=self.customer)
        return queryset


class ApprovalOut(Schema):
    id: int
    order_number: str
    customer_code: str
    status: str
    amount: Decimal
    excess: Decimal
    explanation: Explanation
    requested_by: str | None
    decided_by: str | None
    decided_at: datetime.datetime | None
    note: str
    created_at: datetime.datetime


class DecisionIn(InputSchema):
    note: SafeStr = Field("", max_length=500)


def _name(user) -> str | None:
    return user.get_username() if user else None


def approval_out(approval) -> dict:
    return {
        "id": approval.pk,
        "order_number": approval.order.number,
        "customer_code": approval.customer.code,
        "status": approval.status,
        "amount": approval.amount,
        "excess": approval.excess,
        "explanation": {
            "message": explanation_lines(approval.details),
            "figures": approval.details,
        },
        "requested_by": _name(approval.requested_by),
        "decided_by": _name(approval.decided_by),
        "decided_at": approval.decided_at,
        "note": approval.note,
        "created_at": approval.created_at,
    }


class EventFilter(BaseModel):
    kind: EventKind | None = None
    customer: SafeStr | None = Field(None, max_length=30, description="A customer's code.")
    order: SafeStr | None = Field(None, max_length=30, description="An order's number.")

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.customer:
            queryset = queryset.filter(customer__code=self.customer)
        if self.order:
            queryset = queryset.filter(order__number=self.order)
        return queryset


class EventOut(Schema):
    id: int
    created_at: datetime.datetime
    kind: str
    action: str
    mode: str
    customer_code: str
    credit_unit_code: str
    document_kind: str
    document_number: str
    amount: Decimal
    excess: Decimal
    explanation: Explanation
    actor: str | None
    note: str


def event_out(event) -> dict:
    return {
        "id": event.pk,
        "created_at": event.created_at,
        "kind": event.kind,
        "action": event.action,
        "mode": event.mode,
        "customer_code": event.customer.code,
        "credit_unit_code": event.credit_unit.code,
        "document_kind": event.document_kind,
        "document_number": event.document_number,
        "amount": event.amount,
        "excess": event.excess,
        "explanation": {"message": explanation_lines(event.details), "figures": event.details},
        "actor": _name(event.actor),
        "note": event.note,
    }
