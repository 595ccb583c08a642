"""The sales services write a document in a few queries, whatever the customer already has:
the database checks its own constraints, and the customer's figures are one UPDATE."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.credit.choices import CreditMode, PolicyScope
from kehu.credit.services import policy_save
from kehu.sales import services
from kehu.sales.balances import balances_differences
from kehu.sales.models import Receipt, SalesOrder
from tests.sales.conftest import DAY, D

LATER = DAY + datetime.timedelta(days=1)


def _queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured.captured_queries)


@pytest.fixture
def customer(make_customer):
    """A customer with a credit limit under a blocking policy (the check runs in full), after
    one of each write for another customer (the content types of the audit are cached)."""
    policy_save(actor=None, data={"scope": PolicyScope.DEFAULT, "mode": CreditMode.BLOCK})
    warm = make_customer()
    services.order_create(actor=None, customer=warm, number="W1", date=DAY, amount=D("1"))
    services.invoice_post(actor=None, customer=warm, number="W2", date=DAY, amount=D("1"))
    services.receipt_post(actor=None, customer=warm, number="W3", date=DAY, amount=D("1"))
    return make_customer(credit_limit="100000", control_credit_limit=True)


def _invoices(customer, count, prefix="I"):
    for n in range(count):
        services.invoice_post(
            actor=None, customer=customer, number=f"{prefix}{n}", date=DAY, amount=D("100")
        )


def test_a_receipt_settled_against_three_invoices(customer):
    _invoices(customer, 3)

    count = _queries(
        lambda: services.receipt_post(
            actor=None, customer=customer, number="R1", date=LATER, amount=D("250")
        )
    )

    assert count <= 23
    assert Receipt.objects.get(number="R1").unapplied_amount == 0
    assert balances_differences() == []


def test_each_more_invoice_settled_costs_the_same_few_queries(customer):
    _invoices(customer, 3, "A")
    three = _queries(
        lambda: services.receipt_post(
            actor=None, customer=customer, number="R1", date=LATER, amount=D("300")
        )
    )
    _invoices(customer, 6, "B")
    six = _queries(
        lambda: services.receipt_post(
            actor=None, customer=customer, number="R2", date=LATER, amount=D("600")
        )
    )

    assert six - three <= 3 * 5  # a settlement, its audit, the invoice's update and audit


def test_an_order_and_an_invoice_under_the_credit_check(customer):
    _invoices(customer, 20, "H")  # history: the count does not grow with it

    order = _queries(
        lambda: services.order_create(
            actor=None, customer=customer, number="SO1", date=DAY, amount=D("5")
        )
    )
    invoice = _queries(
        lambda: services.invoice_post(
            actor=None, customer=customer, number="IN1", date=DAY, amount=D("5")
        )
    )
    placed = SalesOrder.objects.get(number="SO1")
    from_order = _queries(
        lambda: services.invoice_post(actor=None, order=placed, number="IN2", date=DAY)
    )

    assert order <= 9 and invoice <= 9
    assert from_order <= 12
    assert balances_differences() == []
