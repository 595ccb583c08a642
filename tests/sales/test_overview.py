"""The receivables section of the customer's 360° page (SPEC §3): balance, open orders, aging
as of today, overdue invoices, recent documents; shown to those who may read invoices."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.sales import services
from tests import factories
from tests.customers.test_export import browser
from tests.customers.test_overview import section

D = Decimal
PASSWORD = "Kehu-overview-2026"


def _ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _documents(customer, prefix: str, n: int = 1):
    """``n`` rounds of: an order partly invoiced, an invoice 40 days overdue, one not due, a
    receipt that settles part of the overdue one."""
    for i in range(n):
        order = services.order_create(
            actor=None, customer=customer, number=f"{prefix}SO{i}", date=_ago(50), amount=D(500)
        )
        services.invoice_post(
            actor=None,
            order=order,
            number=f"{prefix}IN{i}",
            date=_ago(50),
            amount=D(300),
            due_date=_ago(40),
        )
        services.invoice_post(
            actor=None,
            customer=customer,
            number=f"{prefix}NEW{i}",
            date=_ago(1),
            amount=D(80),
            due_date=_ago(-29),
        )
        services.receipt_post(
            actor=None, customer=customer, number=f"{prefix}RC{i}", date=_ago(2), amount=D(100)
        )


@pytest.fixture
def customer(db):
    factories.class_tree("01", "0101")
    return factories.customer(
        "0101", code="C1", name="上海泰锐家居有限公司", currency="CNY", credit_limit="1000"
    )


@pytest.fixture
def admin():
    return user_create(username="boss", password=PASSWORD, roles=["administrator"])


def test_the_section_shows_balance_aging_overdue_and_recent_documents(customer, admin):
    _documents(customer, "A")

    html = browser(admin).get(f"/customers/{customer.pk}/").content.decode()
    text = section(html, "receivables")

    assert "Receivable balance 280.00 CNY" in text  # 300 + 80 - 100
    assert "Open order amount 200.00 CNY" in text
    assert "Overdue 200.00 CNY" in text
    # the bucket row: not due 80, 31-60 days 200
    assert "80.00 0.00 200.00 0.00 0.00 0.00 0.00 280.00" in text
    assert f"AIN0 {_ago(50).isoformat()} {_ago(40).isoformat()} 40 300.00 200.00" in text
    assert "ANEW0" not in text.split("Overdue invoices")[1].split("Recent documents")[0]
    for number in ("ASO0", "AIN0", "ANEW0", "ARC0"):
        assert number in text.split("Recent documents")[1]


def test_without_documents_the_section_says_so(customer, admin):
    text = section(browser(admin).get(f"/customers/{customer.pk}/").content.decode(), "receivables")

    assert "No overdue invoice." in text and "No sales documents yet." in text


def test_a_user_who_may_not_read_invoices_does_not_see_it(customer):
    user = user_create(username="viewer", password=PASSWORD, scope="all")
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))

    response = browser(user).get(f"/customers/{customer.pk}/")

    assert response.status_code == 200
    assert 'id="receivables"' not in response.content.decode()


def test_the_query_count_does_not_grow_with_the_documents(customer, admin):
    other = factories.customer("0101", code="C2", name="杭州西湖茶业有限公司", currency="CNY")
    _documents(customer, "A", 1)
    _documents(other, "B", 6)
    client = browser(admin)

    def queries(who) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/customers/{who.pk}/").status_code == 200
        return len(captured)

    assert queries(other) == queries(customer)
