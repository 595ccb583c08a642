"""Writing sales documents (SPEC §4): the one place where their rules are enforced.

The web pages, the API, the importer and the CLI all call these functions. Each one, in one
transaction: locks the customer's row first (so that documents of one customer are written
one after another, and the credit check of SPEC §5 can run inside the same lock), refuses a
customer the actor may not see exactly like a missing one (``Customer.DoesNotExist``),
validates (``ValidationError`` per field, ``ConflictError`` for a state that forbids the
action), writes the document — recorded in the audit trail by its signals — and refreshes
the customer's maintained figures (``kehu.sales.figures``).

Every write that grows the customer's exposure (an order entered, its amount raised, a
closed order reopened, an invoice not made from an order) runs the credit check of SPEC §5
(``kehu.credit``) in the same transaction, under the lock of the customer's credit unit: a
refusal raises ``CreditRefused`` (recorded after the rollback), a warning is recorded with
the document, and an order the policy wants approved is saved awaiting approval.

``actor=None`` is the system itself (the demo loader, tests' factories): it sees everything.
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.credit.checks import CreditRefused
from kehu.credit.choices import CheckAction, DocumentKind
from kehu.credit.services import (
    HOLD,
    PASSED,
    approval_withdraw,
    credit_control,
    credit_decision_record,
    credit_refusal_record,
)
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.masterdata.models import Currency
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus, SettlementStatus
from kehu.sales.figures import figures_refresh
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement

ORDER_FIELDS = ("number", "date", "amount", "currency")


@dataclass(frozen=True)
class Allocation:
    """Part of a receipt to apply to one invoice, named by its number."""

    invoice: str
    amount: Decimal


# --- shared steps --------------------------------------------------------------------------


def customer_locked(actor, customer_id: int) -> Customer:
    """The customer, locked for the rest of the transaction; one the actor may not see is
    refused exactly like a missing one."""
    # The currency comes along for the document (``of``: only the customer's row is locked,
    # not the currency's); the credit check reads what else it needs in its own query.
    locked = Customer.objects.select_for_update(of=("self",)).select_related("currency")
    try:
        customer = locked.get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        customer = None
    if customer is None or (
        actor is not None and not customers_visible_to(actor).filter(pk=customer_id).exists()
    ):
        raise Customer.DoesNotExist(_("Customer %(key)s does not exist.") % {"key": customer_id})
    return customer


def _records_credit_refusals(service):
    """Record the credit check's refusal once the refused write is rolled back."""

    @functools.wraps(service)
    def wrapped(*args, actor, **kwargs):
        try:
            return service(*args, actor=actor, **kwargs)
        except CreditRefused as refusal:
            credit_refusal_record(actor=actor, refusal=refusal)
            raise

    return wrapped


def _locked(model, pk: int):
    """A document re-read under a row lock (its customer is locked already)."""
    return model.objects.select_for_update().get(pk=pk)


def trading_currency(customer: Customer) -> Currency | None:
    """The currency of the customer's balances: its trading currency, or the base currency."""
    if customer.currency_id:
        return customer.currency
    return Currency.objects.filter(code=settings.KEHU_BASE_CURRENCY).first()


def _currency(customer: Customer, code: str | None) -> Currency:
    """The document's currency: the customer's trading currency, and no other.

    A minimal ledger converts nothing (docs/decisions/0008-sales-ledger.md): a document in
    another currency would make the customer's balance a sum of different money.
    """
    trading = trading_currency(customer)
    if trading is None:
        raise ValidationError(
            {"currency": _("The customer has no trading currency: set one on the customer.")},
            code="no_currency",
        )
    if code not in (None, "") and str(code).strip().upper() != trading.code:
        raise ValidationError(
            {
                "currency": ValidationError(
                    _(
                        "The customer's balances are kept in %(currency)s: a document in "
                        "%(given)s is refused."
                    ),
                    code="currency_mismatch",
                    params={"currency": trading.code, "given": code},
                )
            }
        )
    return trading


def _money(value, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: _("Enter an amount.")}, code="invalid")
    return amount


def _date(value, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationError({field: _("Enter a valid date.")}, code="invalid")
    return value


# References the services have read (and locked) themselves: ``full_clean`` need not look
# them up again.
REFERENCES = ("customer", "currency", "order", "receipt", "invoice", "cancelled_by")


def _validate(document) -> None:
    """The rules of a new or changed document's fields: their validators, ``clean()`` and the
    unique number (one query). Not the references (see ``REFERENCES``), nor the check
    constraints: the database enforces those, and every one of them is also a field's
    validator, a ``clean()`` rule or a figure these services compute themselves, so a
    violation would be a bug, not bad input."""
    document.full_clean(exclude=REFERENCES, validate_constraints=False)


def _save(document, *, update_fields=None) -> None:
    """Write a document validated by ``_validate``, or the service's own figures and
    statuses (``update_fields``), which the database's check constraints guard."""
    document.save(update_fields=update_fields)


def _undone_on(document, on) -> datetime.date:
    """The day a document is cancelled or reversed: today by default; a day given is never
    before the document's own date (aging as of an earlier day counts it as it was)."""
    if on is None:
        return timezone.localdate()
    on = _date(on, "date")
    if on < document.date:
        raise ValidationError(
            {
                "date": ValidationError(
                    _("The document is dated %(date)s: it cannot be undone before that."),
                    code="before_document",
                    params={"date": document.date},
                )
            }
        )
    return on


def _user(actor):
    """The user to record as having done something (None: the system)."""
    return actor if getattr(actor, "pk", None) is not None else None


def _conflict(message, code: str, **params) -> ConflictError:
    return ConflictError(message, code=code, params=params)


# --- orders --------------------------------------------------------------------------------


@_records_credit_refusals
def order_create(
    *,
    actor,
    customer: Customer,
    number: str,
    date: datetime.date,
    amount: Decimal,
    currency: str | None = None,
) -> SalesOrder:
    """Enter an open sales order; it counts in the customer's open order amount.

    The credit check decides first: refused (``CreditRefused``), saved with a warning, or
    saved awaiting approval; ``order.credit_decision`` says which."""
    with transaction.atomic():
        customer = customer_locked(actor, customer.pk)
        order = SalesOrder(
            customer=customer,
            number=(number or "").strip(),
            date=_date(date, "date"),
            amount=_money(amount, "amount"),
            currency=_currency(customer, currency),
        )
        _validate(order)
        decision = credit_control(
            customer=customer,
            amount=order.amount,
            action=CheckAction.CREATE,
            document_kind=DocumentKind.ORDER,
            number=order.number,
            can_hold=True,
        )
        if decision.outcome == HOLD:
            order.status = OrderStatus.AWAITING_APPROVAL
        _save(order)
        figures_refresh(customer)
        credit_decision_record(actor=actor, decision=decision, order=order)
    order.credit_decision = decision
    return order


@_records_credit_refusals
def order_update(*, actor, order: SalesOrder, data: dict) -> SalesOrder:
    """Change an open order's number, date, amount or currency; the amount never below what
    is already invoiced."""
    unknown = sorted(set(data) - set(ORDER_FIELDS))
    if unknown:
        raise ValidationError({key: _("Unknown field.") for key in unknown}, code="unknown_field")
    with transaction.atomic():
        customer = customer_locked(actor, order.customer_id)
        order = _locked(SalesOrder, order.pk)
        if order.status != OrderStatus.OPEN:
            raise _conflict(_("Only an open order can be changed."), "order_not_open")
        left_before = order.amount - order.invoiced_amount
        if "number" in data:
            order.number = (data["number"] or "").strip()
        if "date" in data:
            order.date = _date(data["date"], "date")
        if "amount" in data:
            order.amount = _money(data["amount"], "amount")
            if order.amount < order.invoiced_amount:
                raise ValidationError(
                    {
                        "amount": ValidationError(
                            _(
                                "%(invoiced)s of the order is invoiced already: the amount "
                                "cannot be less."
                            ),
                            code="below_invoiced",
                            params={"invoiced": order.invoiced_amount},
                        )
                    }
                )
        if "currency" in data:
            order.currency = _currency(customer, data["currency"])
        _validate(order)
        decision = _order_credit(customer, order, left_before, CheckAction.UPDATE)
        _save(order)
        figures_refresh(customer)
        credit_decision_record(actor=actor, decision=decision, order=order)
    order.credit_decision = decision
    return order


def _order_credit(customer, order: SalesOrder, left_before, action):
    """Check what the order now adds to the exposure; hold it when the policy wants it
    approved."""
    decision = credit_control(
        customer=customer,
        amount=order.amount - order.invoiced_amount - left_before,
        action=action,
        document_kind=DocumentKind.ORDER,
        number=order.number,
        can_hold=True,
    )
    if decision.outcome == HOLD:
        order.status = OrderStatus.AWAITING_APPROVAL
    return decision


@_records_credit_refusals
def order_reopen(*, actor, order: SalesOrder) -> SalesOrder:
    """Reopen a closed order: what it has left to invoice counts as ordered again, so the
    credit check decides as for a new order."""
    with transaction.atomic():
        customer = customer_locked(actor, order.customer_id)
        order = _locked(SalesOrder, order.pk)
        if order.status != OrderStatus.CLOSED:
            raise _conflict(
                _("The order is %(status)s: only a closed order can be reopened."),
                "order_not_closed",
                status=order.get_status_display(),
            )
        order.status = OrderStatus.OPEN
        decision = _order_credit(customer, order, Decimal("0"), CheckAction.REOPEN)
        _save(order, update_fields=["status", "updated_at"])
        figures_refresh(customer)
        credit_decision_record(actor=actor, decision=decision, order=order)
    order.credit_decision = decision
    return order


def _order_set_status(actor, order: SalesOrder, status: str, on=None) -> SalesOrder:
    with transaction.atomic():
        customer = customer_locked(actor, order.customer_id)
        order = _locked(SalesOrder, order.pk)
        held = order.status == OrderStatus.AWAITING_APPROVAL
        if held and status == OrderStatus.CANCELLED:
            approval_withdraw(actor=actor, order=order)
        elif order.status != OrderStatus.OPEN:
            raise _conflict(
                _("The order is %(status)s: only an open order can be closed or cancelled."),
                "order_not_open",
                status=order.get_status_display(),
            )
        if status == OrderStatus.CANCELLED and order.invoiced_amount:
            raise _conflict(
                _("The order has posted invoices: cancel them first, or close the order."),
                "order_invoiced",
            )
        order.status = status
        fields = ["status", "updated_at"]
        if status == OrderStatus.CANCELLED:
            order.cancelled_on, order.cancelled_by = _undone_on(order, on), _user(actor)
            fields += ["cancelled_on", "cancelled_by"]
        _save(order, update_fields=fields)
        figures_refresh(customer)
    return order


def order_close(*, actor, order: SalesOrder) -> SalesOrder:
    """Close an open order: what is not invoiced no longer counts as ordered."""
    return _order_set_status(actor, order, OrderStatus.CLOSED)


def order_cancel(*, actor, order: SalesOrder, on: datetime.date | None = None) -> SalesOrder:
    """Cancel an open order that has no posted invoice, or one awaiting credit approval
    (its request is withdrawn); the order records the day (``on``, default today) and who."""
    return _order_set_status(actor, order, OrderStatus.CANCELLED, on)


# --- invoices ------------------------------------------------------------------------------


def due_date_for(customer: Customer, date: datetime.date) -> datetime.date:
    """The due date by the customer's terms: its credit period, else its payment terms'
    net days, else the invoice date itself."""
    if customer.credit_days is not None:
        days = customer.credit_days
    elif customer.payment_terms_id:
        days = customer.payment_terms.net_days
    else:
        days = 0
    try:
        return date + datetime.timedelta(days=days)
    except OverflowError:
        raise ValidationError(
            {"date": _("The due date would be past the last date there is.")}, code="invalid"
        ) from None


@_records_credit_refusals
def invoice_post(
    *,
    actor,
    number: str,
    date: datetime.date,
    customer: Customer | None = None,
    order: SalesOrder | None = None,
    amount: Decimal | None = None,
    due_date: datetime.date | None = None,
    currency: str | None = None,
) -> SalesInvoice:
    """Post an invoice, alone or from an open order (for at most what the order has left;
    by default all of it). Without ``due_date`` it is due by the customer's terms.

    An invoice alone adds its amount to the exposure and is checked like an order (but it
    cannot wait for approval); one made from an order adds nothing and is not checked."""
    if customer is None and order is None:
        raise ValidationError({"customer": _("Name the customer or the order.")}, code="required")
    with transaction.atomic():
        customer_id = order.customer_id if order is not None else customer.pk
        if order is not None and customer is not None and customer.pk != order.customer_id:
            raise ValidationError(
                {"order": _("The order is another customer's.")}, code="other_customer"
            )
        customer = customer_locked(actor, customer_id)
        if order is not None:
            order = _locked(SalesOrder, order.pk)
            if order.status != OrderStatus.OPEN:
                raise _conflict(
                    _("The order is %(status)s: only an open order can be invoiced."),
                    "order_not_open",
                    status=order.get_status_display(),
                )
        left = order.amount - order.invoiced_amount if order is not None else None
        amount = left if amount is None and order is not None else _money(amount, "amount")
        date = _date(date, "date")
        invoice = SalesInvoice(
            customer=customer,
            order=order,
            number=(number or "").strip(),
            date=date,
            due_date=due_date_for(customer, date)
            if due_date is None
            else _date(due_date, "due_date"),
            amount=amount,
            open_amount=amount,
            currency=_currency(customer, currency),
        )
        if order is not None and amount > left:
            raise ValidationError(
                {
                    "amount": ValidationError(
                        _("The order has %(left)s left to invoice."),
                        code="above_order",
                        params={"left": left},
                    )
                }
            )
        _validate(invoice)
        decision = PASSED
        if order is None:
            decision = credit_control(
                customer=customer,
                amount=invoice.amount,
                action=CheckAction.CREATE,
                document_kind=DocumentKind.INVOICE,
                number=invoice.number,
                can_hold=False,
            )
        _save(invoice)
        credit_decision_record(actor=actor, decision=decision, invoice=invoice)
        invoice.credit_decision = decision
        if order is not None:
            order.invoiced_amount += amount
            _save(order, update_fields=["invoiced_amount", "updated_at"])
        figures_refresh(customer)
    return invoice


def invoice_cancel(
    *, actor, invoice: SalesInvoice, on: datetime.date | None = None
) -> SalesInvoice:
    """Cancel a posted invoice that no receipt settles (reverse its settlements first); what
    it invoiced of its order counts as ordered again. The invoice records the day (``on``,
    default today; aging as of an earlier day still counts it) and who."""
    with transaction.atomic():
        customer = customer_locked(actor, invoice.customer_id)
        invoice = _locked(SalesInvoice, invoice.pk)
        if invoice.status != InvoiceStatus.POSTED:
            raise _conflict(_("The invoice is cancelled already."), "invoice_cancelled")
        if invoice.settlements.filter(status=SettlementStatus.ACTIVE).exists():
            raise _conflict(
                _("Receipts settle this invoice: reverse those settlements first."),
                "invoice_settled",
            )
        invoice.status = InvoiceStatus.CANCELLED
        invoice.cancelled_on, invoice.cancelled_by = _undone_on(invoice, on), _user(actor)
        _save(invoice, update_fields=["status", "cancelled_on", "cancelled_by", "updated_at"])
        if invoice.order_id:
            order = _locked(SalesOrder, invoice.order_id)
            order.invoiced_amount -= invoice.amount
            _save(order, update_fields=["invoiced_amount", "updated_at"])
        figures_refresh(customer)
    return invoice


# --- receipts and settlements --------------------------------------------------------------


def _apply(
    receipt: Receipt, invoice: SalesInvoice, amount: Decimal, on, prefix="", pending=None
) -> Settlement:
    """Settle ``amount`` of ``invoice`` with ``receipt`` (both locked, of one customer). The
    receipt's unapplied amount is lowered in memory, for the caller to write once after all
    its settlements (``_receipt_applied``). The settlement and the invoice's open amount are
    written now, or — with a ``pending`` list, for a receipt not written yet — appended to it
    for ``_settlements_write``."""
    errors = {}
    if receipt.status != ReceiptStatus.POSTED:
        errors["receipt"] = _("The receipt is reversed.")
    if invoice.status != InvoiceStatus.POSTED:
        errors[f"{prefix}invoice"] = _("The invoice is cancelled.")
    if invoice.customer_id != receipt.customer_id:
        errors[f"{prefix}invoice"] = _("The invoice is another customer's.")
    if errors:
        raise ValidationError(errors, code="invalid")
    amount = _money(amount, f"{prefix}amount")
    limit = min(receipt.unapplied_amount, invoice.open_amount)
    if amount > limit:
        raise ValidationError(
            {
                f"{prefix}amount": ValidationError(
                    _(
                        "At most %(limit)s: the receipt has %(unapplied)s unapplied and the "
                        "invoice %(open)s open."
                    ),
                    code="above_open",
                    params={
                        "limit": limit,
                        "unapplied": receipt.unapplied_amount,
                        "open": invoice.open_amount,
                    },
                )
            }
        )
    earliest = max(receipt.date, invoice.date)
    on = earliest if on is None else _date(on, f"{prefix}date")
    if on < earliest:
        raise ValidationError(
            {f"{prefix}date": _("A settlement is dated on or after its receipt and its invoice.")},
            code="too_early",
        )
    settlement = Settlement(
        customer=receipt.customer, receipt=receipt, invoice=invoice, amount=amount, date=on
    )
    try:
        _validate(settlement)
    except ValidationError as exc:
        raise ValidationError(
            {f"{prefix}{key}": value for key, value in exc.message_dict.items()}
        ) from exc
    invoice.open_amount -= amount
    receipt.unapplied_amount -= amount
    if pending is None:
        _settlements_write([(settlement, invoice)])
    else:
        pending.append((settlement, invoice))
    return settlement


def _settlements_write(settlements) -> None:
    for settlement, invoice in settlements:
        settlement.save()
        _save(invoice, update_fields=["open_amount", "updated_at"])


def _receipt_applied(receipt: Receipt) -> None:
    """Write what ``_apply`` left of the receipt unapplied."""
    _save(receipt, update_fields=["unapplied_amount", "updated_at"])


def _settle_oldest_first(receipt: Receipt, pending: list) -> None:
    """Apply the receipt to the customer's open invoices, the earliest due first (then the
    earliest dated, then by number), until it is used up."""
    invoices = (
        SalesInvoice.objects.select_for_update()
        .filter(customer_id=receipt.customer_id, status=InvoiceStatus.POSTED, open_amount__gt=0)
        .order_by("due_date", "date", "number")
    )
    for invoice in invoices:
        if not receipt.unapplied_amount:
            break
        _apply(
            receipt, invoice, min(receipt.unapplied_amount, invoice.open_amount), None, "", pending
        )


def _settle_listed(receipt: Receipt, allocations, pending: list) -> None:
    read = {}  # an invoice named twice: the second allocation sees what the first left open
    for index, item in enumerate(allocations):
        prefix = f"allocations.{index}."
        number = str(getattr(item, "invoice", None) or item.get("invoice") or "").strip()
        amount = getattr(item, "amount", None) if not isinstance(item, dict) else item.get("amount")
        if number not in read:
            read[number] = (
                SalesInvoice.objects.select_for_update()
                .filter(customer_id=receipt.customer_id, number=number)
                .first()
            )
        invoice = read[number]
        if invoice is None:
            raise ValidationError(
                {
                    f"{prefix}invoice": _("The customer has no invoice %(number)s.")
                    % {"number": number}
                },
                code="not_found",
            )
        if amount is None:
            amount = min(receipt.unapplied_amount, invoice.open_amount)
        _apply(receipt, invoice, amount, None, prefix, pending)


def receipt_post(
    *,
    actor,
    customer: Customer,
    number: str,
    date: datetime.date,
    amount: Decimal,
    currency: str | None = None,
    allocations: list | None = None,
) -> Receipt:
    """Post a receipt and settle invoices with it: oldest first by default, or as
    ``allocations`` lists (``[Allocation(invoice="INV1", amount=...)]`` or dicts; an empty
    list settles nothing). What is not applied stays unapplied on the receipt."""
    with transaction.atomic():
        customer = customer_locked(actor, customer.pk)
        amount = _money(amount, "amount")
        receipt = Receipt(
            customer=customer,
            number=(number or "").strip(),
            date=_date(date, "date"),
            amount=amount,
            unapplied_amount=amount,
            currency=_currency(customer, currency),
        )
        _validate(receipt)
        # Settled first in memory, so that the receipt is written once, with what is left.
        pending = []
        if allocations is None:
            _settle_oldest_first(receipt, pending)
        else:
            _settle_listed(receipt, allocations, pending)
        _save(receipt)
        _settlements_write(pending)
        figures_refresh(customer)
    return receipt


def settlement_create(
    *,
    actor,
    receipt: Receipt,
    invoice: SalesInvoice,
    amount: Decimal | None = None,
    date: datetime.date | None = None,
) -> Settlement:
    """Apply part of a posted receipt to a posted invoice of the same customer; by default
    as much as both allow, dated the later of the two documents."""
    with transaction.atomic():
        customer = customer_locked(actor, receipt.customer_id)
        receipt = _locked(Receipt, receipt.pk)
        invoice = _locked(SalesInvoice, invoice.pk)
        if amount is None:
            amount = min(receipt.unapplied_amount, invoice.open_amount)
            if not amount:
                raise _conflict(
                    _("Nothing to settle: the receipt is used up or the invoice settled."),
                    "nothing_to_settle",
                )
        receipt.customer = customer
        settlement = _apply(receipt, invoice, amount, date)
        _receipt_applied(receipt)
        figures_refresh(customer)
    return settlement


def _undo(settlement: Settlement, on: datetime.date) -> None:
    settlement.status = SettlementStatus.REVERSED
    settlement.reversed_on = on
    _save(settlement, update_fields=["status", "reversed_on", "updated_at"])
    invoice = _locked(SalesInvoice, settlement.invoice_id)
    invoice.open_amount += settlement.amount
    _save(invoice, update_fields=["open_amount", "updated_at"])
    receipt = _locked(Receipt, settlement.receipt_id)
    receipt.unapplied_amount += settlement.amount
    _save(receipt, update_fields=["unapplied_amount", "updated_at"])


def settlement_reverse(
    *, actor, settlement: Settlement, on: datetime.date | None = None
) -> Settlement:
    """Undo a settlement: the invoice is open and the receipt unapplied by its amount again."""
    with transaction.atomic():
        customer = customer_locked(actor, settlement.customer_id)
        settlement = _locked(Settlement, settlement.pk)
        if settlement.status != SettlementStatus.ACTIVE:
            raise _conflict(_("The settlement is reversed already."), "settlement_reversed")
        _undo(settlement, timezone.localdate() if on is None else _date(on, "date"))
        figures_refresh(customer)
    return settlement


def receipt_reverse(*, actor, receipt: Receipt, on: datetime.date | None = None) -> Receipt:
    """Reverse a posted receipt (returned, bounced, entered by mistake): its settlements are
    undone and it no longer counts. The receipt records the day (``on``, default today) and
    who."""
    with transaction.atomic():
        customer = customer_locked(actor, receipt.customer_id)
        receipt = _locked(Receipt, receipt.pk)
        if receipt.status != ReceiptStatus.POSTED:
            raise _conflict(_("The receipt is reversed already."), "receipt_reversed")
        on = _undone_on(receipt, on)
        active = receipt.settlements.select_for_update().filter(status=SettlementStatus.ACTIVE)
        for settlement in active.order_by("pk"):
            _undo(settlement, on)
        receipt = _locked(Receipt, receipt.pk)
        receipt.status = ReceiptStatus.REVERSED
        receipt.reversed_on, receipt.reversed_by = on, _user(actor)
        _save(receipt, update_fields=["status", "reversed_on", "reversed_by", "updated_at"])
        figures_refresh(customer)
    return receipt
