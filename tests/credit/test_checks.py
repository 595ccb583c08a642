"""The credit check of SPEC §5, rule by rule, through the sales services that run it."""

import pytest
from django.core.exceptions import ValidationError

from kehu.credit import checks
from kehu.credit.checks import CreditRefused
from kehu.credit.choices import ApprovalStatus, EventKind
from kehu.credit.models import CreditApproval, CreditEvent
from kehu.customers.models import Customer
from kehu.customers.services import customer_update
from kehu.sales import services as sales
from kehu.sales.choices import OrderStatus
from kehu.sales.models import SalesInvoice, SalesOrder
from tests.credit.conftest import D, days_ago, today


def order(customer, number, amount, **kwargs):
    return sales.order_create(
        actor=None, customer=customer, number=number, date=today(), amount=D(amount), **kwargs
    )


def invoice(customer, number, amount, date=None):
    return sales.invoice_post(
        actor=None, customer=customer, number=number, date=date or today(), amount=D(amount)
    )


def kinds(customer):
    return list(
        CreditEvent.objects.filter(customer=customer).order_by("id").values_list("kind", flat=True)
    )


def test_without_any_policy_nothing_is_checked(make_customer):
    c = make_customer()
    order(c, "SO1", "5000")
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("5000")
    assert kinds(c) == []


def test_block_refuses_an_order_above_the_limit_and_explains_it(make_customer, policy):
    policy("block")
    c = make_customer()
    invoice(c, "IN1", "300")
    order(c, "SO1", "500")

    with pytest.raises(CreditRefused) as refused:
        order(c, "SO2", "250")

    error = refused.value
    assert error.code == "credit_refused" and error.status == 409
    text = str(error)
    for shown in ("1000.00", "300.00", "500.00", "250.00", "1050.00", "50.00", "CNY"):
        assert shown in text, (shown, text)
    assert error.params["excess"] == "50.00" and error.params["exposure"] == "1050.00"
    assert not SalesOrder.objects.filter(number="SO2").exists()
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("500")
    event = CreditEvent.objects.get(kind=EventKind.REFUSAL)
    assert (event.document_number, event.amount, event.excess) == ("SO2", D("250"), D("50"))
    assert "exceeded by 50.00" in event.explanation


def test_up_to_the_limit_exactly_is_allowed(make_customer, policy):
    policy("block")
    c = make_customer()
    order(c, "SO1", "1000")
    assert kinds(c) == []


def test_warn_saves_the_order_and_records_the_warning(make_customer, policy):
    policy("warn")
    c = make_customer()
    saved = order(c, "SO1", "1200")
    assert saved.status == OrderStatus.OPEN
    assert "exceeded by 200.00" in saved.credit_decision.message
    event = CreditEvent.objects.get()
    assert (event.kind, event.order, event.excess) == (EventKind.WARNING, saved, D("200"))


def test_no_check_mode_lets_everything_through(make_customer, policy):
    policy("none")
    c = make_customer()
    order(c, "SO1", "9000")
    assert kinds(c) == []


def test_overdue_invoices_beyond_the_tolerance_refuse_and_are_listed(make_customer, policy):
    policy("block", tolerance=10)
    c = make_customer(control_credit_days=True)
    invoice(c, "OLD2", "50", date=days_ago(35))  # due 5 days ago: within the tolerance
    invoice(c, "OLD1", "100", date=days_ago(45))  # due 15 days ago: 15 > 10

    with pytest.raises(CreditRefused) as refused:
        order(c, "SO1", "10")

    details = refused.value.details
    assert details["overdue_count"] == 1 and details["overdue_total"] == "100.00"
    assert details["overdue"] == [
        {"number": "OLD1", "due_date": days_ago(15).isoformat(), "open": "100.00", "days": 15}
    ]
    assert f"OLD1 due {days_ago(15).isoformat()}, 100.00 open, 15 days overdue" in str(
        refused.value
    )


def test_the_first_overdue_invoices_are_listed_by_due_date_and_all_counted(make_customer, policy):
    c = make_customer(control_credit_days=True, credit_limit="100000")
    for n in range(12):
        invoice(c, f"OLD{n:02d}", f"{n + 1}", date=days_ago(40 + n))
    invoice(c, "NEW", "500", date=days_ago(1))  # not due yet
    policy("block")

    with pytest.raises(CreditRefused) as refused:
        order(c, "SO1", "10")

    details = refused.value.details
    assert details["overdue_count"] == 12 and details["overdue_total"] == "78.00"
    listed = [row["number"] for row in details["overdue"]]
    assert listed == [f"OLD{n:02d}" for n in range(11, 1, -1)]  # the oldest due first
    assert details["receivables"] == "578.00" and details["excess"] == "0.00"
    assert "… and 2 more." in str(refused.value)


def test_the_overdue_check_follows_the_customers_switch(make_customer, policy):
    policy("block", tolerance=0)
    c = make_customer(control_credit_days=False)
    invoice(c, "OLD1", "100", date=days_ago(90))
    order(c, "SO1", "10")  # the credit period is not controlled for this customer


def test_a_paid_overdue_invoice_no_longer_stops_orders(make_customer, policy):
    policy("block", tolerance=0)
    c = make_customer(control_credit_days=True)
    invoice(c, "OLD1", "100", date=days_ago(90))
    with pytest.raises(CreditRefused):
        order(c, "SO1", "10")
    sales.receipt_post(actor=None, customer=c, number="R1", date=today(), amount=D("100"))
    order(c, "SO1", "10")


def test_the_limit_switch_off_or_no_limit_means_no_limit_check(make_customer, policy):
    policy("block")
    order(make_customer(control_credit_limit=False), "SO1", "5000")
    order(make_customer(credit_limit=None), "SO2", "5000")


def test_a_class_policy_wins_over_a_grade_policy_and_the_nearest_class_wins(
    make_customer, policy, grades
):
    policy("block", grade="A")
    policy("warn", class_code="01")
    c = make_customer(class_code="0101", credit_grade="A")
    order(c, "SO1", "1500")  # the class 01 policy (warn) applies, not the grade's (block)
    assert kinds(c) == [EventKind.WARNING]
    assert CreditEvent.objects.get(customer=c).details["policy"].startswith("01")
    policy("block", class_code="0101")
    with pytest.raises(CreditRefused) as refused:
        order(c, "SO2", "1")
    assert refused.value.details["policy"].startswith("0101")
    other = make_customer(class_code="0201", credit_grade="A")
    with pytest.raises(CreditRefused) as refused:
        order(other, "SO3", "1500")  # no class policy: the grade's
    assert refused.value.details["policy"].startswith("A")
    policy("warn")
    third = make_customer(class_code="0201")
    order(third, "SO4", "1500")  # neither: the default
    assert CreditEvent.objects.get(customer=third).details["policy"] == "Every customer (default)"


def test_cash_only_is_for_the_lowest_grade_and_refuses_any_credit(make_customer, policy, grades):
    with pytest.raises(ValidationError) as wrong:
        policy("none", grade="A", cash_only=True)
    assert "lowest" in str(wrong.value)
    policy("none", grade="C", cash_only=True)
    c = make_customer(credit_grade="C", credit_limit="100000")

    with pytest.raises(CreditRefused) as refused:
        order(c, "SO1", "10")
    assert refused.value.code == "credit_cash_only"
    assert "cash only" in str(refused.value)
    with pytest.raises(CreditRefused):
        invoice(c, "IN1", "10")
    # Paid in advance: the order is covered.
    sales.receipt_post(actor=None, customer=c, number="R1", date=today(), amount=D("50"))
    order(c, "SO1", "50")
    with pytest.raises(CreditRefused):
        order(c, "SO2", "0.01")


def test_cash_only_cannot_be_overridden_by_a_class_policy(make_customer, policy, grades):
    policy("none", grade="C", cash_only=True)
    policy("warn", class_code="01")
    c = make_customer(credit_grade="C")
    with pytest.raises(CreditRefused):
        order(c, "SO1", "10")


def test_branches_are_checked_with_the_whole_group_against_the_head_office(make_customer, policy):
    policy("block")
    head = make_customer(credit_limit="1000")
    branch_a = make_customer(parent_code=head.code, control_via_parent=True, credit_limit=None)
    branch_b = make_customer(parent_code=head.code, control_via_parent=True, credit_limit="99999")
    own = make_customer(parent_code=head.code, control_via_parent=False, credit_limit="5000")
    order(head, "SO1", "400")
    order(branch_a, "SO2", "400")
    invoice(own, "IN1", "3000")  # not controlled through the head office: its own limit

    with pytest.raises(CreditRefused) as refused:
        order(branch_b, "SO3", "300")  # 400 + 400 + 300 > the head office's 1000

    details = refused.value.details
    assert details["credit_unit"] == head.code and details["via_head_office"]
    assert (details["open_orders"], details["excess"]) == ("800.00", "100.00")
    assert f"head office {head.code}" in str(refused.value)
    with pytest.raises(CreditRefused):
        order(head, "SO4", "300")
    order(branch_b, "SO3", "200")


@pytest.mark.parametrize("listed", [500, 2], ids=["listed", "large-group"])
def test_the_group_reaches_down_the_whole_chain_of_controlled_branches(
    make_customer, policy, monkeypatch, listed
):
    # a group beyond GROUP_LISTED customers is read by a recursive query: the same group
    monkeypatch.setattr(checks, "GROUP_LISTED", listed)
    policy("block")
    head = make_customer(credit_limit="1000")
    branch = make_customer(parent_code=head.code, control_via_parent=True)
    sub = make_customer(parent_code=branch.code, control_via_parent=True)
    own = make_customer(parent_code=branch.code, control_via_parent=False, credit_limit="5000")
    apart = make_customer(parent_code=own.code, control_via_parent=True)
    order(sub, "SO1", "300")
    invoice(branch, "IN1", "300")
    order(apart, "SO2", "2000")  # controlled through ``own``: not in the head office's group

    with pytest.raises(CreditRefused) as refused:
        order(sub, "SO3", "500")

    details = refused.value.details
    assert details["credit_unit"] == head.code
    assert (details["receivables"], details["open_orders"]) == ("300.00", "300.00")
    assert details["excess"] == "100.00"
    order(head, "SO4", "400")


def test_raising_an_order_is_checked_lowering_is_not(make_customer, policy):
    policy("block")
    c = make_customer()
    first = order(c, "SO1", "900")
    with pytest.raises(CreditRefused) as refused:
        sales.order_update(actor=None, order=first, data={"amount": D("1100")})
    assert refused.value.details["amount"] == "200.00"  # what the change adds
    assert SalesOrder.objects.get(pk=first.pk).amount == D("900")
    sales.order_update(actor=None, order=first, data={"amount": D("1000")})
    sales.order_update(actor=None, order=first, data={"amount": D("10")})
    sales.order_update(actor=None, order=first, data={"date": days_ago(1)})


def test_reopening_a_closed_order_is_checked(make_customer, policy):
    policy("block")
    c = make_customer()
    first = order(c, "SO1", "800")
    sales.order_close(actor=None, order=first)
    order(c, "SO2", "800")
    with pytest.raises(CreditRefused) as refused:
        sales.order_reopen(actor=None, order=first)
    assert refused.value.details["action"] == "reopen"
    assert SalesOrder.objects.get(pk=first.pk).status == OrderStatus.CLOSED


def test_an_invoice_from_an_order_does_not_count_twice(make_customer, policy):
    policy("block")
    c = make_customer()
    first = order(c, "SO1", "1000")
    sales.invoice_post(actor=None, order=first, number="IN1", date=today(), amount=D("600"))
    sales.invoice_post(actor=None, order=first, number="IN2", date=today())
    assert Customer.objects.get(pk=c.pk).receivable_balance == D("1000")
    with pytest.raises(CreditRefused):
        invoice(c, "IN3", "0.01")  # an invoice alone adds its amount
    assert kinds(c) == [EventKind.REFUSAL]


def test_approval_holds_the_order_until_a_controller_approves_it(make_customer, policy, users):
    from kehu.credit.services import approval_decide

    policy("approval")
    c = make_customer()
    order(c, "SO1", "900")
    held = sales.order_create(
        actor=users["admin"], customer=c, number="SO2", date=today(), amount=D("300")
    )

    assert held.status == OrderStatus.AWAITING_APPROVAL
    assert "exceeded by 200.00" in held.credit_decision.message
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("900")  # not counted yet
    approval = CreditApproval.objects.get(order=held)
    assert (approval.status, approval.excess, approval.requested_by) == (
        ApprovalStatus.PENDING,
        D("200"),
        users["admin"],
    )
    with pytest.raises(sales.ConflictError):
        sales.invoice_post(actor=None, order=held, number="IN1", date=today())

    approval_decide(actor=users["controller"], approval=approval, approve=True, note="大客户")

    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.OPEN
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("1200")
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == (ApprovalStatus.APPROVED, users["controller"])
    events = CreditEvent.objects.filter(order=held).order_by("id")
    assert [(e.kind, e.actor) for e in events] == [
        (EventKind.HELD, users["admin"]),
        (EventKind.APPROVED, users["controller"]),
    ]
    assert events[1].note == "大客户" and "exceeded by 200.00" in events[1].explanation


def test_approval_is_checked_again_within_the_approvers_amount(make_customer, policy, users):
    from kehu.credit.services import approval_decide

    policy("approval")
    c = make_customer()
    held = order(c, "SO1", "1050")  # 50 over: within the junior's 100
    approval = CreditApproval.objects.get(order=held)
    # A held order counts in no exposure meanwhile: another order fits.
    assert order(c, "SO2", "50").status == OrderStatus.OPEN
    # and the limit was lowered: the excess is now 50 + 1050 - 900 = 200.
    customer_update(actor=None, customer=c, data={"credit_limit": "900"})

    with pytest.raises(CreditRefused) as refused:
        approval_decide(actor=users["junior"], approval=approval, approve=True)

    assert refused.value.code == "approval_above_amount"
    assert "excess 200.00 is above your approval amount 100.00" in str(refused.value)
    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.AWAITING_APPROVAL
    assert CreditEvent.objects.filter(order=held, kind=EventKind.REFUSAL).exists()
    approval_decide(actor=users["controller"], approval=approval, approve=True)  # no ceiling
    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.OPEN


def test_only_a_user_with_the_approval_permission_decides(make_customer, policy, users):
    from django.core.exceptions import PermissionDenied

    from kehu.credit.services import approval_decide

    policy("approval")
    held = order(make_customer(), "SO1", "2000")
    approval = CreditApproval.objects.get(order=held)
    with pytest.raises(PermissionDenied):
        approval_decide(actor=users["seller"], approval=approval, approve=True)


def test_rejecting_cancels_and_a_decision_is_final(make_customer, policy, users):
    from kehu.credit.services import approval_decide

    policy("approval")
    held = order(make_customer(), "SO1", "2000")
    approval = CreditApproval.objects.get(order=held)
    approval_decide(actor=users["controller"], approval=approval, approve=False, note="逾期太多")
    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.CANCELLED
    with pytest.raises(sales.ConflictError) as again:
        approval_decide(actor=users["controller"], approval=approval, approve=True)
    assert again.value.code == "approval_decided"
    assert kinds(held.customer) == [EventKind.HELD, EventKind.REJECTED]


def test_cancelling_a_held_order_withdraws_its_request(make_customer, policy):
    policy("approval")
    held = order(make_customer(), "SO1", "2000")
    sales.order_cancel(actor=None, order=held)
    assert CreditApproval.objects.get(order=held).status == ApprovalStatus.WITHDRAWN
    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.CANCELLED


def test_an_invoice_alone_cannot_wait_for_approval(make_customer, policy):
    policy("approval")
    c = make_customer()
    with pytest.raises(CreditRefused) as refused:
        invoice(c, "IN1", "2000")
    assert refused.value.code == "credit_approval_required"
    assert "Enter an order" in str(refused.value)
    assert not SalesInvoice.objects.exists()


def test_raising_an_order_under_approval_holds_it(make_customer, policy, users):
    policy("approval")
    c = make_customer()
    first = order(c, "SO1", "500")
    raised = sales.order_update(actor=None, order=first, data={"amount": D("1500")})
    assert raised.status == OrderStatus.AWAITING_APPROVAL
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("0")
    from kehu.credit.services import approval_decide

    approval_decide(
        actor=users["controller"], approval=CreditApproval.objects.get(order=first), approve=True
    )
    assert Customer.objects.get(pk=c.pk).open_order_amount == D("1500")


def test_a_warned_invoice_is_recorded_with_it(make_customer, policy):
    policy("warn")
    c = make_customer()
    posted = invoice(c, "IN1", "1500")
    event = CreditEvent.objects.get()
    assert (event.kind, event.invoice, event.document_kind) == (
        EventKind.WARNING,
        posted,
        "invoice",
    )
    assert "exceeded by 500.00" in posted.credit_decision.message


def test_a_branchs_held_order_is_recorded_against_its_head_office(make_customer, policy, users):
    policy("approval")
    head = make_customer(credit_limit="100")
    branch = make_customer(parent_code=head.code, control_via_parent=True)
    held = order(branch, "SO1", "300")
    approval = CreditApproval.objects.get(order=held)
    assert (approval.customer, approval.credit_unit) == (branch, head)
    sales.order_cancel(actor=users["admin"], order=held)
    withdrawn = CreditEvent.objects.get(kind=EventKind.WITHDRAWN)
    assert (withdrawn.customer, withdrawn.credit_unit, withdrawn.actor) == (
        branch,
        head,
        users["admin"],
    )


def test_an_approver_with_a_zero_amount_releases_only_overdue_holds(make_customer, policy, users):
    from kehu.credit.services import approval_decide, approver_set

    approver_set(actor=None, user=users["junior"], approval_amount=D("0"))
    policy("approval", tolerance=0)
    c = make_customer(control_credit_days=True)
    invoice(c, "OLD1", "100", date=days_ago(60))
    held = order(c, "SO1", "10")  # within the limit, but an invoice is 30 days overdue
    approval = CreditApproval.objects.get(order=held)
    assert approval.excess == D("0")
    approval_decide(actor=users["junior"], approval=approval, approve=True)
    assert SalesOrder.objects.get(pk=held.pk).status == OrderStatus.OPEN
