"""The bulk loader of sales documents: about 20 documents per customer, written set-based,
with the maintained figures set so that ``kehu check-balances`` finds no difference."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kehu.audit.models import AuditEvent
from kehu.core.errors import ConflictError
from kehu.customers.models import Customer
from kehu.demo import ledger
from kehu.demo.bulk import bulk_load
from kehu.demo.bulk_sales import bulk_sales_load
from kehu.sales import services
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def loaded(db):
    bulk_load(customers=60, seed=5, reference_date=TODAY, analyze=False)
    return bulk_sales_load(seed=5, reference_date=TODAY, analyze=False)


def test_check_balances_finds_no_difference_after_a_bulk_load(loaded):
    out = StringIO()
    call_command("check-balances", stdout=out)

    assert "No differences" in out.getvalue()
    assert 15 <= loaded.documents / loaded.customers <= 25
    assert Customer.objects.filter(receivable_balance__gt=0).exists()
    assert Customer.objects.filter(open_order_amount__gt=0).exists()
    assert Settlement.objects.count() == Receipt.objects.count()
    event = AuditEvent.objects.get(operation_id=loaded.operation_id)
    assert event.changes["sales_salesinvoice"] == [None, SalesInvoice.objects.count()]


def test_the_documents_are_the_seeded_plans(loaded):
    plans = [
        ledger.ledger_plan(profile, today=TODAY, seed=5, invoices=10.0, order_share=1.0)
        for profile in ledger.profiles(Customer.objects.order_by("pk"))
    ]
    expected = {(i.number, i.date, i.amount, i.amount - i.paid) for p in plans for i in p.invoices}

    stored = set(SalesInvoice.objects.values_list("number", "date", "amount", "open_amount"))
    assert stored == expected
    assert SalesOrder.objects.count() == sum(len(p.orders) for p in plans)


def test_documents_entered_afterwards_get_new_keys(loaded):
    customer = Customer.objects.order_by("pk").first()

    invoice = services.invoice_post(
        actor=None, customer=customer, number="NEW-1", date=TODAY, amount=Decimal("10")
    )

    others = SalesInvoice.objects.exclude(pk=invoice.pk).values_list("pk", flat=True)
    assert invoice.pk > max(others)


def test_a_database_with_documents_is_refused(loaded):
    with pytest.raises(ConflictError, match="already holds"):
        bulk_sales_load(seed=5, reference_date=TODAY, analyze=False)
