"""The demo's sales documents: two years per customer, through the services, with payment
habits that the aging and the maintained figures show."""

import datetime
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kehu.customers.models import Customer
from kehu.customers.services.references import resolve_reference
from kehu.demo import ledger
from kehu.demo.loader import DemoSummary, demo_load, demo_setup
from kehu.masterdata.models import PaymentTerms
from kehu.sales.balances import balances_differences
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder

TODAY = datetime.date(2026, 3, 15)
SAMPLE = Path(__file__).parents[1] / "quality" / "data" / "sample_customers.xlsx"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    summary = demo_load(customers=40, seed=7, reference_date=TODAY)
    habits = {
        profile.code: ledger.ledger_plan(profile, today=TODAY, seed=7).habit
        for profile in ledger.profiles(Customer.objects.all())
    }
    return summary, habits


def _overdue(days: int = 0) -> dict[str, Decimal]:
    """Open amounts of invoices more than ``days`` past their due date, per customer code."""
    found = defaultdict(Decimal)
    rows = SalesInvoice.objects.filter(
        status="posted", open_amount__gt=0, due_date__lt=TODAY - datetime.timedelta(days=days)
    ).values_list("customer__code", "open_amount")
    for code, amount in rows:
        found[code] += amount
    return found


def test_every_habit_shows_in_the_documents(demo):
    summary, habits = demo
    by_habit = defaultdict(set)
    for code, habit in habits.items():
        by_habit[habit].add(code)
    assert {habit for habit, _w in ledger.HABITS} <= set(by_habit)
    overdue, long_overdue = _overdue(), _overdue(ledger.LONG_OVERDUE_DAYS)

    # prompt payers owe nothing overdue; most late payers do; the very late owe for months
    assert not by_habit["prompt"] & set(overdue)
    late = by_habit["late"] | by_habit["very_late"]
    assert len(late & set(overdue)) >= len(late) / 2
    assert by_habit["very_late"] & set(long_overdue)
    assert not (by_habit["prompt"] | by_habit["late"]) & set(long_overdue)
    # dormant customers bought nothing in the last year; "none" never bought
    last = dict(Customer.objects.values_list("code", "last_transaction_on"))
    year_ago = TODAY - datetime.timedelta(days=365)
    assert all(last[code] and last[code] < year_ago for code in by_habit["dormant"])
    assert all(last[code] is None for code in by_habit["none"])
    # buying customers bought within the two years, and some have orders still open
    dates = SalesInvoice.objects.values_list("date", flat=True)
    assert min(dates) >= TODAY - datetime.timedelta(days=ledger.DAYS)
    assert max(dates) <= TODAY
    assert Customer.objects.filter(open_order_amount__gt=0).exists()
    assert summary.sales.invoices == SalesInvoice.objects.count() > 40
    assert summary.sales.receipts == Receipt.objects.count()
    assert summary.sales.orders == SalesOrder.objects.count()
    assert balances_differences() == []


def test_the_same_seed_gives_the_same_documents():
    profile = ledger.Profile(1, "C000009", Decimal("200000"), 30, "CNY")
    one = ledger.ledger_plan(profile, today=TODAY, seed=3)
    two = ledger.ledger_plan(profile, today=TODAY, seed=3)
    other = ledger.ledger_plan(profile, today=TODAY, seed=4)

    def key(plan):
        return [(i.number, i.date, i.amount) for i in plan.invoices] + [
            (r.number, r.date, r.amount, r.invoice.number) for r in plan.receipts
        ]

    assert key(one) == key(two)
    assert key(one) != key(other)


def test_receipts_never_pay_more_than_an_invoice_nor_before_it():
    for n in range(300):
        profile = ledger.Profile(n, f"C{n:06d}", Decimal(50_000 * (n % 4)), n % 91, "CNY")
        plan = ledger.ledger_plan(profile, today=TODAY, seed=1)
        for invoice in plan.invoices:
            assert invoice.paid <= invoice.amount
        for receipt in plan.receipts:
            assert receipt.invoice.date <= receipt.date <= TODAY
            if profile.credit_limit == 0:  # cash only: paid on the day
                assert receipt.date == receipt.invoice.date


def test_the_command_reports_the_documents(db):
    out = StringIO()
    call_command("demo", customers=8, seed=5, stdout=out, verbosity=0)

    assert f"{SalesInvoice.objects.count()} invoices" in out.getvalue()


def test_the_demo_master_data_has_every_payment_terms_of_the_sample(db):
    demo_setup(DemoSummary())
    sheet = load_workbook(SAMPLE, read_only=True)["客户"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    column = header.index("付款条件")
    written = {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)} - {None}

    assert {"1/20,n/45", "款到发货"} <= written
    for text in written:
        assert resolve_reference(PaymentTerms, text) is not None
