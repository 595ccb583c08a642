"""The rules of the sales documents (SPEC §4), through the services."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.core.errors import ConflictError
from kehu.customers.models import Customer
from kehu.masterdata.models import PaymentTerms, Salesperson
from kehu.masterdata.services import coded_item_create
from kehu.sales import services
from kehu.sales.models import DocumentDeleteError, Receipt, SalesInvoice, SalesOrder, Settlement
from tests.sales.conftest import DAY, D


def _figures(customer):
    c = Customer.objects.get(pk=customer.pk)
    return {
        "receivable": c.receivable_balance,
        "open_orders": c.open_order_amount,
        "last_transaction": (c.last_transaction_on, c.last_transaction_amount),
        "last_receipt": (c.last_receipt_on, c.last_receipt_amount),
    }


def _invoice(customer, number, amount, date=DAY, **kwargs):
    return services.invoice_post(
        actor=None, customer=customer, number=number, date=date, amount=D(amount), **kwargs
    )


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


# Orders --------------------------------------------------------------------------------------


def test_an_order_counts_as_open_until_invoiced_closed_or_cancelled(make_customer):
    c = make_customer()
    order = services.order_create(
        actor=None, customer=c, number="SO1", date=DAY, amount=D("1000.50")
    )
    assert _figures(c)["open_orders"] == D("1000.50")

    services.invoice_post(actor=None, order=order, number="I1", date=DAY, amount=D("400"))
    assert _figures(c)["open_orders"] == D("600.50")
    assert _figures(c)["receivable"] == D("400")

    services.order_close(actor=None, order=order)
    assert _figures(c)["open_orders"] == D("0")
    assert _figures(c)["receivable"] == D("400")  # the invoice stays
    with pytest.raises(ConflictError):
        services.invoice_post(actor=None, order=order, number="I2", date=DAY)


def test_an_invoice_from_an_order_takes_what_is_left_and_no_more(make_customer):
    c = make_customer()
    order = services.order_create(actor=None, customer=c, number="SO1", date=DAY, amount=D("300"))
    services.invoice_post(actor=None, order=order, number="I1", date=DAY, amount=D("100"))
    with pytest.raises(ValidationError) as exc:
        services.invoice_post(actor=None, order=order, number="I2", date=DAY, amount=D("200.01"))
    assert "200.00 left" in _errors(exc)["amount"][0]
    rest = services.invoice_post(actor=None, order=order, number="I3", date=DAY)
    assert rest.amount == D("200")
    assert _figures(c)["open_orders"] == D("0")


def test_an_invoiced_order_cannot_be_cancelled_until_its_invoices_are(make_customer):
    c = make_customer()
    order = services.order_create(actor=None, customer=c, number="SO1", date=DAY, amount=D("300"))
    invoice = services.invoice_post(actor=None, order=order, number="I1", date=DAY)
    with pytest.raises(ConflictError) as exc:
        services.order_cancel(actor=None, order=order)
    assert exc.value.code == "order_invoiced"
    services.invoice_cancel(actor=None, invoice=invoice)
    assert _figures(c)["open_orders"] == D("300")  # ordered again
    services.order_cancel(actor=None, order=order)
    assert SalesOrder.objects.get(pk=order.pk).status == "cancelled"
    assert _figures(c)["open_orders"] == D("0")
    with pytest.raises(ConflictError):
        services.order_close(actor=None, order=order)


def test_an_order_amount_is_not_lowered_below_what_is_invoiced(make_customer):
    c = make_customer()
    order = services.order_create(actor=None, customer=c, number="SO1", date=DAY, amount=D("300"))
    services.invoice_post(actor=None, order=order, number="I1", date=DAY, amount=D("100"))
    with pytest.raises(ValidationError) as exc:
        services.order_update(actor=None, order=order, data={"amount": D("99.99")})
    assert "amount" in _errors(exc)
    services.order_update(actor=None, order=order, data={"amount": D("150")})
    assert _figures(c)["open_orders"] == D("50")


# Validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "greater than or equal to 0.01"),
        ("-5", "greater than or equal to 0.01"),
        ("1.005", "2 decimal places"),
        ("12345678901234567", "digits"),
        ("abc", "Enter an amount"),
        ("NaN", "Enter an amount"),
    ],
)
def test_amounts_are_positive_with_at_most_two_decimals(make_customer, amount, message):
    c = make_customer()
    with pytest.raises(ValidationError) as exc:
        services.order_create(actor=None, customer=c, number="SO1", date=DAY, amount=amount)
    assert message in " ".join(_errors(exc)["amount"])
    assert not SalesOrder.objects.exists()


def test_numbers_are_unique_per_kind_of_document(make_customer):
    c = make_customer()
    _invoice(c, "DOC1", "10")
    with pytest.raises(ValidationError) as exc:
        _invoice(make_customer(), "DOC1", "10")
    assert "number" in _errors(exc)
    # An order may carry the number of an invoice: they are different series.
    services.order_create(actor=None, customer=c, number="DOC1", date=DAY, amount=D("1"))
    with pytest.raises(ValidationError) as exc:
        services.order_create(actor=None, customer=c, number=" ", date=DAY, amount=D("1"))
    assert "number" in _errors(exc)


def test_the_due_date_comes_from_the_credit_days_or_the_payment_terms(make_customer):
    terms = coded_item_create(
        PaymentTerms, actor=None, data={"code": "N45", "name": "45天", "text": "n/45"}
    )
    by_days = make_customer(credit_days=30)
    by_terms = make_customer(credit_days=None, payment_terms="N45")
    neither = make_customer(credit_days=None)
    assert terms.net_days == 45
    assert _invoice(by_days, "I1", "1").due_date == DAY + datetime.timedelta(days=30)
    assert _invoice(by_terms, "I2", "1").due_date == DAY + datetime.timedelta(days=45)
    assert _invoice(neither, "I3", "1").due_date == DAY
    given = DAY + datetime.timedelta(days=7)
    assert _invoice(by_days, "I4", "1", due_date=given).due_date == given
    with pytest.raises(ValidationError) as exc:
        _invoice(by_days, "I5", "1", due_date=DAY - datetime.timedelta(days=1))
    assert "due_date" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        _invoice(by_days, "I6", "1", date="2026-13-01")
    assert "date" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        _invoice(by_days, "I7", "1", date=datetime.date(9999, 12, 20))
    assert "last date" in _errors(exc)["date"][0]


def test_a_document_in_another_currency_than_the_customers_is_refused(make_customer):
    c = make_customer()  # trading in CNY
    with pytest.raises(ValidationError) as exc:
        _invoice(c, "I1", "10", currency="USD")
    assert "kept in CNY" in _errors(exc)["currency"][0]
    assert _invoice(c, "I2", "10", currency="CNY").currency.code == "CNY"
    usd_customer = make_customer(currency="USD")
    assert _invoice(usd_customer, "I3", "10").currency.code == "USD"
    # A customer naming no trading currency trades in the base currency (CNY).
    plain = make_customer(currency=None)
    assert _invoice(plain, "I4", "10").currency.code == "CNY"
    with pytest.raises(ValidationError):
        services.receipt_post(
            actor=None, customer=c, number="R1", date=DAY, amount=D("5"), currency="USD"
        )


# Settlement ----------------------------------------------------------------------------------


def test_a_receipt_settles_the_earliest_due_invoices_first(make_customer):
    c = make_customer()
    _invoice(c, "I-LATE", "100", due_date=DAY + datetime.timedelta(days=60))
    _invoice(c, "I-B", "100", due_date=DAY + datetime.timedelta(days=10))
    _invoice(c, "I-A", "100", due_date=DAY + datetime.timedelta(days=10))
    _invoice(c, "I-FIRST", "50", due_date=DAY)

    receipt = services.receipt_post(actor=None, customer=c, number="R1", date=DAY, amount=D("220"))

    settled = {s.invoice.number: s.amount for s in Settlement.objects.filter(receipt=receipt)}
    assert settled == {"I-FIRST": D("50"), "I-A": D("100"), "I-B": D("70")}
    open_amounts = dict(SalesInvoice.objects.values_list("number", "open_amount"))
    assert open_amounts == {"I-FIRST": 0, "I-A": 0, "I-B": D("30"), "I-LATE": D("100")}
    assert Receipt.objects.get(pk=receipt.pk).unapplied_amount == 0
    assert _figures(c)["receivable"] == D("130")
    assert _figures(c)["last_receipt"] == (DAY, D("220"))


def test_an_overpayment_stays_unapplied_and_lowers_the_balance(make_customer):
    c = make_customer()
    _invoice(c, "I1", "100")
    receipt = services.receipt_post(actor=None, customer=c, number="R1", date=DAY, amount=D("150"))
    assert receipt.unapplied_amount == D("50")
    assert _figures(c)["receivable"] == D("-50")
    # A later invoice is settled explicitly with what is left.
    later = _invoice(c, "I2", "80", date=DAY + datetime.timedelta(days=3))
    settlement = services.settlement_create(actor=None, receipt=receipt, invoice=later)
    assert settlement.amount == D("50")
    assert settlement.date == DAY + datetime.timedelta(days=3)
    assert _figures(c)["receivable"] == D("30")


def test_a_receipt_settles_the_invoices_it_lists(make_customer):
    c = make_customer()
    _invoice(c, "I1", "100", due_date=DAY)
    _invoice(c, "I2", "100", due_date=DAY + datetime.timedelta(days=5))
    receipt = services.receipt_post(
        actor=None,
        customer=c,
        number="R1",
        date=DAY,
        amount=D("100"),
        allocations=[services.Allocation(invoice="I2", amount=D("60"))],
    )
    assert list(receipt.settlements.values_list("invoice__number", "amount")) == [("I2", 60)]
    assert receipt.unapplied_amount == D("40")
    nothing = services.receipt_post(
        actor=None, customer=c, number="R2", date=DAY, amount=D("10"), allocations=[]
    )
    assert not nothing.settlements.exists()


def test_a_settlement_takes_no_more_than_both_documents_have_open(make_customer):
    c = make_customer()
    _invoice(c, "I1", "100")
    with pytest.raises(ValidationError) as exc:
        services.receipt_post(
            actor=None,
            customer=c,
            number="R1",
            date=DAY,
            amount=D("500"),
            allocations=[{"invoice": "I1", "amount": D("100.01")}],
        )
    assert "At most 100.00" in _errors(exc)["allocations.0.amount"][0]
    assert not Receipt.objects.exists()  # nothing half done
    with pytest.raises(ValidationError) as exc:
        services.receipt_post(
            actor=None,
            customer=c,
            number="R1",
            date=DAY,
            amount=D("500"),
            allocations=[{"invoice": "NOPE", "amount": D("1")}],
        )
    assert "allocations.0.invoice" in _errors(exc)
    other = make_customer()
    foreign = _invoice(other, "I9", "100")
    receipt = services.receipt_post(
        actor=None, customer=c, number="R2", date=DAY, amount=D("5"), allocations=[]
    )
    with pytest.raises(ValidationError) as exc:
        services.settlement_create(actor=None, receipt=receipt, invoice=foreign, amount=D("5"))
    assert "another customer" in _errors(exc)["invoice"][0]
    with pytest.raises(ValidationError) as exc:
        services.settlement_create(
            actor=None,
            receipt=receipt,
            invoice=SalesInvoice.objects.get(number="I1"),
            amount=D("1"),
            date=DAY - datetime.timedelta(days=1),
        )
    assert "date" in _errors(exc)


# Cancelling and reversing --------------------------------------------------------------------


def test_a_settled_invoice_is_cancelled_only_after_its_settlements_are_reversed(make_customer):
    c = make_customer()
    invoice = _invoice(c, "I1", "100")
    receipt = services.receipt_post(actor=None, customer=c, number="R1", date=DAY, amount=D("40"))
    with pytest.raises(ConflictError) as exc:
        services.invoice_cancel(actor=None, invoice=invoice)
    assert exc.value.code == "invoice_settled"

    settlement = receipt.settlements.get()
    services.settlement_reverse(actor=None, settlement=settlement)
    assert Receipt.objects.get(pk=receipt.pk).unapplied_amount == D("40")
    assert SalesInvoice.objects.get(pk=invoice.pk).open_amount == D("100")
    assert _figures(c)["receivable"] == D("60")
    with pytest.raises(ConflictError):
        services.settlement_reverse(actor=None, settlement=settlement)

    services.invoice_cancel(actor=None, invoice=invoice)
    assert _figures(c)["receivable"] == D("-40")
    assert _figures(c)["last_transaction"] == (None, None)
    with pytest.raises(ConflictError):
        services.invoice_cancel(actor=None, invoice=invoice)


def test_reversing_a_receipt_undoes_its_settlements(make_customer):
    c = make_customer()
    _invoice(c, "I1", "100")
    _invoice(c, "I2", "100")
    older = services.receipt_post(actor=None, customer=c, number="R0", date=DAY, amount=D("10"))
    receipt = services.receipt_post(
        actor=None, customer=c, number="R1", date=DAY + datetime.timedelta(days=1), amount=D("150")
    )
    services.receipt_reverse(actor=None, receipt=receipt)
    receipt.refresh_from_db()
    assert receipt.status == "reversed"
    assert not receipt.settlements.filter(status="active").exists()
    assert receipt.settlements.count() == 2  # kept, reversed
    assert sum(SalesInvoice.objects.values_list("open_amount", flat=True)) == D("190")
    assert _figures(c)["receivable"] == D("190")
    assert _figures(c)["last_receipt"] == (DAY, D("10"))  # the reversed one no longer counts
    with pytest.raises(ConflictError):
        services.receipt_reverse(actor=None, receipt=receipt)
    assert older.pk


def test_documents_are_never_deleted_and_every_change_is_audited(make_customer):
    c = make_customer()
    invoice = _invoice(c, "I1", "100")
    with pytest.raises(DocumentDeleteError):
        invoice.delete()
    with pytest.raises(DocumentDeleteError):
        SalesInvoice.objects.all().delete()
    services.invoice_cancel(actor=None, invoice=invoice)
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(SalesInvoice),
        object_id=str(invoice.pk),
        customer_id=c.pk,
    )
    changes = [e.changes for e in events.order_by("at", "id")]
    assert changes[0]["number"] == [None, "I1"]
    assert changes[-1]["status"] == ["posted", "cancelled"]
    with pytest.raises(Exception, match="protected"):
        Customer.objects.get(pk=c.pk).delete()


# Data scope ----------------------------------------------------------------------------------


def test_a_customer_outside_the_actors_scope_is_refused_like_a_missing_one(make_customer):
    user = user_create(username="sp", password="Kehu-test-2026", roles=["salesperson"])
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "甲", "user": "sp"})
    own = make_customer(salesperson="S1")
    theirs = make_customer()
    services.order_create(actor=user, customer=own, number="SO1", date=DAY, amount=D("1"))
    with pytest.raises(Customer.DoesNotExist):
        services.order_create(actor=user, customer=theirs, number="SO2", date=DAY, amount=D("1"))
    invoice = _invoice(theirs, "I1", "5")
    with pytest.raises(Customer.DoesNotExist):
        services.invoice_cancel(actor=user, invoice=invoice)
    assert SalesInvoice.objects.get(pk=invoice.pk).status == "posted"
    assert not SalesOrder.objects.filter(number="SO2").exists()


def test_an_invoice_named_twice_in_the_allocations_is_settled_within_its_open_amount(
    make_customer,
):
    c = make_customer()
    services.invoice_post(actor=None, customer=c, number="I1", date=DAY, amount=D("100"))
    twice = [{"invoice": "I1", "amount": D("60")}, {"invoice": "I1", "amount": D("50")}]

    with pytest.raises(ValidationError) as refused:
        services.receipt_post(
            actor=None, customer=c, number="R1", date=DAY, amount=D("200"), allocations=twice
        )

    assert "allocations.1.amount" in refused.value.message_dict
    assert not Receipt.objects.exists()
    receipt = services.receipt_post(
        actor=None,
        customer=c,
        number="R1",
        date=DAY,
        amount=D("200"),
        allocations=[twice[0], {"invoice": "I1"}],
    )
    assert receipt.unapplied_amount == D("100")
    assert SalesInvoice.objects.get(number="I1").open_amount == 0
    assert list(Settlement.objects.order_by("pk").values_list("amount", flat=True)) == [
        D("60"),
        D("40"),
    ]
