"""Every credit refusal is recorded (SPEC §5), also when the refusal rolls back the caller's
own transaction: an all-or-nothing import, a caller's ``transaction.atomic()``."""

import pytest
from django.db import transaction

from kehu.credit.checks import CreditRefused
from kehu.credit.choices import EventKind
from kehu.credit.models import CreditEvent
from kehu.masterdata.models import Currency
from kehu.quality.importing import import_file
from kehu.sales.models import SalesOrder
from tests.credit.conftest import today
from tests.credit.test_checks import order
from tests.quality.test_import import write_xlsx

ORDERS = ["订单号", "客户编码", "日期", "金额", "币种", "状态"]


def refusals(customer):
    return list(
        CreditEvent.objects.filter(customer=customer, kind=EventKind.REFUSAL)
        .order_by("id")
        .values_list("document_number", "excess")
    )


def test_a_refusal_that_rolls_back_the_callers_transaction_is_still_recorded(make_customer, policy):
    policy("block")
    c = make_customer()

    with pytest.raises(CreditRefused), transaction.atomic():
        order(c, "SO1", "400")
        order(c, "SO2", "700")  # 400 + 700 > 1000: refused, and SO1 goes with it

    assert not SalesOrder.objects.filter(customer=c).exists()
    assert [number for number, _excess in refusals(c)] == ["SO2"]


def test_a_refusal_is_recorded_once_when_the_caller_commits(make_customer, policy):
    policy("block")
    c = make_customer()

    with transaction.atomic():
        order(c, "SO1", "400")
        with pytest.raises(CreditRefused):
            order(c, "SO2", "700")

    assert [number for number, _excess in refusals(c)] == ["SO2"]
    assert SalesOrder.objects.filter(customer=c).count() == 1


def _import(tmp_path, actor, **options):
    rows = [ORDERS, ["SO1", "K1", today(), 600, "CNY", "开立"]]
    rows.append(["SO2", "K1", today(), 600, "CNY", "开立"])
    return import_file(write_xlsx(tmp_path, {"销售订单": rows}), actor=actor, **options)


def test_an_all_or_nothing_import_refused_by_the_credit_check_keeps_the_record(
    tmp_path, admin_user, make_customer, policy
):
    policy("block")
    c = make_customer(code="K1")

    report = _import(tmp_path, admin_user)

    assert not report.written and not SalesOrder.objects.exists()
    assert refusals(c) == [("SO2", 200)]


def test_an_import_that_skips_refused_rows_records_the_refusal_once(
    tmp_path, admin_user, make_customer, policy
):
    policy("block")
    c = make_customer(code="K1")

    report = _import(tmp_path, admin_user, skip_errors=True)

    assert report.written and list(SalesOrder.objects.values_list("number", flat=True)) == ["SO1"]
    assert refusals(c) == [("SO2", 200)]


def test_a_dry_run_import_records_no_refusal(tmp_path, admin_user, make_customer, policy):
    policy("block")
    c = make_customer(code="K1")

    report = _import(tmp_path, admin_user, dry_run=True)

    assert not report.written and not SalesOrder.objects.exists()
    assert [(e.line, e.code) for e in report.errors] == [(3, "credit_refused")]
    assert refusals(c) == []


@pytest.mark.django_db(transaction=True)
def test_a_refusal_outlives_the_rollback_of_the_outermost_transaction(make_customer, policy):
    # A transactional test starts from an emptied database: the seeded currency may be gone.
    Currency.objects.get_or_create(code="CNY", defaults={"name": "人民币", "decimals": 2})
    policy("block")
    c = make_customer()

    with pytest.raises(CreditRefused), transaction.atomic():
        order(c, "SO1", "400")
        order(c, "SO2", "700")

    assert not SalesOrder.objects.exists()
    assert [number for number, _excess in refusals(c)] == ["SO2"]
