"""Sales documents and receivables (SPEC §4; DATA-MODEL "sales").

Every document belongs to one customer (``PROTECT``: a customer with documents is never
deleted) and is in that customer's trading currency. A posted document is never deleted:
orders and invoices are cancelled, receipts and settlements reversed (see
``docs/decisions/0008-sales-ledger.md``). The cached amounts (an invoice's ``open_amount``,
a receipt's ``unapplied_amount``, an order's ``invoiced_amount``) and the figures on
``Customer`` are kept by ``kehu.sales.services`` in the same transaction as the document, and
``kehu check-balances`` recomputes them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel
from kehu.customers.models import MONEY, Customer
from kehu.masterdata.models import Currency
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus

CENT = Decimal("0.01")
NUMBER_MAX = 30
# A number names its document in URLs (/api/v1/sales-invoices/{number}): no slash, no spaces
# around it.
NUMBER_VALIDATOR = RegexValidator(
    r"\A[^/\s](?:[^/]*[^/\s])?\Z", _("A number has no slash and no spaces at either end.")
)
# Documents are cancelled or reversed, never deleted: no permission to delete them.
PERMISSIONS = ("add", "change", "view")


class DocumentDeleteError(Exception):
    """An attempt to delete a sales document: they are cancelled or reversed instead."""


class DocumentQuerySet(models.QuerySet):
    """Documents are read, added and changed by the services; bulk deletes are refused."""

    def delete(self):
        raise DocumentDeleteError("Sales documents are cancelled or reversed, never deleted.")

    delete.queryset_only = True


class SalesDocument(TimeStampedModel):
    """What every sales document has: a number, a customer, a date, an amount, a currency."""

    number = models.CharField(
        _("number"), max_length=NUMBER_MAX, unique=True, validators=[NUMBER_VALIDATOR]
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(CENT)], **MONEY)
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-date", "-number"]
        default_permissions = PERMISSIONS

    def __str__(self):
        return self.number

    def delete(self, *args, **kwargs):
        raise DocumentDeleteError("Sales documents are cancelled or reversed, never deleted.")

    delete.alters_data = True


def _positive(name: str, field: str = "amount") -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gt": 0}), name=name)


def _undone_on(verbose: str):
    """The day a document was cancelled (reversed): aging as of an earlier day counts it."""
    return models.DateField(verbose, null=True, blank=True, editable=False)


def _undone_by(verbose: str):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=verbose,
    )


def _undone_when(name: str, status_field: str, undone: str, day: str) -> models.CheckConstraint:
    """The day is set exactly when the document is cancelled (reversed)."""
    return models.CheckConstraint(
        condition=Q(**{status_field: undone, f"{day}__isnull": False})
        | (~Q(**{status_field: undone}) & Q(**{f"{day}__isnull": True})),
        name=name,
    )


class SalesOrder(SalesDocument):
    """A sales order (销售订单): what the customer ordered and is not yet invoiced.

    ``invoiced_amount`` is the sum of the posted invoices made from it; while the order is
    open, ``amount - invoiced_amount`` counts in the customer's open order amount.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="sales_orders",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    invoiced_amount = models.DecimalField(
        _("invoiced amount"), default=Decimal("0"), editable=False, **MONEY
    )
    cancelled_on = _undone_on(_("cancelled on"))
    cancelled_by = _undone_by(_("cancelled by"))

    class Meta(SalesDocument.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        constraints = [
            _positive("salesorder_amount_positive"),
            models.CheckConstraint(
                condition=Q(invoiced_amount__gte=0) & Q(invoiced_amount__lte=F("amount")),
                name="salesorder_invoiced_within_amount",
            ),
            _undone_when(
                "salesorder_cancelled_on_when_cancelled",
                "status",
                OrderStatus.CANCELLED,
                "cancelled_on",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="salesorder_customer")]


class SalesInvoice(SalesDocument):
    """A sales invoice (销售发票): what the customer owes, due on ``due_date``.

    ``open_amount`` is what is not yet settled by receipts; a cancelled invoice has no active
    settlement and counts for nothing.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="sales_invoices",
        verbose_name=_("customer"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.POSTED
    )
    open_amount = models.DecimalField(_("open amount"), editable=False, **MONEY)
    order = models.ForeignKey(
        SalesOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("sales order"),
    )
    cancelled_on = _undone_on(_("cancelled on"))
    cancelled_by = _undone_by(_("cancelled by"))

    class Meta(SalesDocument.Meta):
        verbose_name = _("sales invoice")
        verbose_name_plural = _("sales invoices")
        constraints = [
            _positive("salesinvoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0) & Q(open_amount__lte=F("amount")),
                name="salesinvoice_open_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("date")), name="salesinvoice_due_not_before_date"
            ),
            _undone_when(
                "salesinvoice_cancelled_on_when_cancelled",
                "status",
                InvoiceStatus.CANCELLED,
                "cancelled_on",
            ),
        ]
        indexes = [
            # Aging and the oldest-first settlement read a customer's open invoices by due date.
            models.Index(fields=["customer", "status", "due_date"], name="salesinvoice_open"),
            # Aging as of a date on or after every change reads only these (kehu.sales.aging).
            models.Index(
                fields=["customer", "due_date", "open_amount"],
                condition=Q(status=InvoiceStatus.POSTED, open_amount__gt=0),
                name="salesinvoice_open_amount",
            ),
            # Aging finds the customers whose documents changed after its date.
            models.Index(fields=["date", "customer"], name="salesinvoice_after"),
            models.Index(
                fields=["cancelled_on", "customer"],
                condition=Q(cancelled_on__isnull=False),
                name="salesinvoice_cancelled_after",
            ),
        ]

    def clean(self):
        if self.date and self.due_date and self.due_date < self.date:
            raise ValidationError(
                {"due_date": _("The due date cannot be before the invoice date.")},
                code="due_before_date",
            )


class Receipt(SalesDocument):
    """A receipt (收款单): money received from the customer.

    ``unapplied_amount`` is what no active settlement has applied to an invoice yet; it
    lowers the customer's receivable balance (a prepayment or an overpayment).
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("customer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReceiptStatus.choices, default=ReceiptStatus.POSTED
    )
    unapplied_amount = models.DecimalField(_("unapplied amount"), editable=False, **MONEY)
    reversed_on = _undone_on(_("reversed on"))
    reversed_by = _undone_by(_("reversed by"))

    class Meta(SalesDocument.Meta):
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            _positive("receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(unapplied_amount__gte=0) & Q(unapplied_amount__lte=F("amount")),
                name="receipt_unapplied_within_amount",
            ),
            _undone_when(
                "receipt_reversed_on_when_reversed", "status", ReceiptStatus.REVERSED, "reversed_on"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="receipt_customer"),
            models.Index(
                fields=["customer", "unapplied_amount"],
                condition=Q(status=ReceiptStatus.POSTED, unapplied_amount__gt=0),
                name="receipt_unapplied",
            ),
            models.Index(fields=["date", "customer"], name="receipt_after"),
            models.Index(
                fields=["reversed_on", "customer"],
                condition=Q(reversed_on__isnull=False),
                name="receipt_reversed_after",
            ),
        ]


class Settlement(TimeStampedModel):
    """Part of a receipt applied to an invoice (核销). Reversed, never deleted.

    ``customer`` repeats the customer of both documents, so that the audit trail and a
    customer merge find settlements like the other documents.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="settlements",
        verbose_name=_("customer"),
    )
    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("receipt")
    )
    invoice = models.ForeignKey(
        SalesInvoice,
        on_delete=models.PROTECT,
        related_name="settlements",
        verbose_name=_("sales invoice"),
    )
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(CENT)], **MONEY)
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SettlementStatus.choices,
        default=SettlementStatus.ACTIVE,
    )
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        default_permissions = PERMISSIONS
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            _positive("settlement_amount_positive"),
            models.CheckConstraint(
                condition=Q(status=SettlementStatus.ACTIVE, reversed_on__isnull=True)
                | Q(status=SettlementStatus.REVERSED, reversed_on__isnull=False),
                name="settlement_reversed_on_when_reversed",
            ),
        ]
        indexes = [
            # Aging finds the customers whose documents changed after its date.
            models.Index(fields=["date", "customer"], name="settlement_after"),
            models.Index(
                fields=["reversed_on", "customer"],
                condition=Q(reversed_on__isnull=False),
                name="settlement_reversed_after",
            ),
        ]

    def __str__(self):
        return f"{self.receipt.number} → {self.invoice.number}: {self.amount}"

    def delete(self, *args, **kwargs):
        raise DocumentDeleteError("Settlements are reversed, never deleted.")

    delete.alters_data = True
