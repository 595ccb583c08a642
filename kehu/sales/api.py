"""Sales document endpoints (SPEC §4): orders, invoices, receipts and settlements.

Reads go through ``kehu.sales.selectors`` (the data scope applies: a document of a customer
the caller may not see answers 404 like a missing one); writes through
``kehu.sales.services``. Documents are never deleted: cancel, close and reverse are actions.
"""

from ninja import Query, Router, Status

from kehu.core.api.auth import requires
from kehu.core.api.errors import mark_read_only, with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import PageParams, page_schema, paginate
from kehu.core.api.schemas import ObjectId
from kehu.customers.selectors import customers_visible_to
from kehu.sales import selectors, services
from kehu.sales.schemas import (
    CancelIn,
    InvoiceFilter,
    InvoiceIn,
    InvoiceOut,
    OrderFilter,
    OrderIn,
    OrderOut,
    OrderPatch,
    ReceiptFilter,
    ReceiptIn,
    ReceiptOut,
    ReverseIn,
    SettlementFilter,
    SettlementIn,
    SettlementOut,
    document_out,
    settlement_out,
)

mark_read_only("invoiced_amount", "open_amount", "unapplied_amount", "customer_name")

router = Router()
orders = Router(tags=["sales orders"])
invoices = Router(tags=["sales invoices"])
receipts = Router(tags=["receipts"])
settlements = Router(tags=["settlements"])


def _customer(request, code: str):
    return get_or_404(customers_visible_to(request.user), code=code)


# Orders -------------------------------------------------------------------------------------


def _order(request, number: str):
    return get_or_404(selectors.orders_visible_to(request.user), number=number)


@orders.get(
    "",
    response=with_errors({200: page_schema(OrderOut)}),
    auth=requires("sales.view_salesorder"),
    summary="List sales orders",
)
def order_list(request, filters: Query[OrderFilter], page: Query[PageParams]):
    return paginate(filters.apply(selectors.orders_visible_to(request.user)), page, document_out)


@orders.post(
    "",
    response=with_errors({201: OrderOut}),
    auth=requires("sales.add_salesorder"),
    summary="Enter a sales order",
    description="The credit check (SPEC §5) decides first: 409 `credit_refused` (or "
    "`credit_cash_only`) with the explanation, or 201 with `credit_warning` set when it warns "
    "or holds the order `awaiting_approval` for a credit controller.",
)
def order_create(request, payload: OrderIn):
    order = services.order_create(
        actor=request.user,
        customer=_customer(request, payload.customer_code),
        number=payload.number,
        date=payload.date,
        amount=payload.amount,
        currency=payload.currency,
    )
    return Status(201, document_out(_order(request, order.number), order.credit_decision))


@orders.get(
    "/{number}",
    response=with_errors({200: OrderOut}),
    auth=requires("sales.view_salesorder"),
    summary="Get a sales order by its number",
)
def order_get(request, number: str):
    return document_out(_order(request, number))


@orders.patch(
    "/{number}",
    response=with_errors({200: OrderOut}),
    auth=requires("sales.change_salesorder"),
    summary="Change an open sales order",
)
def order_patch(request, number: str, payload: OrderPatch):
    order = services.order_update(
        actor=request.user,
        order=_order(request, number),
        data=payload.model_dump(exclude_unset=True),
    )
    return document_out(_order(request, order.number), order.credit_decision)


@orders.post(
    "/{number}/reopen",
    response=with_errors({200: OrderOut}),
    auth=requires("sales.change_salesorder"),
    summary="Reopen a closed order (the credit check decides as for a new order)",
)
def order_reopen(request, number: str):
    order = services.order_reopen(actor=request.user, order=_order(request, number))
    return document_out(_order(request, number), order.credit_decision)


@orders.post(
    "/{number}/close",
    response=with_errors({200: OrderOut}),
    auth=requires("sales.change_salesorder"),
    summary="Close an open order: what is not invoiced no longer counts as ordered",
)
def order_close(request, number: str):
    services.order_close(actor=request.user, order=_order(request, number))
    return document_out(_order(request, number))


@orders.post(
    "/{number}/cancel",
    response=with_errors({200: OrderOut}),
    auth=requires("sales.change_salesorder"),
    summary="Cancel an open order that has no posted invoice, or one awaiting approval",
)
def order_cancel(request, number: str, when: Query[CancelIn]):
    services.order_cancel(actor=request.user, order=_order(request, number), on=when.on)
    return document_out(_order(request, number))


# Invoices -----------------------------------------------------------------------------------


def _invoice(request, number: str):
    return get_or_404(selectors.invoices_visible_to(request.user), number=number)


@invoices.get(
    "",
    response=with_errors({200: page_schema(InvoiceOut)}),
    auth=requires("sales.view_salesinvoice"),
    summary="List sales invoices",
)
def invoice_list(request, filters: Query[InvoiceFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.invoices_visible_to(request.user))
    return paginate(queryset, page, document_out)


@invoices.post(
    "",
    response=with_errors({201: InvoiceOut}),
    auth=requires("sales.add_salesinvoice"),
    summary="Post a sales invoice, alone or from an open order",
)
def invoice_create(request, payload: InvoiceIn):
    invoice = services.invoice_post(
        actor=request.user,
        customer=_customer(request, payload.customer_code) if payload.customer_code else None,
        order=_order(request, payload.order_number) if payload.order_number else None,
        number=payload.number,
        date=payload.date,
        amount=payload.amount,
        due_date=payload.due_date,
        currency=payload.currency,
    )
    return Status(201, document_out(_invoice(request, invoice.number), invoice.credit_decision))


@invoices.get(
    "/{number}",
    response=with_errors({200: InvoiceOut}),
    auth=requires("sales.view_salesinvoice"),
    summary="Get a sales invoice by its number",
)
def invoice_get(request, number: str):
    return document_out(_invoice(request, number))


@invoices.post(
    "/{number}/cancel",
    response=with_errors({200: InvoiceOut}),
    auth=requires("sales.change_salesinvoice"),
    summary="Cancel a posted invoice that no receipt settles",
)
def invoice_cancel(request, number: str, when: Query[CancelIn]):
    services.invoice_cancel(actor=request.user, invoice=_invoice(request, number), on=when.on)
    return document_out(_invoice(request, number))


# Receipts -----------------------------------------------------------------------------------


def _receipt(request, number: str):
    return get_or_404(selectors.receipts_visible_to(request.user), number=number)


@receipts.get(
    "",
    response=with_errors({200: page_schema(ReceiptOut)}),
    auth=requires("sales.view_receipt"),
    summary="List receipts",
)
def receipt_list(request, filters: Query[ReceiptFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.receipts_visible_to(request.user))
    return paginate(queryset, page, document_out)


@receipts.post(
    "",
    response=with_errors({201: ReceiptOut}),
    auth=requires("sales.add_receipt", "sales.add_settlement"),
    summary="Post a receipt and settle invoices with it (earliest due first, or as listed)",
)
def receipt_create(request, payload: ReceiptIn):
    allocations = None
    if payload.allocations is not None:
        allocations = [
            services.Allocation(invoice=item.invoice, amount=item.amount)
            for item in payload.allocations
        ]
    receipt = services.receipt_post(
        actor=request.user,
        customer=_customer(request, payload.customer_code),
        number=payload.number,
        date=payload.date,
        amount=payload.amount,
        currency=payload.currency,
        allocations=allocations,
    )
    return Status(201, document_out(_receipt(request, receipt.number)))


@receipts.get(
    "/{number}",
    response=with_errors({200: ReceiptOut}),
    auth=requires("sales.view_receipt"),
    summary="Get a receipt by its number",
)
def receipt_get(request, number: str):
    return document_out(_receipt(request, number))


@receipts.post(
    "/{number}/reverse",
    response=with_errors({200: ReceiptOut}),
    auth=requires("sales.change_receipt", "sales.change_settlement"),
    summary="Reverse a receipt: its settlements are undone",
)
def receipt_reverse(request, number: str, payload: ReverseIn | None = None):
    on = payload.on if payload else None
    services.receipt_reverse(actor=request.user, receipt=_receipt(request, number), on=on)
    return document_out(_receipt(request, number))


# Settlements --------------------------------------------------------------------------------


def _settlement(request, id: int):
    return get_or_404(selectors.settlements_visible_to(request.user), pk=id)


@settlements.get(
    "",
    response=with_errors({200: page_schema(SettlementOut)}),
    auth=requires("sales.view_settlement"),
    summary="List settlements",
)
def settlement_list(request, filters: Query[SettlementFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.settlements_visible_to(request.user))
    return paginate(queryset, page, settlement_out)


@settlements.post(
    "",
    response=with_errors({201: SettlementOut}),
    auth=requires("sales.add_settlement"),
    summary="Settle an invoice with a receipt of the same customer",
)
def settlement_create(request, payload: SettlementIn):
    settlement = services.settlement_create(
        actor=request.user,
        receipt=_receipt(request, payload.receipt),
        invoice=_invoice(request, payload.invoice),
        amount=payload.amount,
        date=payload.date,
    )
    return Status(201, settlement_out(_settlement(request, settlement.pk)))


@settlements.get(
    "/{id}",
    response=with_errors({200: SettlementOut}),
    auth=requires("sales.view_settlement"),
    summary="Get a settlement",
)
def settlement_get(request, id: ObjectId):
    return settlement_out(_settlement(request, id))


@settlements.post(
    "/{id}/reverse",
    response=with_errors({200: SettlementOut}),
    auth=requires("sales.change_settlement"),
    summary="Reverse a settlement: the invoice is open and the receipt unapplied again",
)
def settlement_reverse(request, id: ObjectId, payload: ReverseIn | None = None):
    on = payload.on if payload else None
    services.settlement_reverse(actor=request.user, settlement=_settlement(request, id), on=on)
    return settlement_out(_settlement(request, id))


router.add_router("/sales-orders", orders)
router.add_router("/sales-invoices", invoices)
router.add_router("/receipts", receipts)
router.add_router("/settlements", settlements)
