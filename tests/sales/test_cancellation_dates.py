"""Cancelling an order or an invoice, reversing a receipt, records the day and who on the
document: shown on the pages and in the API, and read by aging as of a date."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.sales import services
from kehu.sales.aging import aging_by_customer
from tests.api.asserts import assert_error
from tests.sales.conftest import D

JAN5, MAR1, APR1 = datetime.date(2026, 1, 5), datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)


def _aging(customer, as_of):
    return aging_by_customer(Customer.objects.filter(pk=customer.pk), as_of).get(customer.pk)


@pytest.fixture
def clerk(db):
    return user_create(
        username="clerk", password="Kehu-user-2026", roles=["sales manager"], scope="all"
    )


def test_aging_reads_the_day_of_the_cancellation_not_of_the_last_change(make_customer, clerk):
    c = make_customer()
    invoice = services.invoice_post(
        actor=None, customer=c, number="I1", date=JAN5, due_date=JAN5, amount=D("800")
    )

    # entered today, dated the first of March (as the paper says)
    services.invoice_cancel(actor=clerk, invoice=invoice, on=MAR1)

    invoice.refresh_from_db()
    assert (invoice.cancelled_on, invoice.cancelled_by) == (MAR1, clerk)
    assert _aging(c, datetime.date(2026, 2, 28)).by_key["days_31_60"] == D("800")
    assert _aging(c, MAR1) is None  # cancelled during that day
    assert _aging(c, datetime.date(2026, 3, 15)) is None


def test_a_reversed_receipt_counts_until_the_day_of_its_reversal(make_customer, clerk):
    c = make_customer()
    receipt = services.receipt_post(
        actor=None, customer=c, number="R1", date=JAN5, amount=D("90"), allocations=[]
    )

    services.receipt_reverse(actor=clerk, receipt=receipt, on=MAR1)

    receipt.refresh_from_db()
    assert (receipt.reversed_on, receipt.reversed_by) == (MAR1, clerk)
    assert _aging(c, datetime.date(2026, 2, 28)).balance == D("-90")
    assert _aging(c, MAR1) is None


def test_a_cancellation_is_not_dated_before_its_document(make_customer):
    c = make_customer()
    invoice = services.invoice_post(
        actor=None, customer=c, number="I1", date=MAR1, due_date=MAR1, amount=D("8")
    )

    with pytest.raises(ValidationError) as refused:
        services.invoice_cancel(actor=None, invoice=invoice, on=JAN5)

    assert refused.value.message_dict["date"]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.cancelled_on) == ("posted", None)


def test_the_api_shows_the_day_and_who(api_as, make_customer):
    c = make_customer()
    manager = api_as("sales manager")
    for number in ("SO1", "SO2"):
        services.order_create(actor=None, customer=c, number=number, date=JAN5, amount=D("5"))
    services.invoice_post(actor=None, customer=c, number="I1", date=JAN5, amount=D("8"))
    services.receipt_post(
        actor=None, customer=c, number="R1", date=JAN5, amount=D("3"), allocations=[]
    )

    order = manager.post("/api/v1/sales-orders/SO1/cancel?on=2026-02-01").json()
    invoice = manager.post("/api/v1/sales-invoices/I1/cancel?on=2026-02-02").json()
    receipt = api_as("credit controller").post("/api/v1/receipts/R1/reverse", {}).json()

    assert (order["cancelled_on"], invoice["cancelled_on"]) == ("2026-02-01", "2026-02-02")
    assert order["cancelled_by"] == invoice["cancelled_by"] and order["cancelled_by"]
    assert receipt["reversed_on"] and receipt["reversed_by"]
    assert manager.get("/api/v1/sales-orders/SO2").json()["cancelled_on"] is None
    assert_error(
        manager.post("/api/v1/sales-orders/SO2/cancel?on=2025-12-31"),
        422,
        "validation_error",
        field="date",
        says="cannot be undone before",
    )


def test_the_pages_show_the_day_and_who(client, make_customer, clerk):
    c = make_customer()
    order = services.order_create(actor=None, customer=c, number="SO1", date=JAN5, amount=D("5"))
    invoice = services.invoice_post(actor=None, customer=c, number="I1", date=JAN5, amount=D("8"))
    services.order_cancel(actor=clerk, order=order, on=MAR1)
    services.invoice_cancel(actor=clerk, invoice=invoice, on=APR1)
    client.force_login(clerk)

    detail = client.get("/sales/orders/SO1/").content.decode()
    invoices = client.get("/sales/invoices/").content.decode()

    assert "on 2026-03-01 by clerk" in detail
    assert "on 2026-04-01 by clerk" in invoices
