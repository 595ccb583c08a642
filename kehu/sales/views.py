"""Web pages of the sales documents (SPEC §4): lists, entry forms, an order's page with its
credit history, and the cancel / close / reopen / reverse actions.

The views parse and render; every write goes through ``kehu.sales.services`` — where the
credit check of SPEC §5 runs — and its errors are shown on the page: field errors next to
their field, a credit refusal as its explanation above the form.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.core.permissions import requires_permissions
from kehu.credit import selectors as credit_selectors
from kehu.credit.checks import CreditRefused, explanation_lines
from kehu.credit.services import HOLD, WARN
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.sales import selectors, services
from kehu.sales.choices import InvoiceStatus, OrderStatus, ReceiptStatus
from kehu.sales.forms import (
    InvoiceForm,
    OrderChangeForm,
    OrderForm,
    ReceiptForm,
    SettleMode,
    show_errors,
    suggested_number,
    today,
)
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder

PAGE_SIZE = 50
VIEW_ORDER, CHANGE_ORDER = "sales.view_salesorder", "sales.change_salesorder"
VIEW_INVOICE, CHANGE_INVOICE = "sales.view_salesinvoice", "sales.change_salesinvoice"
VIEW_RECEIPT = "sales.view_receipt"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _filtered(request, queryset, statuses):
    """The list's filters: a customer's code, a status."""
    code = request.GET.get("customer", "").strip()[:30]
    status = request.GET.get("status", "")
    if code:
        queryset = queryset.filter(customer__code=code)
    if status in dict(statuses):
        queryset = queryset.filter(status=status)
    return queryset, {"customer": code, "status": status, "statuses": statuses}


def _customer(request, code: str) -> Customer | None:
    return customers_visible_to(request.user).filter(code=code.strip()).first()


def _order(request, number: str) -> SalesOrder:
    order = selectors.orders_visible_to(request.user).filter(number=number).first()
    if order is None:
        raise Http404(_("There is no sales order %(number)s.") % {"number": number})
    return order


def _refusal(exc: ConflictError) -> list[str]:
    """The lines a refusal shows: a credit refusal's explanation, or its message."""
    if isinstance(exc, CreditRefused):
        return exc.errors["__all__"]
    return [str(exc)]


def _credit_message(request, decision) -> None:
    if decision.outcome == HOLD:
        messages.warning(
            request,
            _("Held for credit approval: %(why)s") % {"why": decision.message},
        )
    elif decision.outcome == WARN:
        messages.warning(
            request, _("Saved with a credit warning: %(why)s") % {"why": decision.message}
        )


# --- orders ---------------------------------------------------------------------------------


@requires_permissions({"GET": (VIEW_ORDER,)})
def order_list(request):
    queryset, filters = _filtered(
        request, selectors.orders_visible_to(request.user), OrderStatus.choices
    )
    return render(
        request,
        "sales/order_list.html",
        {"page_obj": _page(request, queryset), "filters": filters, "tab": "orders"},
    )


@requires_permissions({"GET": ("sales.add_salesorder",), "POST": ("sales.add_salesorder",)})
def order_create(request):
    refusal = None
    if request.method == "POST":
        form = OrderForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            customer = _customer(request, data["customer_code"])
            if customer is None:
                form.add_error("customer_code", _("You have no customer with this code."))
            else:
                try:
                    order = services.order_create(
                        actor=request.user,
                        customer=customer,
                        number=data["number"],
                        date=data["date"],
                        amount=data["amount"],
                    )
                except ValidationError as exc:
                    show_errors(form, exc, {"customer": "customer_code"})
                except ConflictError as exc:
                    refusal = _refusal(exc)
                else:
                    if order.credit_decision.outcome not in (HOLD, WARN):
                        messages.success(
                            request, _("Order %(number)s entered.") % {"number": order.number}
                        )
                    _credit_message(request, order.credit_decision)
                    return redirect("sales:order_detail", number=order.number)
    else:
        form = OrderForm(
            initial={
                "customer_code": request.GET.get("customer", "")[:30],
                "number": suggested_number(SalesOrder, "SO"),
                "date": today(),
            }
        )
    return render(
        request,
        "sales/document_form.html",
        {"form": form, "refusal": refusal, "title": _("New sales order"), "tab": "orders"},
    )


@requires_permissions({"GET": (VIEW_ORDER,)})
def order_detail(request, number):
    order = _order(request, number)
    events = credit_selectors.events_visible_to(request.user).filter(order=order)
    approvals = credit_selectors.approvals_visible_to(request.user).filter(order=order)
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "invoices": order.invoices.order_by("date", "number"),
            "events": [(event, explanation_lines(event.details)) for event in events],
            "pending": next((a for a in approvals if a.status == "pending"), None),
            "approvals": approvals,
            "tab": "orders",
            "Status": OrderStatus,
        },
    )


@requires_permissions({"GET": (CHANGE_ORDER,), "POST": (CHANGE_ORDER,)})
def order_edit(request, number):
    order = _order(request, number)
    refusal = None
    if request.method == "POST":
        form = OrderChangeForm(request.POST)
        if form.is_valid():
            try:
                order = services.order_update(
                    actor=request.user, order=order, data=form.cleaned_data
                )
            except ValidationError as exc:
                show_errors(form, exc)
            except ConflictError as exc:
                refusal = _refusal(exc)
            else:
                if order.credit_decision.outcome not in (HOLD, WARN):
                    messages.success(request, _("Order %(number)s changed.") % {"number": number})
                _credit_message(request, order.credit_decision)
                return redirect("sales:order_detail", number=order.number)
    else:
        form = OrderChangeForm(initial={"date": order.date, "amount": order.amount})
    title = _("Change order %(number)s") % {"number": order.number}
    return render(
        request,
        "sales/document_form.html",
        {"form": form, "refusal": refusal, "title": title, "tab": "orders", "order": order},
    )


ORDER_ACTIONS = {
    "close": (services.order_close, _("Order %(number)s closed.")),
    "cancel": (services.order_cancel, _("Order %(number)s cancelled.")),
    "reopen": (services.order_reopen, _("Order %(number)s reopened.")),
}


@requires_permissions({"GET": (CHANGE_ORDER,), "POST": (CHANGE_ORDER,)})
def order_action(request, number, action):
    order = _order(request, number)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    service, done = ORDER_ACTIONS[action]
    try:
        changed = service(actor=request.user, order=order)
    except ConflictError as exc:
        for line in _refusal(exc):
            messages.error(request, line)
    else:
        decision = getattr(changed, "credit_decision", None)
        if decision is None or decision.outcome not in (HOLD, WARN):
            messages.success(request, done % {"number": number})
        else:
            _credit_message(request, decision)
    return redirect("sales:order_detail", number=number)


# --- invoices -------------------------------------------------------------------------------


@requires_permissions({"GET": (VIEW_INVOICE,)})
def invoice_list(request):
    queryset, filters = _filtered(
        request, selectors.invoices_visible_to(request.user), InvoiceStatus.choices
    )
    return render(
        request,
        "sales/invoice_list.html",
        {"page_obj": _page(request, queryset), "filters": filters, "tab": "invoices"},
    )


@requires_permissions({"GET": ("sales.add_salesinvoice",), "POST": ("sales.add_salesinvoice",)})
def invoice_create(request):
    refusal = None
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            order = customer = None
            if data["order_number"]:
                order = (
                    selectors.orders_visible_to(request.user)
                    .filter(number=data["order_number"].strip())
                    .first()
                )
                if order is None:
                    form.add_error("order_number", _("You have no order with this number."))
            if data["customer_code"]:
                customer = _customer(request, data["customer_code"])
                if customer is None:
                    form.add_error("customer_code", _("You have no customer with this code."))
            if not form.errors:
                try:
                    invoice = services.invoice_post(
                        actor=request.user,
                        customer=customer,
                        order=order,
                        number=data["number"],
                        date=data["date"],
                        amount=data["amount"],
                        due_date=data["due_date"],
                    )
                except ValidationError as exc:
                    show_errors(form, exc, {"customer": "customer_code", "order": "order_number"})
                except ConflictError as exc:
                    refusal = _refusal(exc)
                else:
                    messages.success(
                        request, _("Invoice %(number)s posted.") % {"number": invoice.number}
                    )
                    _credit_message(request, invoice.credit_decision)
                    return redirect(
                        reverse("sales:invoice_list") + f"?customer={invoice.customer.code}"
                    )
    else:
        form = InvoiceForm(
            initial={
                "order_number": request.GET.get("order", "")[:30],
                "number": suggested_number(SalesInvoice, "IN"),
                "date": today(),
            }
        )
    return render(
        request,
        "sales/document_form.html",
        {"form": form, "refusal": refusal, "title": _("New sales invoice"), "tab": "invoices"},
    )


@requires_permissions({"GET": (CHANGE_INVOICE,), "POST": (CHANGE_INVOICE,)})
def invoice_cancel(request, number):
    invoice = selectors.invoices_visible_to(request.user).filter(number=number).first()
    if invoice is None:
        raise Http404(_("There is no sales invoice %(number)s.") % {"number": number})
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.invoice_cancel(actor=request.user, invoice=invoice)
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invoice %(number)s cancelled.") % {"number": number})
    return redirect(reverse("sales:invoice_list") + f"?customer={invoice.customer.code}")


# --- receipts -------------------------------------------------------------------------------


@requires_permissions({"GET": (VIEW_RECEIPT,)})
def receipt_list(request):
    queryset, filters = _filtered(
        request, selectors.receipts_visible_to(request.user), ReceiptStatus.choices
    )
    page = _page(request, queryset)
    settled = {}
    for settlement in (
        selectors.settlements_visible_to(request.user)
        .filter(receipt__in=[r.pk for r in page.object_list])
        .order_by("pk")
    ):
        settled.setdefault(settlement.receipt_id, []).append(settlement)
    for receipt in page.object_list:
        receipt.settled = settled.get(receipt.pk, [])
    return render(
        request,
        "sales/receipt_list.html",
        {"page_obj": page, "filters": filters, "tab": "receipts"},
    )


RECEIPT_PERMS = ("sales.add_receipt", "sales.add_settlement")


@requires_permissions({"GET": RECEIPT_PERMS, "POST": RECEIPT_PERMS})
def receipt_create(request):
    refusal = None
    if request.method == "POST":
        form = ReceiptForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            customer = _customer(request, data["customer_code"])
            if customer is None:
                form.add_error("customer_code", _("You have no customer with this code."))
            else:
                allocations = {
                    SettleMode.OLDEST: None,
                    SettleMode.LISTED: data["allocations"],
                    SettleMode.NONE: [],
                }[data["settle"]]
                try:
                    receipt = services.receipt_post(
                        actor=request.user,
                        customer=customer,
                        number=data["number"],
                        date=data["date"],
                        amount=data["amount"],
                        allocations=allocations,
                    )
                except ValidationError as exc:
                    show_errors(form, exc, {"customer": "customer_code"})
                except ConflictError as exc:
                    refusal = _refusal(exc)
                else:
                    messages.success(
                        request, _("Receipt %(number)s posted.") % {"number": receipt.number}
                    )
                    return redirect(reverse("sales:receipt_list") + f"?customer={customer.code}")
    else:
        form = ReceiptForm(
            initial={
                "customer_code": request.GET.get("customer", "")[:30],
                "number": suggested_number(Receipt, "RC"),
                "date": today(),
                "settle": SettleMode.OLDEST,
            }
        )
    return render(
        request,
        "sales/document_form.html",
        {"form": form, "refusal": refusal, "title": _("New receipt"), "tab": "receipts"},
    )


REVERSE_PERMS = ("sales.change_receipt", "sales.change_settlement")


@requires_permissions({"GET": REVERSE_PERMS, "POST": REVERSE_PERMS})
def receipt_reverse(request, number):
    receipt = selectors.receipts_visible_to(request.user).filter(number=number).first()
    if receipt is None:
        raise Http404(_("There is no receipt %(number)s.") % {"number": number})
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.receipt_reverse(actor=request.user, receipt=receipt)
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Receipt %(number)s reversed.") % {"number": number})
    return redirect(reverse("sales:receipt_list") + f"?customer={receipt.customer.code}")


@requires_permissions({"GET": ("sales.change_settlement",), "POST": ("sales.change_settlement",)})
def settlement_reverse(request, pk):
    settlement = selectors.settlements_visible_to(request.user).filter(pk=pk).first()
    if settlement is None:
        raise Http404(_("There is no such settlement."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.settlement_reverse(actor=request.user, settlement=settlement)
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Settlement of %(invoice)s by %(receipt)s reversed.")
            % {"invoice": settlement.invoice.number, "receipt": settlement.receipt.number},
        )
    return redirect(reverse("sales:receipt_list") + f"?customer={settlement.customer.code}")
