"""The figures the customer archive keeps from the sales documents, computed set-based.

One definition per figure, used twice: by the services, for the one customer a document
changes (inside the customer's row lock), and by ``kehu check-balances`` for every customer
at once. Each figure is one grouped query, whatever the number of customers.

- ``receivable_balance``: posted invoices minus posted receipts. Active settlements always
  join a posted invoice to a posted receipt of the same customer, so this equals the open
  amounts of the posted invoices minus the unapplied amounts of the posted receipts; negative
  when the customer paid in advance.
- ``open_order_amount``: what open orders still hold that no posted invoice has invoiced.
- ``last_transaction_on/amount``: the latest posted invoice (by date, then the later entered).
- ``last_receipt_on/amount``: the latest posted receipt (by date, then the later entered).
"""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce

from kehu.customers.models import MONEY, Customer
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement

FIGURES = (
    "receivable_balance",
    "open_order_amount",
    "last_transaction_on",
    "last_transaction_amount",
    "last_receipt_on",
    "last_receipt_amount",
)
ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")
CENT = Decimal("0.01")
_MONEY = DecimalField(**MONEY)


def _money_sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _sums(queryset: QuerySet, expression, key: str = "customer_id") -> dict[int, Decimal]:
    rows = queryset.order_by().values(key).annotate(total=_money_sum(expression))
    return {row[key]: _cents(row["total"]) for row in rows}


def _cents(value: Decimal | None) -> Decimal | None:
    """Money as stored, with two decimals (SQLite answers sums of whole amounts as ``70``)."""
    return None if value is None else Decimal(value).quantize(CENT)


def _latest(model, status, customers: QuerySet) -> dict[int, tuple]:
    """Each customer's latest document of ``model`` in ``status``: (date, amount)."""
    latest = model.objects.filter(customer=OuterRef("pk"), status=status).order_by("-date", "-id")
    rows = customers.order_by().annotate(
        latest_on=Subquery(latest.values("date")[:1]),
        latest_amount=Subquery(latest.values("amount")[:1], output_field=_MONEY),
    )
    return {
        pk: (on, _cents(amount))
        for pk, on, amount in rows.values_list("pk", "latest_on", "latest_amount")
        if on is not None
    }


def figures_computed(customers: QuerySet | None = None) -> dict[int, dict]:
    """Every figure of every customer of ``customers`` (all by default), from the documents."""
    customers = Customer.objects.all() if customers is None else customers
    ids = customers.order_by().values("pk")
    invoices = SalesInvoice.objects.filter(customer__in=ids, status=InvoiceStatus.POSTED)
    receipts = Receipt.objects.filter(customer__in=ids, status=ReceiptStatus.POSTED)
    orders = SalesOrder.objects.filter(customer__in=ids, status=OrderStatus.OPEN)
    invoiced = _sums(invoices, "amount")
    received = _sums(receipts, "amount")
    ordered = _sums(orders, "amount")
    ordered_invoiced = _sums(invoices.filter(order__status=OrderStatus.OPEN), "amount")
    last_invoice = _latest(SalesInvoice, InvoiceStatus.POSTED, customers)
    last_receipt = _latest(Receipt, ReceiptStatus.POSTED, customers)
    figures = {}
    for pk in customers.order_by().values_list("pk", flat=True):
        invoice_on, invoice_amount = last_invoice.get(pk, (None, None))
        receipt_on, receipt_amount = last_receipt.get(pk, (None, None))
        figures[pk] = {
            "receivable_balance": invoiced.get(pk, ZERO) - received.get(pk, ZERO),
            "open_order_amount": ordered.get(pk, ZERO) - ordered_invoiced.get(pk, ZERO),
            "last_transaction_on": invoice_on,
            "last_transaction_amount": invoice_amount,
            "last_receipt_on": receipt_on,
            "last_receipt_amount": receipt_amount,
        }
    return figures


def _total(queryset: QuerySet) -> Coalesce:
    """The sum of ``amount`` over the outer customer's rows of ``queryset``, as a subquery."""
    total = (
        queryset.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _latest_of(model, status, name: str) -> Subquery:
    latest = model.objects.filter(customer=OuterRef("pk"), status=status).order_by("-date", "-id")
    return Subquery(latest.values(name)[:1], output_field=_MONEY if name == "amount" else None)


def figures_updates() -> dict:
    """Every figure as an expression over the outer customer's documents, for one ``UPDATE``
    of any set of customers (the definitions above, as ``figures_computed`` reads them)."""
    invoices = SalesInvoice.objects.filter(status=InvoiceStatus.POSTED)
    receipts = Receipt.objects.filter(status=ReceiptStatus.POSTED)
    orders = SalesOrder.objects.filter(status=OrderStatus.OPEN)
    return {
        "receivable_balance": _total(invoices) - _total(receipts),
        "open_order_amount": _total(orders)
        - _total(invoices.filter(order__status=OrderStatus.OPEN)),
        "last_transaction_on": _latest_of(SalesInvoice, InvoiceStatus.POSTED, "date"),
        "last_transaction_amount": _latest_of(SalesInvoice, InvoiceStatus.POSTED, "amount"),
        "last_receipt_on": _latest_of(Receipt, ReceiptStatus.POSTED, "date"),
        "last_receipt_amount": _latest_of(Receipt, ReceiptStatus.POSTED, "amount"),
    }


def figures_refresh(customer: Customer) -> None:
    """Store the customer's figures as its documents give them: one ``UPDATE``.

    A bulk update, not ``save()``: the figures are a cache of the documents, whose own
    changes are in the audit trail; the archive's version and change time stay as they are.
    The ``customer`` object keeps the figures it was read with.
    """
    Customer.objects.filter(pk=customer.pk).update(**figures_updates())


def _settled(field: str) -> Coalesce:
    """The sum of the active settlements of the outer document, as a subquery."""
    total = (
        Settlement.objects.filter(**{field: OuterRef("pk")}, status=SettlementStatus.ACTIVE)
        .order_by()
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _invoiced() -> Coalesce:
    total = (
        SalesInvoice.objects.filter(order=OuterRef("pk"), status=InvoiceStatus.POSTED)
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def document_differences(customers: QuerySet | None = None) -> list[tuple]:
    """Documents whose cached amount disagrees with their settlements or invoices, as
    (kind, number, field, stored, recomputed): one query per kind of document.

    The invariants: an invoice's open amount and a receipt's unapplied amount are their
    amount less their active settlements (a cancelled invoice and a reversed receipt have
    none); an order's invoiced amount is the sum of its posted invoices.
    """
    customers = Customer.objects.all() if customers is None else customers
    ids = customers.order_by().values("pk")
    checks = (
        ("invoice", SalesInvoice, "open_amount", F("amount") - _settled("invoice")),
        ("receipt", Receipt, "unapplied_amount", F("amount") - _settled("receipt")),
        ("order", SalesOrder, "invoiced_amount", _invoiced()),
    )
    found = []
    for kind, model, field, expected in checks:
        rows = (
            model.objects.filter(customer__in=ids)
            .annotate(
                recomputed=ExpressionWrapper(expected, output_field=_MONEY),
                # Not an equality: SQLite computes with floating-point numbers.
                gap=Abs(ExpressionWrapper(F(field) - expected, output_field=_MONEY)),
            )
            .filter(gap__gte=HALF_CENT)
            .order_by("number")
            .values_list("number", field, "recomputed")
        )
        found += [
            (kind, number, field, stored, _cents(computed)) for number, stored, computed in rows
        ]
    return found
