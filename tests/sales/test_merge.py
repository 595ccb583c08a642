"""A customer merge (kehu.quality.merge) moves the sales documents with their figures."""

from kehu.customers.models import Customer
from kehu.quality.merge import customer_merge
from kehu.sales import services
from kehu.sales.balances import balances_differences
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement
from tests.sales.conftest import DAY, D


def test_the_merged_customers_documents_and_balances_add_up(make_customer, admin_user):
    survivor, other = make_customer(), make_customer()
    for who, key in ((survivor, "A"), (other, "B")):
        services.order_create(actor=None, customer=who, number=f"SO{key}", date=DAY, amount=D("70"))
        services.invoice_post(
            actor=None, customer=who, number=f"IN{key}", date=DAY, amount=D("100")
        )
        services.receipt_post(actor=None, customer=who, number=f"RC{key}", date=DAY, amount=D("30"))

    customer_merge(actor=admin_user, survivor=survivor, other=other)

    merged = Customer.objects.get(pk=survivor.pk)
    assert merged.receivable_balance == D("140")
    assert merged.open_order_amount == D("140")
    for model in (SalesOrder, SalesInvoice, Receipt, Settlement):
        assert set(model.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    assert balances_differences() == []


def test_the_merge_preview_lists_each_kind_of_record_once_with_its_count(make_customer, admin_user):
    from kehu.credit.choices import CreditMode, PolicyScope
    from kehu.credit.services import policy_save
    from kehu.quality.merge import customer_merge_preview

    policy_save(actor=None, data={"scope": PolicyScope.DEFAULT, "mode": CreditMode.WARN})
    survivor = make_customer()
    other = make_customer(credit_limit="10", control_credit_limit=True)
    services.order_create(actor=None, customer=other, number="SO1", date=DAY, amount=D("70"))

    preview = customer_merge_preview(actor=admin_user, survivor=survivor, other=other)

    keys = [move.key for move in preview.moves]
    assert len(keys) == len(set(keys))
    moves = {move.key: move.count for move in preview.moves}
    # the warning names ``other`` twice (customer and credit unit): one record
    assert moves["credit.creditevent"] == 1
    assert moves["sales.salesorder"] == 1

    customer_merge(actor=admin_user, survivor=survivor, other=other)

    from kehu.credit.models import CreditEvent

    event = CreditEvent.objects.get()
    assert (event.customer_id, event.credit_unit_id) == (survivor.pk, survivor.pk)
