"""The sales and credit pages as a user sees them: entry forms, refusals that explain
themselves, holds, the approval page, settlement of receipts, cancel and reverse."""

import pytest
from django.test import Client

from kehu.credit.choices import ApprovalStatus
from kehu.credit.models import CreditApproval, CreditPolicy
from kehu.customers.models import Customer
from kehu.sales import services as sales
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder
from tests.credit.conftest import D, days_ago, today


@pytest.fixture
def browser(users):
    def login(name):
        client = Client()
        client.force_login(users[name])
        return client

    return login


def _text(response) -> str:
    return response.content.decode()


def test_an_order_above_the_limit_is_refused_on_the_page_with_its_reasons(
    browser, make_customer, policy
):
    policy("block", tolerance=5)
    c = make_customer(control_credit_days=True)
    sales.invoice_post(actor=None, customer=c, number="OLD1", date=days_ago(60), amount=D("400"))
    admin = browser("admin")

    page = admin.post(
        "/sales/orders/new/",
        {"customer_code": c.code, "number": "SO1", "date": today().isoformat(), "amount": "700"},
    )

    assert page.status_code == 200
    text = _text(page)
    assert 'id="credit-refusal"' in text
    assert "Credit limit 1000.00 CNY exceeded by 100.00 CNY" in text
    assert "receivables 400.00 + open orders 0.00 + this document 700.00" in text
    assert f"OLD1 due {days_ago(30).isoformat()}, 400.00 open, 30 days overdue" in text
    assert not SalesOrder.objects.exists()
    events = admin.get("/credit/events/?kind=refusal")
    assert "SO1" in _text(events) and "exceeded by 100.00" in _text(events)


def test_a_held_order_is_approved_on_the_approval_page(browser, make_customer, policy):
    policy("approval")
    c = make_customer()
    entered = browser("admin").post(
        "/sales/orders/new/",
        {"customer_code": c.code, "number": "SO1", "date": today().isoformat(), "amount": "1500"},
        follow=True,
    )
    assert "Held for credit approval" in _text(entered)
    assert "awaiting credit approval" in _text(entered)
    controller = browser("controller")
    queue = controller.get("/credit/approvals/")
    assert "SO1" in _text(queue) and "exceeded by 500.00" in _text(queue)
    approval = CreditApproval.objects.get()

    junior = browser("junior").post(f"/credit/approvals/{approval.pk}/", {"decision": "approve"})
    assert "above your approval amount 100.00" in _text(junior)
    done = controller.post(
        f"/credit/approvals/{approval.pk}/",
        {"decision": "approve", "note": "已收保证金"},
        follow=True,
    )

    assert "Order SO1 approved." in _text(done)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    history = _text(controller.get("/sales/orders/SO1/"))
    assert history.index("approved") < history.index("held for approval")
    assert "已收保证金" in history and "controller" in history
    assert "refusal" in history  # the junior's attempt is on record too


def test_a_salesperson_cannot_open_the_decision(browser, make_customer, policy):
    policy("approval")
    sales.order_create(
        actor=None, customer=make_customer(), number="SO1", date=today(), amount=D("5000")
    )
    approval = CreditApproval.objects.get()
    seller = browser("seller")
    assert seller.post(
        f"/credit/approvals/{approval.pk}/", {"decision": "approve"}
    ).status_code in (
        403,
        404,
    )
    assert CreditApproval.objects.get().status == ApprovalStatus.PENDING


def test_orders_are_changed_closed_reopened_and_cancelled(browser, make_customer, policy):
    policy("warn")
    c = make_customer()
    admin = browser("admin")
    admin.post(
        "/sales/orders/new/",
        {"customer_code": c.code, "number": "SO1", "date": today().isoformat(), "amount": "100"},
    )
    changed = admin.post(
        "/sales/orders/SO1/edit/",
        {"date": today().isoformat(), "amount": "1300"},
        follow=True,
    )
    assert "Saved with a credit warning" in _text(changed)
    assert "exceeded by 300.00" in _text(changed)
    admin.post("/sales/orders/SO1/close/")
    assert SalesOrder.objects.get().status == "closed"
    admin.post("/sales/orders/SO1/reopen/")
    assert SalesOrder.objects.get().status == "open"
    admin.post("/sales/orders/SO1/cancel/")
    assert SalesOrder.objects.get().status == "cancelled"
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("0")


def test_invoices_and_receipts_with_settlement_oldest_first_or_listed(browser, make_customer):
    c = make_customer()
    admin = browser("admin")
    for number, date in (("IN1", days_ago(20)), ("IN2", days_ago(10))):
        made = admin.post(
            "/sales/invoices/new/",
            {"customer_code": c.code, "number": number, "date": date.isoformat(), "amount": "100"},
        )
        assert made.status_code == 302, _text(made)
    missing_amount = admin.post(
        "/sales/invoices/new/",
        {"customer_code": c.code, "number": "IN3", "date": today().isoformat()},
    )
    assert "Enter the amount of an invoice without an order." in _text(missing_amount)

    admin.post(
        "/sales/receipts/new/",
        {
            "customer_code": c.code,
            "number": "R1",
            "date": today().isoformat(),
            "amount": "120",
            "settle": "oldest",
        },
    )
    assert SalesInvoice.objects.get(number="IN1").open_amount == D("0")
    assert SalesInvoice.objects.get(number="IN2").open_amount == D("80")
    wrong = admin.post(
        "/sales/receipts/new/",
        {
            "customer_code": c.code,
            "number": "R2",
            "date": today().isoformat(),
            "amount": "50",
            "settle": "listed",
            "allocations": "IN9 10",
        },
    )
    assert "The customer has no invoice IN9." in _text(wrong)
    admin.post(
        "/sales/receipts/new/",
        {
            "customer_code": c.code,
            "number": "R2",
            "date": today().isoformat(),
            "amount": "50",
            "settle": "listed",
            "allocations": "IN2 30",
        },
    )
    assert Receipt.objects.get(number="R2").unapplied_amount == D("20")
    listing = _text(admin.get(f"/sales/receipts/?customer={c.code}"))
    assert "IN2 30.00" in listing

    refused = admin.post("/sales/invoices/IN2/cancel/", follow=True)
    assert "reverse those settlements first" in _text(refused)
    admin.post("/sales/receipts/R1/reverse/")
    second = Receipt.objects.get(number="R2").settlements.get()
    undone = admin.post(f"/sales/settlements/{second.pk}/reverse/", follow=True)
    assert "Settlement of IN2 by R2 reversed." in _text(undone)
    assert Receipt.objects.get(number="R2").unapplied_amount == D("50")
    admin.post("/sales/invoices/IN2/cancel/")
    assert SalesInvoice.objects.get(number="IN2").status == "cancelled"
    # IN1 (100) less R2, posted and unapplied (50).
    assert Customer.objects.get(pk=c.pk).receivable_balance == D("50")


def test_a_customer_outside_the_scope_is_refused_like_a_missing_one(browser, make_customer):
    hidden = make_customer()
    page = browser("seller").post(
        "/sales/orders/new/",
        {"customer_code": hidden.code, "number": "SO1", "date": today().isoformat(), "amount": "1"},
    )
    assert "You have no customer with this code." in _text(page)
    assert hidden.name not in _text(page)


def test_policies_and_approval_amounts_are_set_on_the_policies_page(browser, grades):
    controller = browser("controller")
    wrong = controller.post(
        "/credit/policies/",
        {
            "policy-scope": "grade",
            "policy-credit_grade": grades["A"].pk,
            "policy-mode": "block",
            "policy-overdue_tolerance_days": "0",
            "policy-cash_only": "on",
        },
    )
    assert "Only the lowest credit grade can be cash only." in _text(wrong)
    controller.post(
        "/credit/policies/",
        {
            "policy-scope": "grade",
            "policy-credit_grade": grades["C"].pk,
            "policy-mode": "block",
            "policy-overdue_tolerance_days": "0",
            "policy-cash_only": "on",
        },
    )
    assert CreditPolicy.objects.get().cash_only
    refused = controller.post(
        "/credit/approvers/", {"approver-username": "seller", "approver-approval_amount": "5"}
    )
    assert "may not approve credit" in _text(refused)
    controller.post(
        "/credit/approvers/",
        {"approver-username": "controller", "approver-approval_amount": "5000"},
    )
    page = _text(controller.get("/credit/policies/"))
    assert "5000.00" in page and "Cash only" in page
    seller = browser("seller")
    assert (
        seller.post(
            "/credit/policies/", {"policy-scope": "default", "policy-mode": "none"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url",
    [
        "/sales/orders/",
        "/sales/invoices/",
        "/sales/receipts/",
        "/credit/approvals/?status=all",
        "/credit/events/",
    ],
)
def test_list_pages_read_a_fixed_number_of_queries(
    browser, make_customer, policy, django_assert_max_num_queries, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    policy("approval")
    admin = browser("admin")

    def add(n):
        c = make_customer()
        for i in range(n):
            key = f"{c.code}-{i}"
            sales.order_create(
                actor=None, customer=c, number=f"SO{key}", date=today(), amount=D("5000")
            )
            sales.invoice_post(
                actor=None, customer=c, number=f"IN{key}", date=today(), amount=D("1")
            )
            sales.receipt_post(
                actor=None, customer=c, number=f"RC{key}", date=today(), amount=D("1")
            )

    add(1)
    with CaptureQueriesContext(connection) as few:
        assert admin.get(url).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few)):
        assert admin.get(url).status_code == 200
