"""The sales API: documents entered, listed, filtered, cancelled and reversed as clients see
them, within the caller's data scope."""

import pytest

from kehu.sales.models import SalesInvoice
from tests.factories import class_tree
from tests.sales.conftest import D


@pytest.fixture
def two(make_customer):
    class_tree("0102")
    return make_customer(), make_customer(class_code="0102")


def test_a_credit_controller_and_a_sales_manager_work_the_ledger_through_the_api(api_as, two):
    mine, _ = two
    manager, controller = api_as("sales manager"), api_as("credit controller")
    order = manager.post(
        "/api/v1/sales-orders",
        {"customer_code": mine.code, "number": "SO1", "date": "2026-01-10", "amount": "500.00"},
    )
    assert order.status_code == 201, order.json()
    assert order.json()["currency"] == "CNY"
    invoice = manager.post(
        "/api/v1/sales-invoices",
        {"order_number": "SO1", "number": "IN1", "date": "2026-01-10", "amount": "300.00"},
    )
    assert invoice.status_code == 201, invoice.json()
    assert invoice.json()["due_date"] == "2026-02-09"  # 30 days' credit
    assert invoice.json()["order_number"] == "SO1"
    receipt = controller.post(
        "/api/v1/receipts",
        {"customer_code": mine.code, "number": "RC1", "date": "2026-01-20", "amount": "120.00"},
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["unapplied_amount"] == "0.00"
    detail = manager.get(f"/api/v1/customers/{mine.pk}").json()
    assert detail["receivable_balance"] == "180.00"
    assert detail["open_order_amount"] == "200.00"

    settlements = controller.get("/api/v1/settlements?receipt=RC1").json()
    assert [(s["invoice"], s["amount"]) for s in settlements["results"]] == [("IN1", "120.00")]
    refused = manager.post("/api/v1/sales-invoices/IN1/cancel")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invoice_settled"
    reversed_ = controller.post("/api/v1/receipts/RC1/reverse", {"on": "2026-01-21"})
    assert reversed_.json()["status"] == "reversed"
    assert manager.post("/api/v1/sales-invoices/IN1/cancel").json()["status"] == "cancelled"
    assert manager.post("/api/v1/sales-orders/SO1/close").json()["status"] == "closed"
    detail = manager.get(f"/api/v1/customers/{mine.pk}").json()
    assert (detail["receivable_balance"], detail["open_order_amount"]) == ("0.00", "0.00")


def test_lists_filter_by_customer_date_and_status_and_paginate(api_as, two):
    mine, theirs = two
    admin = api_as("administrator")
    for n, (who, day) in enumerate([(mine, "01"), (mine, "15"), (theirs, "20")]):
        response = admin.post(
            "/api/v1/sales-invoices",
            {
                "customer_code": who.code,
                "number": f"IN{n}",
                "date": f"2026-03-{day}",
                "amount": "10.00",
            },
        )
        assert response.status_code == 201
    admin.post("/api/v1/sales-invoices/IN0/cancel")

    def numbers(query):
        return [
            row["number"] for row in admin.get(f"/api/v1/sales-invoices?{query}").json()["results"]
        ]

    assert numbers(f"customer={mine.code}") == ["IN1", "IN0"]  # latest first
    assert numbers("date_from=2026-03-10&date_to=2026-03-31") == ["IN2", "IN1"]
    assert numbers("status=cancelled") == ["IN0"]
    page = admin.get("/api/v1/sales-invoices?page_size=2&page=2").json()
    assert (page["count"], [r["number"] for r in page["results"]]) == (3, ["IN0"])
    assert admin.get("/api/v1/sales-invoices?status=lost").status_code == 422


def test_documents_of_customers_outside_the_scope_answer_like_missing_ones(api_as, two):
    mine, theirs = two
    api_as("administrator").post(
        "/api/v1/sales-orders",
        {"customer_code": theirs.code, "number": "SO9", "date": "2026-01-10", "amount": "9.00"},
    )
    scoped = api_as("sales manager", scope={"scope": "classes", "scope_classes": ["0101"]})
    assert scoped.get("/api/v1/sales-orders").json()["count"] == 0
    missing = scoped.get("/api/v1/sales-orders/NOPE")
    hidden = scoped.get("/api/v1/sales-orders/SO9")
    assert hidden.status_code == missing.status_code == 404
    assert scoped.post("/api/v1/sales-orders/SO9/cancel").status_code == 404
    refused = scoped.post(
        "/api/v1/sales-orders",
        {"customer_code": theirs.code, "number": "SO10", "date": "2026-01-10", "amount": "1.00"},
    )
    assert refused.status_code == 404
    assert mine.code  # the scoped user's own class


def test_bad_input_is_refused_per_field(api_as, two):
    mine, _ = two
    admin = api_as("administrator")
    body = {"customer_code": mine.code, "number": "IN1", "date": "2026-01-10", "amount": "10.00"}
    assert admin.post("/api/v1/sales-invoices", body).status_code == 201

    duplicate = admin.post("/api/v1/sales-invoices", body)
    assert duplicate.status_code == 409
    assert "number" in duplicate.json()["errors"]
    currency = admin.post("/api/v1/sales-invoices", {**body, "number": "IN2", "currency": "USD"})
    assert currency.status_code == 422
    assert "kept in CNY" in currency.json()["errors"]["currency"][0]
    due = admin.post("/api/v1/sales-invoices", {**body, "number": "IN3", "due_date": "2026-01-01"})
    assert "due_date" in due.json()["errors"]
    zero = admin.post("/api/v1/sales-invoices", {**body, "number": "IN4", "amount": "0"})
    assert zero.status_code == 422 and "amount" in zero.json()["errors"]
    cents = admin.post("/api/v1/sales-invoices", {**body, "number": "IN5", "amount": "1.001"})
    assert cents.status_code == 422 and "amount" in cents.json()["errors"]
    slash = admin.post("/api/v1/sales-invoices", {**body, "number": "IN/6"})
    assert slash.status_code == 422 and "number" in slash.json()["errors"]
    too_much = admin.post(
        "/api/v1/receipts",
        {
            "customer_code": mine.code,
            "number": "RC1",
            "date": "2026-01-10",
            "amount": "50.00",
            "allocations": [{"invoice": "IN1", "amount": "10.01"}],
        },
    )
    assert too_much.status_code == 422
    assert "allocations.0.amount" in too_much.json()["errors"]
    assert list(SalesInvoice.objects.values_list("number", "open_amount")) == [("IN1", D("10"))]
