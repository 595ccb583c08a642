"""The sample workbook and CSV (tests/quality/data, from /work/shared/data): every listed bad
row refused with its line, column and reason; all or nothing; skip-errors writes the rest,
invoices and receipts included."""

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kehu.audit.models import AuditEvent
from kehu.customers.models import Contact, Customer
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create, customer_class_create, region_create
from kehu.quality.importing import import_file
from kehu.sales.aging import aging_by_customer
from kehu.sales.balances import balances_differences
from kehu.sales.models import Receipt, SalesInvoice, Settlement

DATA = Path(__file__).parent / "data"
EXPECTED = json.loads((DATA / "sample_customers.expected.json").read_text())["rejected"]
CLASSES = (
    ("01", "批发客户"), ("0101", "华东批发"), ("0102", "华北批发"), ("0103", "华南批发"),
    ("02", "零售客户"), ("0201", "连锁商超"), ("0202", "便利店"), ("03", "工业客户"),
    ("0301", "制造业"), ("0302", "建筑业"), ("04", "政府及事业单位"), ("0401", "医院"),
    ("0402", "学校"),
)  # fmt: skip
REGIONS = (
    ("01", "华北"), ("0101", "北京"), ("0102", "天津"), ("0103", "河北"), ("02", "华东"),
    ("0201", "上海"), ("0202", "江苏"), ("0203", "浙江"), ("03", "华南"), ("0301", "广东"),
    ("0302", "福建"), ("04", "西南"), ("0401", "四川"), ("0402", "重庆"),
)  # fmt: skip
PAYMENT_TERMS = (
    ("01", "货到付款", "n/0"), ("02", "月结30天", "n/30"), ("03", "月结60天", "n/60"),
    ("04", "2/10,n/30", "2/10,n/30"), ("05", "1/20,n/45", "1/20,n/45"), ("06", "款到发货", "n/0"),
)  # fmt: skip


@pytest.fixture
def sample_master_data(db):
    """What the sample refers to besides its own class and region sheets."""
    _missing(md.Currency, [{"code": "CNY", "name": "人民币"}])
    _missing(
        md.CreditGrade,
        [
            {"code": code, "name": code, "rank": rank}
            for rank, code in enumerate(("AAA", "AA", "A", "B", "C"), start=1)
        ],
    )
    _missing(
        md.PaymentTerms,
        [{"code": code, "name": name, "text": text} for code, name, text in PAYMENT_TERMS],
    )


def _missing(model, rows):
    present = set(model.objects.values_list("code", flat=True))
    for row in rows:
        if row["code"] not in present:
            coded_item_create(model, actor=None, data=row)


@pytest.fixture
def sample_trees(db):
    for code, name in CLASSES:
        customer_class_create(actor=None, data={"code": code, "name": name})
    for code, name in REGIONS:
        region_create(actor=None, data={"code": code, "name": name})


def _customer_errors(report) -> dict[int, list]:
    found: dict[int, list] = {}
    for error in report.errors:
        if error.sheet == "customers":
            found.setdefault(error.line, []).append(error)
    return found


def customers_workbook(tmp_path) -> Path:
    """The workbook without its 3,200 invoices and receipts, whose import through the sales
    services takes a minute: what the tests of the import's interfaces read (expected.json
    lists customer rows only). The skip-errors test below imports the whole workbook; all or
    nothing with documents is tests/sales/test_importing.py's."""
    workbook = load_workbook(DATA / "sample_customers.xlsx")
    for name in ("销售发票", "收款单"):
        del workbook[name]
    path = tmp_path / "sample_customers.xlsx"
    workbook.save(path)
    return path


@pytest.mark.django_db
def test_all_or_nothing_refuses_every_listed_row_and_writes_nothing(
    admin_user, sample_master_data, tmp_path
):
    report = import_file(customers_workbook(tmp_path), actor=admin_user)

    errors = _customer_errors(report)
    assert sorted(errors) == sorted(case["line"] for case in EXPECTED)
    for case in EXPECTED:
        error = errors[case["line"]][0]
        assert error.key == case["code"]
        assert error.column and error.message
        assert f"line {case['line']}" in error.text and error.column in error.text
    assert not report.written
    assert Customer.objects.count() == 0
    assert md.CustomerClass.objects.count() == 0


@pytest.mark.django_db
def test_skip_errors_writes_every_other_row(admin_user, sample_master_data):
    report = import_file(DATA / "sample_customers.xlsx", actor=admin_user, skip_errors=True)

    assert report.written
    rejected_codes = {case["code"] for case in EXPECTED if "repeated" not in case["case"]}
    assert Customer.objects.count() == 200 - len(rejected_codes)
    assert not Customer.objects.filter(code__in=rejected_codes).exists()
    assert report.sheets["customers"].created == 200 - len(rejected_codes)
    # contacts of refused customers are refused in turn, naming the row they depend on
    dependent = [e for e in report.errors if e.sheet == "contacts"]
    assert {e.key for e in dependent} == {
        "C00007",
        "C00046",
        "C00049",
        "C00070",
        "C00078",
        "C00088",
    }
    assert all(e.code == "depends_on" and "line" in e.message for e in dependent)
    assert Contact.objects.count() == 100 - len(dependent)
    assert report.sheets["contacts"].rejected == len(dependent)
    events = AuditEvent.objects.filter(operation_id=report.operation_id)
    assert events.count() >= Customer.objects.count()
    _assert_the_documents_are_the_workbooks(report)


def _assert_the_documents_are_the_workbooks(report):
    """Every invoice and receipt of the workbook is posted, each receipt settles the invoice
    it names, and the customers' balances are what remains unpaid."""
    workbook = load_workbook(DATA / "sample_customers.xlsx", read_only=True)
    invoices = list(workbook["销售发票"].iter_rows(min_row=2, values_only=True))
    receipts = list(workbook["收款单"].iter_rows(min_row=2, values_only=True))
    assert report.sheets["invoices"].created == len(invoices) == SalesInvoice.objects.count()
    assert report.sheets["receipts"].created == len(receipts) == Receipt.objects.count()
    assert not [e for e in report.errors if e.sheet in ("invoices", "receipts")]
    paid = {invoice: amount for _n, _c, _d, amount, _cur, invoice in receipts}
    settled = dict(Settlement.objects.values_list("invoice__number", "amount"))
    assert settled == {number: Decimal(amount) for number, amount in paid.items()}
    unpaid = defaultdict(Decimal)
    for number, code, _date, amount, _currency, _due in invoices:
        unpaid[code] += Decimal(amount) - Decimal(paid.get(number, 0))
    balances = dict(Customer.objects.values_list("code", "receivable_balance"))
    assert {code: balances[code] for code in unpaid} == unpaid
    open_amounts = defaultdict(Decimal)
    for code, amount in SalesInvoice.objects.values_list("customer__code", "open_amount"):
        open_amounts[code] += amount
    assert open_amounts == unpaid
    overdue = SalesInvoice.objects.filter(open_amount__gt=0, due_date__lt="2025-12-31")
    assert overdue.exists()  # the workbook's late payers show in the aging
    assert balances_differences() == []
    # The aging of the result (issue 7): as of today each customer's buckets add up to what
    # the workbook leaves unpaid, and its overdue buckets to its open invoices past due
    today = datetime.date.today()
    aging = aging_by_customer(Customer.objects.all(), today)
    codes = dict(Customer.objects.values_list("pk", "code"))
    assert {codes[pk]: row.open_total for pk, row in aging.items() if row.open_total} == {
        code: amount for code, amount in unpaid.items() if amount
    }
    overdue_by_code = defaultdict(Decimal)
    past_due = SalesInvoice.objects.filter(open_amount__gt=0, due_date__lt=today)
    for code, amount in past_due.values_list("customer__code", "open_amount"):
        overdue_by_code[code] += amount
    assert {codes[pk]: row.overdue for pk, row in aging.items() if row.overdue} == dict(
        overdue_by_code
    )


@pytest.mark.django_db
def test_the_gb18030_csv_is_the_customer_sheet(admin_user, sample_master_data, sample_trees):
    path = DATA / "sample_customers.csv"
    refused = import_file(path, actor=admin_user)

    assert sorted(_customer_errors(refused)) == sorted(case["line"] for case in EXPECTED)
    assert not refused.written and not Customer.objects.exists()

    written = import_file(path, actor=admin_user, skip_errors=True)
    assert written.written
    assert Customer.objects.count() == 200 - (len(EXPECTED) - 1)
    assert Customer.objects.get(code="C00001").name == "浙江泰锐家居有限公司"
