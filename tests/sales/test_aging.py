"""Aging of receivables as of any date (SPEC §4): buckets, the past, currencies, data scope."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.masterdata.models import Department, Salesperson
from kehu.masterdata.services import coded_item_create
from kehu.sales import services
from kehu.sales.aging import BUCKET_KEYS, ZERO, aging_by_customer, open_invoices_as_of
from kehu.sales.models import SalesInvoice, Settlement
from tests.sales.conftest import DAY, D

AS_OF = datetime.date(2026, 6, 30)


def _invoice(customer, number, amount, *, due, date=None):
    date = date or min(due, AS_OF) - datetime.timedelta(days=1)
    return services.invoice_post(
        actor=None, customer=customer, number=number, date=date, amount=D(amount), due_date=due
    )


def _at(day: datetime.date):
    """Run the writes of the block as if it were noon of ``day`` (their ``updated_at``)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _aging(customer, as_of=AS_OF):
    return aging_by_customer(Customer.objects.filter(pk=customer.pk), as_of).get(customer.pk)


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),  # due today is not overdue
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "days_91_180"),
        (180, "days_91_180"),
        (181, "over_180"),
        (2000, "over_180"),
    ],
)
def test_an_invoice_falls_in_the_bucket_of_its_days_overdue(make_customer, days_overdue, bucket):
    c = make_customer()
    _invoice(c, "I1", "100.10", due=AS_OF - datetime.timedelta(days=days_overdue))

    aging = _aging(c)

    assert aging.by_key == {key: D("100.10") if key == bucket else D("0") for key in BUCKET_KEYS}
    assert aging.overdue == (D("0") if bucket == "not_due" else D("100.10"))
    assert aging.balance == D("100.10")


def test_part_payments_leave_the_open_amounts_in_their_buckets(make_customer):
    c = make_customer()
    _invoice(c, "OLD", "500", due=AS_OF - datetime.timedelta(days=200))
    _invoice(c, "MID", "300", due=AS_OF - datetime.timedelta(days=45))
    _invoice(c, "NEW", "200", due=AS_OF + datetime.timedelta(days=10))
    # oldest first: OLD settled, MID 100 of 300
    services.receipt_post(actor=None, customer=c, number="R1", date=AS_OF, amount=D("600"))
    # and a prepayment that settles nothing
    services.receipt_post(
        actor=None, customer=c, number="R2", date=AS_OF, amount=D("50"), allocations=[]
    )

    aging = _aging(c)

    assert aging.by_key["over_180"] == D("0")
    assert aging.by_key["days_31_60"] == D("200")
    assert aging.by_key["not_due"] == D("200")
    assert aging.unapplied == D("50")
    assert aging.balance == D("350") == Customer.objects.get(pk=c.pk).receivable_balance


def test_as_of_a_past_date_later_documents_and_settlements_do_not_count(make_customer):
    c = make_customer()
    past = datetime.date(2026, 3, 31)
    _invoice(c, "I1", "1000", date=datetime.date(2026, 1, 5), due=datetime.date(2026, 2, 4))
    _invoice(c, "I2", "400", date=datetime.date(2026, 4, 10), due=datetime.date(2026, 5, 10))
    services.receipt_post(
        actor=None, customer=c, number="R1", date=datetime.date(2026, 4, 20), amount=D("700")
    )

    then = _aging(c, past)
    now = _aging(c)

    # On 31 March: I1 alone, 55 days overdue, nothing paid yet.
    assert then.by_key["days_31_60"] == D("1000")
    assert then.open_total == D("1000") and then.unapplied == D("0")
    # Now: 700 settled I1 on 20 April; I2 51 days overdue.
    assert now.by_key["over_180"] == D("0")
    assert now.by_key["days_91_180"] == D("300")  # I1, due 4 Feb: 146 days
    assert now.by_key["days_31_60"] == D("400")
    # Before anything was dated, the customer owes nothing.
    assert _aging(c, datetime.date(2026, 1, 4)) is None


def test_a_settlement_reversed_later_counts_before_its_reversal(make_customer):
    c = make_customer()
    _invoice(c, "I1", "1000", date=datetime.date(2026, 1, 5), due=datetime.date(2026, 2, 4))
    receipt = services.receipt_post(
        actor=None, customer=c, number="R1", date=datetime.date(2026, 3, 1), amount=D("1000")
    )
    settlement = receipt.settlements.get()
    services.settlement_reverse(actor=None, settlement=settlement, on=datetime.date(2026, 5, 1))

    assert _aging(c, datetime.date(2026, 4, 30)).balance == D("0")
    assert _aging(c, datetime.date(2026, 4, 30)).open_total == D("0")
    after = _aging(c, datetime.date(2026, 5, 1))
    assert after.open_total == D("1000") and after.unapplied == D("1000")
    assert after.balance == D("0")


def test_an_invoice_cancelled_after_the_date_counts_as_of_that_date(make_customer):
    c = make_customer()
    with _at(datetime.date(2026, 1, 5)):
        invoice = _invoice(
            c, "I1", "800", date=datetime.date(2026, 1, 5), due=datetime.date(2026, 1, 5)
        )
    with _at(datetime.date(2026, 4, 1)):
        services.invoice_cancel(actor=None, invoice=invoice)

    assert _aging(c, datetime.date(2026, 3, 31)).by_key["days_61_90"] == D("800")
    assert _aging(c, datetime.date(2026, 4, 1)) is None  # cancelled during that day
    assert _aging(c) is None


def test_a_receipt_reversed_after_the_date_counts_as_of_that_date(make_customer):
    c = make_customer()
    with _at(datetime.date(2026, 2, 1)):
        receipt = services.receipt_post(
            actor=None, customer=c, number="R1", date=datetime.date(2026, 2, 1), amount=D("90")
        )
    with _at(datetime.date(2026, 2, 10)):
        services.receipt_reverse(actor=None, receipt=receipt, on=datetime.date(2026, 2, 10))

    assert _aging(c, datetime.date(2026, 2, 9)).balance == D("-90")
    assert _aging(c, datetime.date(2026, 2, 10)) is None


def test_today_the_balance_is_the_maintained_receivable_balance(make_customer):
    customers = [make_customer() for _ in range(3)]
    today = timezone.localdate()
    for n, c in enumerate(customers):
        _invoice(c, f"I{n}a", "120.50", date=today - datetime.timedelta(days=40), due=today)
        _invoice(c, f"I{n}b", "80", date=today - datetime.timedelta(days=90), due=today)
        services.receipt_post(
            actor=None, customer=c, number=f"R{n}", date=today, amount=D(n * 70 + 60)
        )

    found = aging_by_customer(Customer.objects.all(), today)

    for c in Customer.objects.all():
        assert found[c.pk].balance == c.receivable_balance


def test_each_customer_in_its_trading_currency(make_customer, usd):
    cny = make_customer()
    dollars = make_customer(currency="USD")
    _invoice(cny, "I1", "100", due=AS_OF)
    _invoice(dollars, "I2", "7", due=AS_OF)

    from kehu.sales.receivables import receivables_report

    report = receivables_report(Customer.objects.all(), AS_OF, "customer")

    assert {(row.code, row.currency) for row in report.rows} == {
        (cny.code, "CNY"),
        (dollars.code, "USD"),
    }
    assert {code: total.open_total for code, total in report.totals.items()} == {
        "CNY": D("100"),
        "USD": D("7"),
    }


def test_a_salesperson_sees_only_the_aging_of_their_customers(make_customer):
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "销售一部"})
    for code in ("S1", "S2"):
        coded_item_create(
            Salesperson, actor=None, data={"code": code, "name": code, "department": "D1"}
        )
    mine = make_customer(salesperson="S1")
    other = make_customer(salesperson="S2")
    for n, c in enumerate((mine, other)):
        _invoice(c, f"I{n}", "10", due=AS_OF)
    user = user_create(
        username="s1", password="Kehu-aging-2026", roles=["salesperson"], scope="own"
    )
    Salesperson.objects.filter(code="S1").update(user=user)

    found = aging_by_customer(customers_visible_to(user), AS_OF)

    assert set(found) == {mine.pk}


def test_the_number_of_queries_does_not_grow_with_the_customers(make_customer):
    def add(n):
        c = make_customer()
        _invoice(c, f"I{n}", "10", due=AS_OF)
        services.receipt_post(actor=None, customer=c, number=f"R{n}", date=AS_OF, amount=D(4))

    def reads() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = aging_by_customer(Customer.objects.all(), AS_OF)
        assert all(a.balance == D("6") for a in found.values())
        # the customers changed after the date, then the one grouped SELECT (PostgreSQL
        # also sets two settings for it, in a savepoint)
        assert sum("SELECT" in q["sql"] for q in captured.captured_queries) == 2
        return len(captured)

    add(0)
    few = reads()
    for n in range(1, 15):
        add(n)

    assert reads() == few


def test_one_customers_open_invoices_as_of_a_date(make_customer):
    c = make_customer()
    _invoice(c, "I1", "100", date=DAY, due=DAY)
    services.receipt_post(
        actor=None, customer=c, number="R1", date=DAY + datetime.timedelta(days=5), amount=D(30)
    )

    rows = open_invoices_as_of(SalesInvoice.objects.filter(customer=c), DAY)
    later = open_invoices_as_of(SalesInvoice.objects.filter(customer=c), AS_OF)

    assert [row.open_as_of for row in rows] == [D("100")]
    assert [row.open_as_of for row in later] == [D("70")]


def _grouped_sql(captured) -> str:
    (sql,) = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    return sql


def _without_empty(found):
    return {pk: aging for pk, aging in found.items() if not aging.is_empty}


def test_as_of_a_date_after_every_change_only_open_documents_are_read(make_customer):
    paid, owing, ahead = make_customer(), make_customer(), make_customer()
    _invoice(paid, "I1", "100", date=DAY, due=DAY)
    services.receipt_post(actor=None, customer=paid, number="R1", date=DAY, amount=D(100))
    _invoice(owing, "I2", "250", date=DAY, due=DAY + datetime.timedelta(days=30))
    services.receipt_post(actor=None, customer=owing, number="R2", date=DAY, amount=D(100))
    services.receipt_post(actor=None, customer=ahead, number="R3", date=DAY, amount=D(40))
    later = timezone.localdate() + datetime.timedelta(days=1)

    with CaptureQueriesContext(connection) as captured:
        found = aging_by_customer(Customer.objects.all(), later)

    # the settled invoice and the applied receipt are not read: nothing open, left out
    assert set(found) == {owing.pk, ahead.pk}
    assert found[owing.pk].open_total == D("150") and found[owing.pk].unapplied == ZERO
    assert found[ahead.pk].balance == D("-40")
    # the maintained amounts: no settlement read
    assert "sales_settlement" not in _grouped_sql(captured)
    assert _without_empty(aging_by_customer(Customer.objects.all(), later, maintained=False)) == (
        found
    )


def test_customers_changed_after_the_date_are_computed_from_their_documents(make_customer):
    unchanged, changed = make_customer(), make_customer()
    for n, c in enumerate((unchanged, changed)):
        _invoice(c, f"I{n}", "500", date=DAY, due=DAY)
        services.receipt_post(actor=None, customer=c, number=f"R{n}", date=DAY, amount=D(200))
    settlement = Settlement.objects.get(receipt__number="R1")
    services.settlement_reverse(actor=None, settlement=settlement, on=AS_OF)
    before = AS_OF - datetime.timedelta(days=1)

    with CaptureQueriesContext(connection) as captured:
        found = aging_by_customer(Customer.objects.all(), before)

    assert found[unchanged.pk].open_total == D("300")
    assert found[changed.pk].open_total == D("300")  # the settlement still counted then
    assert "sales_settlement" in _grouped_sql(captured)
    assert aging_by_customer(Customer.objects.all(), AS_OF)[changed.pk].open_total == D("500")
    everyone = aging_by_customer(Customer.objects.all(), before, maintained=False)
    assert _without_empty(everyone) == _without_empty(found)


def test_many_changes_after_the_date_compute_everyone(make_customer, monkeypatch):
    from kehu.sales import aging

    customers = [make_customer() for _ in range(3)]
    for n, c in enumerate(customers):
        _invoice(c, f"I{n}", "80", date=DAY, due=DAY)
    monkeypatch.setattr(aging, "CHANGED_ROWS", 2)
    before = DAY - datetime.timedelta(days=1)

    assert aging.customers_changed_after(before) is None
    assert aging_by_customer(Customer.objects.all(), before) == {}
    found = aging_by_customer(Customer.objects.all(), DAY)
    assert {pk: a.open_total for pk, a in found.items()} == {c.pk: D("80") for c in customers}
