"""Importing the sales documents' sheets (SPEC §8: 销售订单, 销售发票, 收款单) through the
sales services: upsert by number, settlement, errors per row and column, dependent rows."""

import datetime

import pytest

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.core.errors import ConflictError
from kehu.customers.models import Customer
from kehu.quality.importing import import_file
from kehu.sales import services
from kehu.sales.balances import balances_differences
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement
from tests.quality.test_import import write_xlsx
from tests.sales.conftest import D

ORDERS = ["订单号", "客户编码", "日期", "金额", "币种", "状态"]
INVOICES = ["发票号", "客户编码", "日期", "金额", "币种", "到期日"]
RECEIPTS = ["收款单号", "客户编码", "日期", "金额", "币种", "核销发票号"]
JAN = datetime.date(2025, 1, 10)
FEB = datetime.date(2025, 2, 10)
MAR = datetime.date(2025, 3, 10)


@pytest.fixture
def buyer(make_customer):
    return make_customer(code="K1")


def _import(tmp_path, sheets, actor, **options):
    return import_file(write_xlsx(tmp_path, sheets), actor=actor, **options)


def _errors(report):
    return {(e.sheet, e.line): e for e in report.errors}


def test_documents_are_posted_and_receipts_settle_the_named_invoice_or_the_oldest(
    tmp_path, admin_user, buyer
):
    report = _import(
        tmp_path,
        {
            "销售订单": [ORDERS, ["SO1", "K1", JAN, 500, "CNY", "开立"]],
            "销售发票": [
                INVOICES,
                ["I1", "K1", JAN, 100, "CNY", None],
                ["I2", "K1", FEB, "200.50", None, datetime.date(2025, 2, 20)],
                ["I3", "K1", "2025-03-10", 300, "cny", None],
            ],
            "收款单": [
                RECEIPTS,
                ["R1", "K1", MAR, 200.5, "CNY", "I2"],
                ["R2", "K1", MAR, 150, "CNY", None],
            ],
        },
        admin_user,
    )

    assert report.ok and report.written, report.errors
    assert {k: (c.created, c.rejected) for k, c in report.sheets.items()} == {
        "orders": (1, 0),
        "invoices": (3, 0),
        "receipts": (2, 0),
    }
    i1, i2, i3 = SalesInvoice.objects.order_by("number")
    assert i1.due_date == JAN + datetime.timedelta(days=30)  # the customer's credit period
    assert i2.due_date == datetime.date(2025, 2, 20) and i2.amount == D("200.50")
    # R1 settles I2, which it names; R2 the oldest open invoice first: all of I1, then I3
    assert (i1.open_amount, i2.open_amount, i3.open_amount) == (D("0"), D("0"), D("250"))
    assert set(Settlement.objects.values_list("receipt__number", "invoice__number")) == {
        ("R1", "I2"),
        ("R2", "I1"),
        ("R2", "I3"),
    }
    customer = Customer.objects.get(code="K1")
    assert customer.receivable_balance == D("250")
    assert customer.open_order_amount == D("500")
    assert customer.last_receipt_on == MAR
    assert balances_differences() == []
    assert (
        AuditEvent.objects.filter(
            operation_id=report.operation_id,
            customer_id=customer.pk,
            content_type__model="salesinvoice",
            action="create",
        ).count()
        == 3
    )


def test_the_same_rows_again_change_nothing(tmp_path, admin_user, buyer):
    sheets = {
        "销售订单": [ORDERS, ["SO1", "K1", JAN, 500, "CNY", None]],
        "销售发票": [INVOICES, ["I1", "K1", JAN, 100, "CNY", datetime.date(2025, 2, 1)]],
        "收款单": [RECEIPTS, ["R1", "K1", FEB, 60, "CNY", "I1"]],
    }
    _import(tmp_path, sheets, admin_user)
    events = AuditEvent.objects.count()

    again = _import(tmp_path, sheets, admin_user)

    assert again.ok and again.written
    assert {k: c.unchanged for k, c in again.sheets.items()} == {
        "orders": 1,
        "invoices": 1,
        "receipts": 1,
    }
    assert AuditEvent.objects.count() == events
    assert Settlement.objects.count() == 1


def test_an_open_order_takes_the_changes_and_its_new_status(tmp_path, admin_user, buyer):
    _import(tmp_path, {"销售订单": [ORDERS, ["SO1", "K1", JAN, 500, "CNY", None]]}, admin_user)

    report = _import(
        tmp_path, {"销售订单": [ORDERS, ["SO1", "K1", JAN, 800, "CNY", "关闭"]]}, admin_user
    )

    assert report.ok and report.sheets["orders"].updated == 1
    assert report.changes[0].fields == {
        "amount": ["500.00", "800.00"],
        "status": ["open", "closed"],
    }
    order = SalesOrder.objects.get(number="SO1")
    assert (order.amount, order.status) == (D("800"), "closed")
    assert Customer.objects.get(code="K1").open_order_amount == 0

    refused = _import(
        tmp_path, {"销售订单": [ORDERS, ["SO1", "K1", JAN, 900, "CNY", None]]}, admin_user
    )
    error = _errors(refused)[("orders", 2)]
    assert error.code == "not_changeable" and error.column == "金额"
    assert "cannot change" in error.message and "800.00" in error.message


def test_a_changed_posted_invoice_or_receipt_is_refused_and_nothing_is_written(
    tmp_path, admin_user, buyer
):
    services.invoice_post(actor=None, customer=buyer, number="I1", date=JAN, amount=D("100"))
    services.receipt_post(actor=None, customer=buyer, number="R1", date=FEB, amount=D("40"))

    report = _import(
        tmp_path,
        {
            "销售发票": [
                INVOICES,
                ["I1", "K1", JAN, 120, "CNY", None],
                ["I2", "K1", FEB, 50, "CNY", None],
            ],
            "收款单": [RECEIPTS, ["R1", "K1", MAR, 40, "CNY", None]],
        },
        admin_user,
    )

    errors = _errors(report)
    assert errors[("invoices", 2)].column == "金额"
    assert "I1 is posted" in errors[("invoices", 2)].message
    assert "100.00" in errors[("invoices", 2)].message
    assert "120.00" in errors[("invoices", 2)].message
    assert errors[("receipts", 2)].column == "日期"
    assert "reverse it" in errors[("receipts", 2)].message
    assert not report.written
    assert not SalesInvoice.objects.filter(number="I2").exists()
    assert SalesInvoice.objects.get(number="I1").amount == D("100")


def test_a_posted_receipt_can_settle_the_invoice_a_later_file_names(tmp_path, admin_user, buyer):
    services.invoice_post(actor=None, customer=buyer, number="I1", date=JAN, amount=D("100"))
    services.receipt_post(
        actor=None, customer=buyer, number="R1", date=FEB, amount=D("40"), allocations=[]
    )

    report = _import(
        tmp_path, {"收款单": [RECEIPTS, ["R1", "K1", FEB, 40, "CNY", "I1"]]}, admin_user
    )

    assert report.ok and report.sheets["receipts"].updated == 1
    assert SalesInvoice.objects.get(number="I1").open_amount == D("60")


def test_bad_cells_are_reported_by_sheet_line_and_column(tmp_path, admin_user, buyer, usd):
    report = _import(
        tmp_path,
        {
            "销售订单": [
                ORDERS,
                ["SO1", "K1", JAN, 100, "CNY", "挂起"],
                ["SO2", "K9", JAN, 100, "CNY", None],
            ],
            "销售发票": [
                INVOICES,
                ["I1", "K1", "2025/01/10", 100, "CNY", None],
                ["I2", "K1", JAN, "一百", "CNY", None],
                ["I3", "K1", JAN, 100, "USD", None],
                ["I4", "K1", FEB, 100, "CNY", JAN],
                ["I5", "K1", JAN, None, "CNY", None],
                ["I6", "K1", JAN, "10.123", "CNY", None],
                ["I7", "K1", JAN, 10, "CNY", None],
                ["I7", "K1", JAN, 10, "CNY", None],
                ["I 8/1", "K1", JAN, 10, "CNY", None],
            ],
            "收款单": [RECEIPTS, ["R1", "K1", FEB, 10, "CNY", "I404"]],
        },
        admin_user,
        skip_errors=True,
    )

    errors = _errors(report)
    expected = {
        ("orders", 2): ("状态", "invalid"),
        ("orders", 3): ("客户编码", "does_not_exist"),
        ("invoices", 2): ("日期", "invalid"),
        ("invoices", 3): ("金额", "invalid"),
        ("invoices", 4): ("币种", "currency_mismatch"),
        ("invoices", 5): ("到期日", "invalid"),
        ("invoices", 6): ("金额", "required"),
        ("invoices", 7): ("金额", "max_decimal_places"),
        ("invoices", 9): ("发票号", "repeated"),
        ("invoices", 10): ("发票号", "invalid"),
        ("receipts", 2): ("核销发票号", "invalid"),
    }
    assert {key: (e.column, e.code) for key, e in errors.items()} == expected
    for error in report.errors:
        assert f"line {error.line}" in error.text and error.column in error.text
    assert "USD" in errors[("invoices", 4)].message
    assert "before the invoice date" in errors[("invoices", 5)].message
    assert "no invoice I404" in errors[("receipts", 2)].message
    assert report.written  # skip-errors: the valid rows are kept
    assert list(SalesInvoice.objects.values_list("number", flat=True)) == ["I7"]
    assert not Receipt.objects.exists()


def test_rows_of_a_refused_customer_or_invoice_are_refused_in_turn(tmp_path, admin_user, classes):
    report = _import(
        tmp_path,
        {
            "客户": [
                ["客户编码", "客户名称", "所属分类", "币种"],
                ["K1", "甲贸易有限公司", "0101", "CNY"],
                ["K2", "乙贸易有限公司", "9999", "CNY"],
            ],
            "销售发票": [
                INVOICES,
                ["I1", "K2", JAN, 100, "CNY", None],
                ["I2", "K1", JAN, 100, "USD", None],
                ["I3", "K1", JAN, 100, "CNY", None],
            ],
            "收款单": [
                RECEIPTS,
                ["R1", "K2", FEB, 10, "CNY", None],
                ["R2", "K1", FEB, 10, "CNY", "I2"],
                ["R3", "K1", FEB, 10, "CNY", "I3"],
            ],
        },
        admin_user,
        skip_errors=True,
    )

    errors = _errors(report)
    for key, column in (
        (("invoices", 2), "客户编码"),
        (("receipts", 2), "客户编码"),
        (("receipts", 3), "核销发票号"),
    ):
        assert errors[key].code == "depends_on" and errors[key].column == column
        assert "line" in errors[key].message
    assert list(Receipt.objects.values_list("number", flat=True)) == ["R3"]
    assert SalesInvoice.objects.get(number="I3").open_amount == D("90")


def test_a_dry_run_lists_the_documents_and_writes_nothing(tmp_path, admin_user, classes):
    report = _import(
        tmp_path,
        {
            "客户": [
                ["客户编码", "客户名称", "所属分类", "币种"],
                ["K1", "甲贸易有限公司", "0101", "CNY"],
            ],
            "Invoices": [
                ["number", "customer_code", "date", "amount"],
                ["I1", "K1", JAN, 100],
            ],
        },
        admin_user,
        dry_run=True,
    )

    assert report.ok and not report.written
    assert [(c.sheet, c.key, c.action) for c in report.changes] == [
        ("customers", "K1", "create"),
        ("invoices", "I1", "create"),
    ]
    assert not SalesInvoice.objects.exists() and not Customer.objects.exists()


def test_a_refusal_of_the_services_credit_check_is_a_row_error(
    tmp_path, admin_user, buyer, monkeypatch
):
    class CreditLimitExceeded(ConflictError):
        code = "credit_limit"

    def refuse(**kwargs):
        raise CreditLimitExceeded("The credit limit of 50.00 would be exceeded by 50.00.")

    monkeypatch.setattr(services, "invoice_post", refuse)

    report = _import(
        tmp_path, {"销售发票": [INVOICES, ["I1", "K1", JAN, 100, "CNY", None]]}, admin_user
    )

    error = _errors(report)[("invoices", 2)]
    assert error.code == "credit_limit" and "exceeded" in error.message
    assert not report.written


def test_each_sheet_needs_its_permissions(tmp_path, buyer):
    seller = user_create(username="s", password="Kehu-user-2026", roles=["salesperson"])

    report = _import(
        tmp_path, {"销售发票": [INVOICES, ["I1", "K1", JAN, 100, "CNY", None]]}, seller
    )

    assert [e.code for e in report.errors] == ["forbidden"]
    assert not SalesInvoice.objects.exists()


def test_documents_of_customers_outside_the_scope_are_unknown(tmp_path, classes, make_customer):
    from kehu.masterdata import models as md
    from kehu.masterdata.services import coded_item_create

    coded_item_create(md.Department, actor=None, data={"code": "D1", "name": "一部"})
    manager = user_create(
        username="m", password="Kehu-user-2026", roles=["sales manager"], scope="own"
    )
    make_customer(code="K1")

    report = _import(
        tmp_path, {"销售订单": [ORDERS, ["SO1", "K1", JAN, 100, "CNY", None]]}, manager
    )

    assert _errors(report)[("orders", 2)].code == "does_not_exist"
    assert not SalesOrder.objects.exists()
