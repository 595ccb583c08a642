"""Importing workbooks and CSV files (SPEC §7, §8): formats, headers, values, upsert, dependent
rows, dry run, audit, data scope."""

import datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.customers import exports
from kehu.customers.models import Contact, Customer, DeliveryAddress
from kehu.customers.selectors import customers_visible_to
from kehu.customers.services import user_field_create
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from kehu.quality.importing import import_file
from tests.factories import class_tree, customer, region_tree

pytestmark = pytest.mark.django_db

ZH_HEADER = ["客户编码", "客户名称", "所属分类", "信用额度", "成立日期", "邮箱"]
EN_HEADER = ["code", "name", "class_code", "credit_limit", "founded_on", "email"]


@pytest.fixture
def trees(db):
    class_tree("01", "0101", "0102", "02", "0201")
    region_tree("01", "0101")


def write_xlsx(tmp_path, sheets: dict, name="import.xlsx"):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def write_csv(tmp_path, rows, encoding="utf-8", name="import.csv"):
    text = "\r\n".join(",".join(str(cell) for cell in row) for row in rows) + "\r\n"
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_by_line(report):
    return {(e.sheet, e.line): e for e in report.errors}


# Formats and headers ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_keeps_the_chinese_text(tmp_path, admin_user, trees, encoding):
    path = write_csv(
        tmp_path,
        [ZH_HEADER, ["C1", "上海甲乙贸易有限公司", "0101", "1000.50", "2020-02-29", "a@b.cn"]],
        encoding,
    )
    report = import_file(path, actor=admin_user)

    assert report.ok and report.written
    created = Customer.objects.get(code="C1")
    assert created.name == "上海甲乙贸易有限公司"
    assert created.credit_limit == Decimal("1000.50")
    assert created.founded_on == datetime.date(2020, 2, 29)


def test_english_headers_in_any_order_and_case(tmp_path, admin_user, trees):
    path = write_xlsx(
        tmp_path,
        {
            "Customers": [
                ["Email", "NAME", "code", "class_code"],
                ["x@y.cn", "甲公司", "C2", "0102"],
            ]
        },
    )
    report = import_file(path, actor=admin_user)

    assert report.ok, report.errors
    assert Customer.objects.get(code="C2").email == "x@y.cn"


def test_an_unknown_column_refuses_the_file_naming_sheet_and_header(tmp_path, admin_user, trees):
    path = write_xlsx(
        tmp_path,
        {"客户": [["客户编码", "客户名称", "所属分类", "颜色"], ["C3", "乙", "0101", "红"]]},
    )
    report = import_file(path, actor=admin_user, skip_errors=True)

    assert not report.written
    [error] = report.errors
    assert (error.line, error.column, error.code) == (1, "颜色", "unknown_column")
    assert "颜色" in error.message and "客户" in error.message
    assert not Customer.objects.exists()


def test_a_user_defined_field_is_a_column_by_its_label(tmp_path, admin_user, trees):
    user_field_create(
        actor=None,
        data={"key": "source", "label_zh": "客户来源", "label_en": "Source", "field_type": "text"},
    )
    path = write_xlsx(
        tmp_path,
        {"客户": [["客户编码", "客户名称", "所属分类", "客户来源"], ["C4", "丙", "0101", "展会"]]},
    )
    report = import_file(path, actor=admin_user)

    assert report.ok, report.errors
    assert Customer.objects.get(code="C4").user_fields == {"source": "展会"}


def test_date_cells_numbers_and_booleans(tmp_path, admin_user, trees):
    header = [
        "code",
        "name",
        "class_code",
        "founded_on",
        "employees",
        "is_supplier",
        "credit_limit",
    ]
    rows = [
        ["D1", "丁一", "0101", datetime.date(2001, 5, 6), 150.0, "是", 2000.25],
        ["D2", "丁二", "0101", "2002-06-07", "12", "Y", "3000"],
        ["D3", "丁三", "0101", None, None, "false", None],
        ["D4", "丁四", "0101", None, None, 1, None],
        ["D5", "丁五", "0101", None, None, "maybe", "12.345"],
    ]
    report = import_file(
        write_xlsx(tmp_path, {"customers": [header, *rows]}), actor=admin_user, skip_errors=True
    )

    d1, d2, d3, d4 = (Customer.objects.get(code=c) for c in ("D1", "D2", "D3", "D4"))
    assert (d1.founded_on, d1.employees, d1.is_supplier) == (datetime.date(2001, 5, 6), 150, True)
    assert d1.credit_limit == Decimal("2000.25")
    assert (d2.founded_on, d2.employees, d2.is_supplier) == (datetime.date(2002, 6, 7), 12, True)
    assert d3.is_supplier is False and d4.is_supplier is True
    columns = {e.column for e in report.errors if e.line == 6}
    assert columns == {"is_supplier", "credit_limit"}  # not a yes/no; 3 decimal places


def test_dates_and_checked_texts_written_in_a_csv(tmp_path, admin_user, trees):
    # A real day in ISO form is read as that date; an impossible or unreadable one, a bad
    # email or web address, a negative limit get the fields' own errors.
    header = ["code", "name", "class_code", "founded_on", "email", "website", "credit_limit"]
    rows = [
        ["T1", "丙一", "0101", "2020-02-29", "a@b.cn", "https://www.b.cn", "1000.50"],
        ["T2", "丙二", "0101", "2021-02-29", "", "", ""],
        ["T3", "丙三", "0101", "2021-2-3", "", "", ""],
        ["T4", "丙四", "0101", "next week", "not-an-email", "not a url", "-5"],
    ]
    report = import_file(write_csv(tmp_path, [header, *rows]), actor=admin_user, skip_errors=True)

    by_line = {}
    for error in report.errors:
        by_line.setdefault(error.line, set()).add((error.column, error.code))
    assert by_line == {
        3: {("founded_on", "invalid_date")},
        5: {
            ("founded_on", "invalid"),
            ("email", "invalid"),
            ("website", "invalid"),
            ("credit_limit", "min_value"),
        },
    }
    assert Customer.objects.get(code="T1").founded_on == datetime.date(2020, 2, 29)
    assert Customer.objects.get(code="T3").founded_on == datetime.date(2021, 2, 3)


# Upsert ---------------------------------------------------------------------------------------


def _export(tmp_path, language, file_format="xlsx", encoding="utf-8"):
    params = exports.ExportParams(format=file_format, language=language, encoding=encoding)
    path = tmp_path / f"export-{language}.{file_format}"
    with path.open("wb") as file:
        exports.export_write(Customer.objects.order_by("code"), params, file)
    return path


@pytest.mark.parametrize(
    ("language", "file_format", "encoding"),
    [
        ("zh-hans", "xlsx", "utf-8"),
        ("en", "xlsx", "utf-8"),
        ("zh-hans", "csv", "gb18030"),
        ("en", "csv", "utf-8"),
    ],
)
def test_importing_an_export_reports_no_change(
    tmp_path, admin_user, trees, language, file_format, encoding
):
    coded_item_create(md.Industry, actor=None, data={"code": "IT", "name": "信息技术"})
    customer(
        code="E1",
        name="戊有限公司",
        region_code="0101",
        industry="IT",
        phone="+86 21 5555 0000",
        credit_limit="5000.00",
        founded_on="2010-01-02",
        remarks="=1+1",
        email="e@e.cn",
    )
    customer(code="E2", name="己有限公司", class_code="0102", mnemonic="ZDY", credit_days=30)
    before = AuditEvent.objects.count()

    report = import_file(_export(tmp_path, language, file_format, encoding), actor=admin_user)

    assert report.ok, report.errors
    assert {c.action for c in report.changes} == {"unchanged"}
    assert report.sheets["customers"].unchanged == 2
    assert AuditEvent.objects.count() == before


def test_existing_customers_get_only_their_changed_fields(tmp_path, admin_user, trees):
    customer(code="U1", name="庚有限公司", email="old@u.cn", phone="021-1")
    version = Customer.objects.get(code="U1").version
    path = write_xlsx(
        tmp_path,
        {
            "客户": [
                ["客户编码", "客户名称", "所属分类", "邮箱", "电话"],
                ["U1", "庚有限公司", "0101", "new@u.cn", "021-1"],
            ]
        },
    )
    report = import_file(path, actor=admin_user)

    [change] = report.changes
    assert (change.action, change.fields) == ("update", {"email": ["old@u.cn", "new@u.cn"]})
    updated = Customer.objects.get(code="U1")
    assert updated.email == "new@u.cn" and updated.version == version + 1
    event = AuditEvent.objects.filter(operation_id=report.operation_id).get()
    assert set(event.changes) == {"email"} or "email" in event.changes


def test_a_repeated_code_refuses_the_later_row(tmp_path, admin_user, trees):
    rows = [["code", "name", "class_code"], ["R1", "辛一", "0101"], ["R1", "辛二", "0101"]]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user)

    [error] = report.errors
    assert (error.line, error.column, error.code) == (3, "code", "repeated")
    assert "line 2" in error.message
    assert not Customer.objects.exists()


# Dependent rows ----------------------------------------------------------------------------


def test_rows_depending_on_a_refused_row_are_refused_with_depends_on(tmp_path, admin_user, trees):
    sheets = {
        "classes": [["code", "name"], ["03", "工业"], ["0301", ""]],  # no name: refused
        "customers": [
            ["code", "name", "class_code", "parent_code"],
            ["P1", "总公司", "0301", ""],
            ["P2", "分公司", "0101", "P1"],
            ["P3", "好公司", "0101", ""],
        ],
        "contacts": [
            ["customer_code", "name", "primary"],
            ["P2", "张三", "是"],
            ["P3", "李四", "否"],
        ],
    }
    report = import_file(write_xlsx(tmp_path, sheets), actor=admin_user, skip_errors=True)

    errors = errors_by_line(report)
    assert errors[("classes", 3)].column == "name"
    assert (
        errors[("customers", 2)].code == "depends_on"
        and errors[("customers", 2)].column == "class_code"
    )
    assert (
        errors[("customers", 3)].code == "depends_on" and "P1" in errors[("customers", 3)].message
    )
    assert errors[("contacts", 2)].code == "depends_on"
    assert list(Customer.objects.values_list("code", flat=True)) == ["P3"]
    assert list(Contact.objects.values_list("name", flat=True)) == ["李四"]
    assert md.CustomerClass.objects.filter(code="03").exists()


def test_head_office_further_down_the_file(tmp_path, admin_user, trees):
    rows = [
        ["code", "name", "class_code", "parent_code"],
        ["B1", "分公司", "0101", "H1"],
        ["H1", "总公司", "0101", ""],
    ]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user)

    assert report.ok, report.errors
    assert Customer.objects.get(code="B1").parent.code == "H1"


def test_contacts_and_addresses_upsert_by_name_and_address(tmp_path, admin_user, trees):
    customer(code="K1", name="壬有限公司")
    sheets = {
        "联系人": [["客户编码", "姓名", "手机", "主联系人"], ["K1", "王五", "13800000000", "是"]],
        "收货地址": [
            ["客户编码", "收货人", "地址", "默认"],
            ["K1", "王五", "上海市长宁路1号", "Y"],
        ],
    }
    path = write_xlsx(tmp_path, sheets)
    first = import_file(path, actor=admin_user)
    second = import_file(path, actor=admin_user)

    assert first.ok and second.ok, (first.errors, second.errors)
    assert [c.action for c in first.changes] == ["create", "create"]
    assert [c.action for c in second.changes] == ["unchanged", "unchanged"]
    assert Contact.objects.get().is_primary and DeliveryAddress.objects.get().is_default


# Modes, audit, scope -------------------------------------------------------------------------


def test_dry_run_lists_the_changes_and_writes_nothing(tmp_path, admin_user, trees):
    customer(code="Y1", name="癸有限公司", email="a@y.cn")
    rows = [
        ["code", "name", "class_code", "email"],
        ["Y1", "癸有限公司", "0101", "b@y.cn"],
        ["Y2", "新公司", "0101", ""],
    ]
    before = AuditEvent.objects.count()
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user, dry_run=True)

    assert report.ok and not report.written
    assert [(c.key, c.action) for c in report.changes] == [("Y1", "update"), ("Y2", "create")]
    assert Customer.objects.get(code="Y1").email == "a@y.cn"
    assert not Customer.objects.filter(code="Y2").exists()
    assert AuditEvent.objects.count() == before


def test_dry_run_validates_against_what_earlier_sheets_would_create(tmp_path, admin_user, trees):
    sheets = {
        "classes": [["code", "name"], ["05", "新分类"]],
        "customers": [["code", "name", "class_code"], ["N1", "新客户", "05"]],
    }
    report = import_file(write_xlsx(tmp_path, sheets), actor=admin_user, dry_run=True)

    assert report.ok, report.errors
    assert not md.CustomerClass.objects.filter(code="05").exists()


def test_every_change_carries_the_operation_id(tmp_path, admin_user, trees):
    rows = [["code", "name", "class_code"], ["A1", "甲", "0101"], ["A2", "乙", "0101"]]
    report = import_file(
        write_xlsx(tmp_path, {"customers": rows}), actor=admin_user, operation_id="import-test-1"
    )

    assert report.operation_id == "import-test-1"
    events = AuditEvent.objects.filter(operation_id="import-test-1")
    assert events.filter(object_repr__contains="A1").exists()
    assert events.filter(object_repr__contains="A2").exists()
    assert {e.actor_id for e in events} == {admin_user.pk}


def test_a_salesperson_cannot_import_customers_outside_their_scope(tmp_path, trees):
    seller = user_create(
        username="seller2", password="Kehu-user-2026", roles=["salesperson"],
        scope="classes", scope_classes=["01"],
    )  # fmt: skip
    outside = customer(code="O1", name="外部公司", class_code="0201", region_code="0101")
    rows = [
        ["code", "name", "class_code", "region_code"],
        ["S1", "范围内", "0101", "0101"],
        ["S2", "范围外", "0201", "0101"],
        ["O1", "外部公司改名", "0201", "0101"],
    ]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=seller, skip_errors=True)

    refused = {e.key for e in report.errors}
    assert refused == {"S2", "O1"}
    assert customers_visible_to(seller).filter(code="S1").exists()
    assert Customer.objects.get(pk=outside.pk).name == "外部公司"


def test_a_branch_of_a_head_office_outside_the_scope_is_refused_with_it(tmp_path, trees):
    # The head office and its branch are in one batch: the head office is refused once
    # written (the seller could not see it), and the branch as depending on it.
    seller = user_create(
        username="seller4", password="Kehu-user-2026", roles=["salesperson"],
        scope="classes", scope_classes=["01"],
    )  # fmt: skip
    rows = [
        ["code", "name", "class_code", "parent_code"],
        ["H2", "范围外总公司", "0201", ""],
        ["B2", "范围内分公司", "0101", "H2"],
        ["S3", "范围内", "0101", ""],
    ]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=seller, skip_errors=True)

    errors = errors_by_line(report)
    assert errors[("customers", 2)].code == "out_of_scope"
    assert errors[("customers", 3)].code == "depends_on" and "H2" in errors[("customers", 3)].text
    assert list(Customer.objects.values_list("code", flat=True)) == ["S3"]


def test_head_offices_earlier_in_the_same_batch(tmp_path, admin_user, trees):
    customer(code="E1", name="已有公司")
    rows = [
        ["code", "name", "class_code", "parent_code"],
        ["H3", "总公司", "0101", ""],
        ["B3", "分公司", "0101", "H3"],
        ["B31", "支公司", "0101", "B3"],
        ["B4", "另一分公司", "0101", "E1"],
    ]
    report = import_file(write_csv(tmp_path, rows), actor=admin_user, operation_id="batch-heads")

    assert report.ok, report.errors
    parents = dict(Customer.objects.values_list("code", "parent__code"))
    assert parents == {"E1": None, "H3": None, "B3": "H3", "B31": "B3", "B4": "E1"}
    events = AuditEvent.objects.filter(operation_id="batch-heads", action="create")
    created = Customer.objects.exclude(code="E1")
    assert sorted(e.customer_id for e in events) == sorted(c.pk for c in created)
    branch = events.get(customer_id=created.get(code="B31").pk)
    assert branch.changes["parent"] == [None, str(Customer.objects.get(code="B3"))]
    assert branch.object_repr == str(created.get(code="B31"))


def test_a_sheet_the_actor_may_not_change_refuses_the_import(tmp_path, trees):
    seller = user_create(
        username="seller3", password="Kehu-user-2026", roles=["salesperson"], scope="all"
    )
    sheets = {
        "classes": [["code", "name"], ["06", "分类"]],
        "customers": [["code", "name", "class_code"], ["Z1", "甲", "0101"]],
    }
    report = import_file(write_xlsx(tmp_path, sheets), actor=seller, skip_errors=True)

    assert [e.code for e in report.errors] == ["forbidden"]
    assert not report.written and not Customer.objects.exists()


def test_an_unreadable_file_is_reported(tmp_path, admin_user):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    report = import_file(path, actor=admin_user)

    assert [e.code for e in report.errors] == ["unreadable"] and not report.written


def test_progress_is_reported(tmp_path, admin_user, trees):
    rows = [["code", "name", "class_code"]] + [[f"G{i}", f"公司{i}", "0101"] for i in range(30)]
    calls = []
    import_file(
        write_xlsx(tmp_path, {"customers": rows}),
        actor=admin_user,
        dry_run=True,
        progress=lambda done, total, stage: calls.append((done, total)),
    )
    assert calls[-1] == (30, 30)
    assert len(calls) > 3


def test_the_report_survives_json(tmp_path, admin_user, trees):
    from kehu.quality.importing import ImportReport

    rows = [["code", "name", "class_code"], ["J1", "", "0101"]]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user)
    assert ImportReport.from_dict(report.to_dict()) == report


# The batch path ------------------------------------------------------------------------------


def test_names_are_unique_among_active_customers_in_the_file_and_the_archive(
    tmp_path, admin_user, trees
):
    customer(code="M0", name="已有公司")
    rows = [
        ["code", "name", "class_code"],
        ["M1", "新公司", "0101"],
        ["M2", "新公司", "0101"],
        ["M3", "已有公司", "0101"],
        ["M0", "已有公司", "0102"],
    ]
    report = import_file(
        write_xlsx(tmp_path, {"customers": rows}), actor=admin_user, skip_errors=True
    )

    assert {(e.key, e.column, e.code) for e in report.errors} == {
        ("M2", "name", "name_taken"),
        ("M3", "name", "name_taken"),
    }
    assert Customer.objects.get(code="M0").customer_class.code == "0102"
    assert set(Customer.objects.values_list("code", flat=True)) == {"M0", "M1"}


def test_a_batch_the_database_refuses_is_written_row_by_row(
    tmp_path, admin_user, trees, monkeypatch
):
    from kehu.quality.importing import customers as batch

    monkeypatch.setattr(batch.CustomerImporter, "_check_unique", lambda self, c, pk: None)
    rows = [["code", "name", "class_code"], ["F1", "同名公司", "0101"], ["F2", "同名公司", "0101"]]
    report = import_file(
        write_xlsx(tmp_path, {"customers": rows}), actor=admin_user, skip_errors=True
    )

    [error] = report.errors
    assert (error.key, error.column) == ("F2", "name")
    assert list(Customer.objects.values_list("code", flat=True)) == ["F1"]


def test_created_customers_have_the_audit_event_a_form_would_leave(tmp_path, admin_user, trees):
    rows = [["code", "name", "class_code", "credit_limit"], ["V1", "审计公司", "0101", "12.5"]]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user)

    created = Customer.objects.get(code="V1")
    event = AuditEvent.objects.get(operation_id=report.operation_id, object_id=str(created.pk))
    assert event.action == "create" and event.customer_id == created.pk
    assert event.actor_id == admin_user.pk
    assert event.changes["name"] == [None, "审计公司"]
    assert event.changes["customer_class"] == [None, str(created.customer_class)]
    assert event.changes["credit_limit"] == [None, "12.50"]
    assert created.created_by == admin_user and created.mnemonic == "SJGS"


def test_tags_and_a_new_head_office_go_through_the_services(tmp_path, admin_user, trees):
    customer(code="H1", name="总部一")
    customer(code="H2", name="总部二")
    customer(code="W1", name="分部", parent_code="H1")
    rows = [
        ["code", "name", "class_code", "parent_code", "tags"],
        ["W1", "分部", "0101", "H2", ""],
        ["W2", "带标签", "0101", "", "重点; 华东"],
    ]
    report = import_file(write_xlsx(tmp_path, {"customers": rows}), actor=admin_user)

    assert report.ok, report.errors
    assert Customer.objects.get(code="W1").parent.code == "H2"
    assert sorted(Customer.objects.get(code="W2").tags.values_list("name", flat=True)) == [
        "华东",
        "重点",
    ]
