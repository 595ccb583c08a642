"""Import of the sales documents' sheets (SPEC §8: 销售订单, 销售发票, 收款单).

The import engine (``kehu.quality.importing``) reads the workbook and calls these importers
after the customers' sheets, in one transaction. Every row goes through the sales services
(``kehu.sales.services``), one call per row in a savepoint, so the ledger's rules — the
trading currency, the credit check of SPEC §5, the customer's lock and maintained figures —
apply exactly as in the UI and the API; a refusal becomes a row error on its column.

Upsert by number: a new number is posted; a row equal to the stored document is unchanged;
an open order takes the changed date, amount or currency (``order_update``) and a new status
(``order_close`` / ``order_cancel``); a posted invoice or receipt is never changed by an
import (cancel or reverse it, then import it again) — a changed row is an error saying so.
A receipt's 核销发票号 settles that invoice (as much of the receipt as the invoice has open;
the rest stays unapplied); without it the receipt settles the customer's invoices oldest
first. Rows of a refused customer, and receipts naming a refused invoice, are refused in turn.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ServiceError
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.quality.importing import cells
from kehu.quality.importing.importers import SheetImporter, service_errors
from kehu.sales import services
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder

ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
# What an ERP's export may write in the status column of an order, besides our own values.
STATUS_WORDS = {
    OrderStatus.OPEN: ("open", "开立", "打开", "未关闭", "未完成", "正常", "审核", "已审核"),
    OrderStatus.CLOSED: ("closed", "close", "关闭", "已关闭", "完成", "已完成"),
    OrderStatus.CANCELLED: ("cancelled", "canceled", "cancel", "作废", "已作废", "取消", "已取消"),
}
# The services' input names that are not the sheet's column keys.
SERVICE_COLUMNS = {
    "code": "number",
    "customer": "customer_code",
    "order": "number",
    "open_amount": "amount",
    "unapplied_amount": "amount",
}


class DocumentImporter(SheetImporter):
    """What the three sheets share: the number, the customer, dates and amounts, the upsert."""

    model = SalesOrder

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = customers_visible_to(self.actor) if self.actor else Customer.objects.all()
        self.customers: dict[str, Customer | None] = {}
        self.seen: dict[str, int] = {}

    def column(self, name: str) -> str:
        if name.startswith("allocations."):
            name = "invoice_number" if name.endswith(".invoice") else name.rsplit(".", 1)[-1]
        head = name.split(".", 1)[0]
        return self.header_map.header_of(SERVICE_COLUMNS.get(head, head))

    def refuse(self, line: int, key: str, exc: Exception) -> None:
        """The service's errors on their columns, each message once (an amount's error is
        also its cached open or unapplied amount's)."""
        shown = set()
        for name, code, message in service_errors(exc) or [("", "invalid", str(exc))]:
            column = self.column(name)
            if (column, message) not in shown:
                shown.add((column, message))
                self.run.error(self, line, column, code, message, key)
        self.run.reject(self.spec.key, key, line)

    # a row --------------------------------------------------------------------------------

    def row(self, line: int, values: dict) -> None:
        number = cells.text(values.get("number"))
        if not number:
            self._error(line, "number", "required", _("This field is required."), "")
            return
        if self.run.repeated(self, line, number, self.seen):
            return
        customer = self._customer_of(line, number, values)
        if customer is None:
            return
        data = self._parsed(line, number, values)
        if data is None:
            return
        existing = (
            self.model.objects.select_related("customer", "currency").filter(number=number).first()
        )
        try:
            with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
                if existing is None:
                    self.create(customer, number, data)
                    self.run.change(self, line, number, "create", {})
                    return
                if existing.customer_id != customer.pk:
                    self._taken(line, number, existing)
                    return
                changed = self.update(line, existing, data)
        except (ValidationError, ServiceError, ObjectDoesNotExist) as exc:
            self.refuse(line, number, exc)
            return
        if changed is None:
            return  # refused, errors reported
        self.run.change(self, line, number, "update" if changed else "unchanged", changed)

    def create(self, customer: Customer, number: str, data: dict) -> None:
        raise NotImplementedError

    def update(self, line: int, document, data: dict) -> dict | None:
        """Bring ``document`` to ``data``: the changed fields (empty when equal), or None
        when the row is refused (its errors reported)."""
        raise NotImplementedError

    # shared steps -------------------------------------------------------------------------

    def _error(self, line: int, column: str, code: str, message, key: str) -> None:
        self.run.error(self, line, self.column(column), code, str(message), key)
        self.run.reject(self.spec.key, key, line)

    def _customer_of(self, line: int, number: str, values: dict) -> Customer | None:
        code = cells.text(values.get("customer_code"))
        rejected = self.run.rejected_line("customers", code)
        if rejected:
            self.run.depends_on(self, line, "customer_code", number, "customers", code, rejected)
            return None
        if code not in self.customers:
            self.customers[code] = self.visible.filter(code=code).first() if code else None
        customer = self.customers[code]
        if customer is None:
            if code:
                message = _("Customer “%(code)s” does not exist.") % {"code": code}
                self._error(line, "customer_code", "does_not_exist", message, number)
            else:
                self._error(line, "customer_code", "required", _("This field is required."), number)
        return customer

    def _parsed(self, line: int, number: str, values: dict) -> dict | None:
        """The row's values as the services take them; None (and errors) when a cell is
        missing or cannot be read."""
        data, ok = {}, True
        for name in ("date", "due_date"):
            if name not in values and name != "date":
                continue
            value = values.get(name)
            if value is None:
                if name == "date":
                    self._error(line, name, "required", _("This field is required."), number)
                    ok = False
                else:
                    data[name] = None
                continue
            parsed = _date(value)
            if parsed is None:
                message = _("Enter a valid date (YYYY-MM-DD).")
                self._error(line, name, "invalid", message, number)
                ok = False
            data[name] = parsed
        amount = values.get("amount")
        if amount is None:
            self._error(line, "amount", "required", _("This field is required."), number)
            ok = False
        elif isinstance(amount, bool) or not isinstance(amount, int | Decimal):
            self._error(line, "amount", "invalid", _("Enter an amount."), number)
            ok = False
        else:
            data["amount"] = Decimal(amount)
        data["currency"] = cells.text(values.get("currency")) or None
        return data if ok else None

    def _taken(self, line: int, number: str, existing) -> None:
        if self.visible.filter(pk=existing.customer_id).exists():
            message = _("%(number)s is a document of the customer %(code)s.") % {
                "number": number,
                "code": existing.customer.code,
            }
        else:
            message = _("The number %(number)s is used by another document.") % {"number": number}
        self._error(line, "customer_code", "duplicate", message, number)

    def _differences(self, document, data: dict, names: tuple[str, ...]) -> dict:
        """The row's values that differ from the document's: name -> [stored, in the file]."""
        changed = {}
        for name in names:
            if name not in data or (name == "due_date" and data[name] is None):
                continue
            new = data[name]
            if name == "currency":
                if new is None:
                    continue
                old, same = document.currency.code, new.strip().upper() == document.currency.code
            else:
                old = getattr(document, name)
                same = new == old
            if not same:
                changed[name] = [_display(old), _display(new)]
        return changed

    def _unchangeable(self, line: int, document, changed: dict, message) -> None:
        for name, (old, new) in changed.items():
            text = message % {"number": document.number, "old": old or "—", "new": new or "—"}
            self.run.error(self, line, self.column(name), "not_changeable", text, document.number)
        self.run.reject(self.spec.key, document.number, line)


class OrderImporter(DocumentImporter):
    """销售订单: an order is posted open, then closed or cancelled if its status says so."""

    model = SalesOrder

    def _parsed(self, line, number, values):
        data = super()._parsed(line, number, values)
        status = _status(values.get("status"))
        if status is False:
            words = ", ".join(words[0] for words in STATUS_WORDS.values())
            message = _("Unknown status: write one of %(words)s.") % {"words": words}
            self._error(line, "status", "invalid", message, number)
            return None
        if data is not None:
            data["status"] = status
        return data

    def create(self, customer, number, data):
        order = services.order_create(
            actor=self.actor,
            customer=customer,
            number=number,
            date=data["date"],
            amount=data["amount"],
            currency=data["currency"],
        )
        self._set_status(order, data["status"])

    def update(self, line, document, data):
        changed = self._differences(document, data, ("date", "amount", "currency"))
        status = data["status"]
        if status is not None and status != document.status:
            changed["status"] = [document.status, status]
        if not changed:
            return {}
        if document.status != OrderStatus.OPEN:
            self._unchangeable(
                line,
                document,
                changed,
                _(
                    "The order %(number)s is closed or cancelled: an import cannot change it "
                    "(stored: %(old)s, in the file: %(new)s)."
                ),
            )
            return None
        fields = {k: data[k] for k in ("date", "amount", "currency") if k in changed}
        if fields:
            document = services.order_update(actor=self.actor, order=document, data=fields)
        if "status" in changed:
            self._set_status(document, status)
        return changed

    def _set_status(self, order: SalesOrder, status: str | None) -> None:
        if status == OrderStatus.CLOSED:
            services.order_close(actor=self.actor, order=order)
        elif status == OrderStatus.CANCELLED:
            services.order_cancel(actor=self.actor, order=order)


class InvoiceImporter(DocumentImporter):
    """销售发票: posted with its due date, or due by the customer's terms when none is given."""

    model = SalesInvoice

    def create(self, customer, number, data):
        services.invoice_post(
            actor=self.actor,
            customer=customer,
            number=number,
            date=data["date"],
            amount=data["amount"],
            due_date=data.get("due_date"),
            currency=data["currency"],
        )

    def update(self, line, document, data):
        changed = self._differences(document, data, ("date", "amount", "currency", "due_date"))
        if changed:
            self._unchangeable(
                line,
                document,
                changed,
                _(
                    "The invoice %(number)s is posted: an import cannot change it (stored: "
                    "%(old)s, in the file: %(new)s); cancel it and import it again."
                ),
            )
            return None
        return {}


class ReceiptImporter(DocumentImporter):
    """收款单: posted, then settling the invoice it names, or the oldest invoices first."""

    model = Receipt

    def row(self, line, values):
        invoice = cells.text(values.get("invoice_number"))
        rejected = self.run.rejected_line("invoices", invoice)
        if rejected:
            number = cells.text(values.get("number"))
            self.run.depends_on(self, line, "invoice_number", number, "invoices", invoice, rejected)
            return
        super().row(line, values)

    def _parsed(self, line, number, values):
        data = super()._parsed(line, number, values)
        if data is not None:
            data["invoice_number"] = cells.text(values.get("invoice_number"))
        return data

    def _settleable(self, customer_id: int, number: str) -> SalesInvoice | None:
        """The named invoice, refused (``ValidationError`` on the column) when it is fully
        settled already: the services would have nothing to apply."""
        invoice = SalesInvoice.objects.filter(customer_id=customer_id, number=number).first()
        if (
            invoice is not None
            and invoice.status == InvoiceStatus.POSTED
            and not invoice.open_amount
        ):
            raise ValidationError(
                {
                    "invoice_number": _("The invoice %(number)s is settled already.")
                    % {"number": number}
                },
                code="invoice_settled",
            )
        return invoice

    def create(self, customer, number, data):
        invoice = data["invoice_number"]
        if invoice:
            self._settleable(customer.pk, invoice)
        services.receipt_post(
            actor=self.actor,
            customer=customer,
            number=number,
            date=data["date"],
            amount=data["amount"],
            currency=data["currency"],
            allocations=[{"invoice": invoice}] if invoice else None,
        )

    def update(self, line, document, data):
        changed = self._differences(document, data, ("date", "amount", "currency"))
        if document.status != ReceiptStatus.POSTED and not changed:
            return {}
        if changed:
            self._unchangeable(
                line,
                document,
                changed,
                _(
                    "The receipt %(number)s is posted: an import cannot change it (stored: "
                    "%(old)s, in the file: %(new)s); reverse it and import it again."
                ),
            )
            return None
        number = data["invoice_number"]
        if (
            not number
            or document.settlements.filter(
                invoice__number=number, status=SettlementStatus.ACTIVE
            ).exists()
        ):
            return {}
        # Settling one more invoice is what the ledger allows on a posted receipt.
        invoice = self._settleable(document.customer_id, number)
        if invoice is None:
            message = _("The customer has no invoice %(number)s.") % {"number": number}
            raise ValidationError({"invoice_number": message}, code="not_found")
        if not document.unapplied_amount:
            raise ValidationError(
                {"invoice_number": _("The receipt is fully applied to other invoices.")},
                code="receipt_applied",
            )
        services.settlement_create(actor=self.actor, receipt=document, invoice=invoice)
        return {"invoice_number": [None, number]}


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    text = cells.text(value)
    if not ISO_DATE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _status(value) -> str | bool | None:
    """The order status a cell names; None when empty (open for a new order, unchanged for
    an existing one); False when unknown."""
    text = cells.text(value).casefold()
    if not text:
        return None
    for status, words in STATUS_WORDS.items():
        if text in words or text == str(status.label).casefold():
            return status
    return False


def _display(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
