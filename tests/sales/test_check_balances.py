"""``kehu check-balances``: recomputes the figures from the documents and reports differences."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.audit.models import AuditEvent
from kehu.customers.models import Customer
from kehu.sales import services
from kehu.sales.balances import balances_differences
from kehu.sales.models import SalesInvoice
from tests.sales.conftest import DAY, D


def _documents(customer, n):
    services.order_create(actor=None, customer=customer, number=f"SO{n}", date=DAY, amount=D("90"))
    services.invoice_post(actor=None, customer=customer, number=f"I{n}", date=DAY, amount=D("100"))
    services.receipt_post(actor=None, customer=customer, number=f"R{n}", date=DAY, amount=D("30"))


def test_no_difference_after_the_services(make_customer, capsys):
    for n in range(3):
        _documents(make_customer(), n)
    call_command("check-balances")
    assert "No differences" in capsys.readouterr().out


def test_every_difference_is_reported_and_fixed_with_audit(make_customer, capsys):
    a, b = make_customer(), make_customer()
    _documents(a, 1)
    _documents(b, 2)
    Customer.objects.filter(pk=a.pk).update(receivable_balance=D("5"), open_order_amount=0)
    SalesInvoice.objects.filter(number="I2").update(open_amount=D("99"))

    with pytest.raises(CommandError) as exc:
        call_command("check-balances")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert f"customer {a.code}" in out and "receivable_balance" in out and "70.00" in out
    assert "open_order_amount" in out and "90.00" in out
    assert "invoice I2" in out and "open_amount" in out
    assert f"customer {b.code}" not in out

    call_command("check-balances", "--fix")
    assert "Corrected 3 values" in capsys.readouterr().out
    assert balances_differences() == []
    assert Customer.objects.get(pk=a.pk).receivable_balance == D("70")
    assert SalesInvoice.objects.get(number="I2").open_amount == D("70")
    fixed = AuditEvent.objects.filter(
        customer_id=a.pk, operation_id__startswith="check-balances-", object_id=str(a.pk)
    )
    assert fixed.get().changes["receivable_balance"] == ["5.00", "70.00"]


def test_the_recomputation_does_not_query_per_customer(make_customer):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            balances_differences()
        return len(captured)

    _documents(make_customer(), 1)
    few = queries()
    for n in range(2, 7):
        _documents(make_customer(), n)
    assert queries() == few
