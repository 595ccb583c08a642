"""The receivables conditions of the customer query (SPEC §3): the overdue amount range and
"has invoices overdue by at least N days", as of today — the same customers in the web list,
the API, the export and the statistics; bad values are field errors."""

import datetime
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from kehu.accounts.services import token_create, user_create
from kehu.customers.models import Customer
from kehu.sales import services
from tests import factories
from tests.api.asserts import assert_error
from tests.conftest import ApiClient
from tests.customers.test_conditions import api_codes, class_counts, export_codes, web_codes
from tests.customers.test_export import browser, csv_rows

D = Decimal
PASSWORD = "Kehu-overdue-2026"


def _invoice(customer, number, amount, days_overdue, paid=None):
    today = timezone.localdate()
    due = today - datetime.timedelta(days=days_overdue)
    services.invoice_post(
        actor=None,
        customer=customer,
        number=number,
        date=min(due, today) - datetime.timedelta(days=1),
        amount=D(amount),
        due_date=due,
    )
    if paid:
        services.receipt_post(
            actor=None,
            customer=customer,
            number=f"R-{number}",
            date=today,
            amount=D(paid),
            allocations=[{"invoice": number, "amount": D(paid)}],
        )


CLASS_OF = {"A1": "0101", "A2": "0101", "B1": "0102", "B2": "0102", "C1": "0102"}


@pytest.fixture
def archive(db):
    """A1 owes 500, 10 days overdue; A2 300 of 1000, 100 days overdue (700 paid); B1 owes 80
    not yet due; B2 owes 2000 due today (not overdue); C1 has paid everything it owed."""
    factories.class_tree("01", "0101", "0102")
    made = {
        code: factories.customer(CLASS_OF[code], code=code, currency="CNY")
        for code in ("A1", "A2", "B1", "B2", "C1")
    }
    _invoice(made["A1"], "I1", "500", 10)
    _invoice(made["A2"], "I2", "1000", 100, paid="700")
    _invoice(made["B1"], "I3", "80", -5)
    _invoice(made["B2"], "I4", "2000", 0)
    _invoice(made["C1"], "I5", "90", 200, paid="90")
    return user_create(username="boss", password=PASSWORD, roles=["administrator"])


@pytest.fixture
def web(archive):
    return browser(archive)


@pytest.fixture
def api(client, archive):
    _token, raw = token_create(user=archive, name="tests")
    return ApiClient(client, raw)


CASES = [
    ("overdue_amount_min=0.01", {"A1", "A2"}),
    ("overdue_amount_min=300&overdue_amount_max=300", {"A2"}),
    ("overdue_amount_max=0", {"B1", "B2", "C1"}),
    ("overdue_amount_min=400", {"A1"}),
    ("overdue_days=1", {"A1", "A2"}),
    ("overdue_days=11", {"A2"}),
    ("overdue_days=101", set()),
    ("overdue_days=30&class_code=0101&overdue_amount_max=1000", {"A2"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_the_same_customers_in_the_list_the_api_the_export_and_the_statistics(
    web, api, query, expected
):
    assert web_codes(web, query) == expected
    assert api_codes(api, query) == expected
    assert export_codes(web, query) == expected
    assert class_counts(api, query) == dict(Counter(CLASS_OF[code] for code in expected))


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("overdue_amount_min=abc", "overdue_amount_min", "number"),
        ("overdue_amount_min=5&overdue_amount_max=1", "overdue_amount_max", "less than the"),
        ("overdue_days=0", "overdue_days", "greater than or equal"),
        ("overdue_days=soon", "overdue_days", "whole number"),
    ],
)
def test_bad_values_are_field_errors(web, api, query, field, says):
    assert_error(
        api.get(f"/api/v1/customers?{query}"), 422, "validation_error", field=field, says=says
    )
    page = web.get(f"/customers/?{query}").content.decode()
    assert 'role="alert"' in page


def test_the_conditions_show_in_the_advanced_panel_and_the_aging_report(web):
    page = web.get("/customers/?overdue_days=11&overdue_amount_min=1").content.decode()

    assert 'name="overdue_days" min="1" step="1" value="11"' in page
    assert 'name="overdue_amount_min"' in page and 'value="1"' in page
    report = web.get("/sales/aging/?overdue_days=11").context["report"]
    assert [(row.code, row.aging.overdue) for row in report.rows] == [("A2", D("300"))]


def test_the_cli_export_takes_the_conditions(archive, tmp_path):
    path = tmp_path / "overdue.csv"
    call_command(
        "export",
        str(path),
        "--columns",
        "code",
        "--param",
        "overdue_days=1",
        "--param",
        "overdue_amount_max=400",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert [row[0] for row in csv_rows(path.read_bytes())[1:]] == ["A2"]
    assert Customer.objects.count() == 5
