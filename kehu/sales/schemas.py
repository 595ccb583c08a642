"""Input and output schemas of the sales API: structure only, the rules are the services'."""

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from ninja import Schema
from pydantic import BaseModel, Field

from kehu.core.api.schemas import Date, InputSchema, Money, SafeStr, model_text
from kehu.customers.models import Customer
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus
from kehu.sales.models import SalesOrder

Number = model_text(SalesOrder, "number")
CustomerCode = model_text(Customer, "code")
CurrencyCode = SafeStr


class DocumentFilter(BaseModel):
    """The conditions of every document list."""

    customer: SafeStr | None = Field(None, max_length=30, description="A customer's code.")
    date_from: datetime.date | None = Field(None, description="Dated on or after this day.")
    date_to: datetime.date | None = Field(None, description="Dated on or before this day.")

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.customer:
            queryset = queryset.filter(customer__code=self.customer)
        if self.date_from:
            queryset = queryset.filter(date__gte=self.date_from)
        if self.date_to:
            queryset = queryset.filter(date__lte=self.date_to)
        status = getattr(self, "status", None)
        if status:
            queryset = queryset.filter(status=status)
        return queryset


class OrderFilter(DocumentFilter):
    status: OrderStatus | None = None


class InvoiceFilter(DocumentFilter):
    status: InvoiceStatus | None = None
    order: SafeStr | None = Field(None, max_length=30, description="The number of an order.")

    def apply(self, queryset: QuerySet) -> QuerySet:
        queryset = super().apply(queryset)
        return queryset.filter(order__number=self.order) if self.order else queryset


class ReceiptFilter(DocumentFilter):
    status: ReceiptStatus | None = None


class SettlementFilter(DocumentFilter):
    status: SettlementStatus | None = None
    receipt: SafeStr | None = Field(None, max_length=30, description="A receipt's number.")
    invoice: SafeStr | None = Field(None, max_length=30, description="An invoice's number.")

    def apply(self, queryset: QuerySet) -> QuerySet:
        queryset = super().apply(queryset)
        if self.receipt:
            queryset = queryset.filter(receipt__number=self.receipt)
        if self.invoice:
            queryset = queryset.filter(invoice__number=self.invoice)
        return queryset


class OrderIn(InputSchema):
    customer_code: CustomerCode
    number: Number
    date: Date
    amount: Money
    currency: CurrencyCode | None = Field(
        None, max_length=3, description="Only the customer's trading currency (the default)."
    )


class OrderPatch(InputSchema):
    number: Number | None = None
    date: Date | None = None
    amount: Money | None = None
    currency: CurrencyCode | None = Field(None, max_length=3)


class InvoiceIn(InputSchema):
    customer_code: CustomerCode | None = Field(None, description="Not needed with an order.")
    order_number: Number | None = Field(None, description="The open order it invoices.")
    number: Number
    date: Date
    amount: Money | None = Field(None, description="By default what the order has left.")
    due_date: Date | None = Field(
        None, description="By default the date plus the customer's credit period or terms."
    )
    currency: CurrencyCode | None = Field(None, max_length=3)


class AllocationIn(InputSchema):
    invoice: Number
    amount: Money | None = Field(None, description="By default as much as both have open.")


class ReceiptIn(InputSchema):
    customer_code: CustomerCode
    number: Number
    date: Date
    amount: Money
    currency: CurrencyCode | None = Field(None, max_length=3)
    allocations: list[AllocationIn] | None = Field(
        None,
        description="The invoices it settles; without it, the earliest due open invoices "
        "first; an empty list settles none.",
    )


class SettlementIn(InputSchema):
    receipt: Number
    invoice: Number
    amount: Money | None = None
    date: Date | None = None


class ReverseIn(InputSchema):
    on: Date | None = Field(None, description="The day of the reversal (default today).")


class CancelIn(InputSchema):
    on: Date | None = Field(
        None,
        description="The day of the cancellation (default today; not before the document's "
        "date): aging as of an earlier day still counts the document.",
    )


class DocumentOut(Schema):
    id: int
    number: str
    customer_code: str
    customer_name: str
    date: datetime.date
    amount: Decimal
    currency: str
    status: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OrderOut(DocumentOut):
    invoiced_amount: Decimal
    cancelled_on: datetime.date | None = None
    cancelled_by: str | None = Field(None, description="The user who cancelled it.")
    credit_warning: str | None = Field(
        None,
        description="Set when the request just written was let through by the credit check "
        "with a warning, or held awaiting approval: what the check found.",
    )


class InvoiceOut(DocumentOut):
    due_date: datetime.date
    open_amount: Decimal
    order_number: str | None
    cancelled_on: datetime.date | None = None
    cancelled_by: str | None = Field(None, description="The user who cancelled it.")
    credit_warning: str | None = Field(
        None, description="Set when the credit check let this invoice through with a warning."
    )


class ReceiptOut(DocumentOut):
    unapplied_amount: Decimal
    reversed_on: datetime.date | None = None
    reversed_by: str | None = Field(None, description="The user who reversed it.")


class SettlementOut(Schema):
    id: int
    customer_code: str
    receipt: str
    invoice: str
    amount: Decimal
    date: datetime.date
    status: str
    reversed_on: datetime.date | None


def document_out(document, decision=None) -> dict:
    """A document as the API shows it; ``decision``: the credit check's on the write just
    made, if any."""
    values = {
        "id": document.pk,
        "number": document.number,
        "customer_code": document.customer.code,
        "customer_name": document.customer.name,
        "date": document.date,
        "amount": document.amount,
        "currency": document.currency.code,
        "status": document.status,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }
    for name in ("invoiced_amount", "due_date", "open_amount", "unapplied_amount"):
        if hasattr(document, name):
            values[name] = getattr(document, name)
    for day, user in (("cancelled_on", "cancelled_by"), ("reversed_on", "reversed_by")):
        if hasattr(document, day):
            values[day] = getattr(document, day)
            who = getattr(document, user)
            values[user] = who.get_username() if who is not None else None
    if hasattr(document, "order_id"):
        values["order_number"] = document.order.number if document.order_id else None
    if decision is not None and decision.message:
        values["credit_warning"] = decision.message
    return values


def settlement_out(settlement) -> dict:
    return {
        "id": settlement.pk,
        "customer_code": settlement.customer.code,
        "receipt": settlement.receipt.number,
        "invoice": settlement.invoice.number,
        "amount": settlement.amount,
        "date": settlement.date,
        "status": settlement.status,
        "reversed_on": settlement.reversed_on,
    }
