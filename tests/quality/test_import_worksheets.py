"""Large worksheets are read a slice of rows at a time (issue 6: the 100,000-row import within
400 MB); what a user sees must not depend on where a sheet is cut: lines, date cells,
refusals and the rows that depend on them."""

import datetime
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from kehu.customers.models import Contact, Customer
from kehu.quality.importing import import_file, worksheets
from tests.factories import class_tree

pytestmark = pytest.mark.django_db

ROWS = 300
BAD_LINE = 251  # the customer C0249 (line 1 is the header), its e-mail refused


@pytest.fixture
def classes(db):
    class_tree("01", "0101")


@pytest.fixture
def small_slices(monkeypatch):
    """Slices of a few rows, so that a few hundred rows are cut many times; counts them."""
    monkeypatch.setattr(worksheets, "FIRST_SLICE_BYTES", 1024)
    monkeypatch.setattr(worksheets, "SLICE_BYTES", 2048)
    monkeypatch.setattr(worksheets, "READ_BYTES", 1024)
    slices = []
    workbook = worksheets.Package.workbook

    def counted(package, xml):
        slices.append(len(xml))
        return workbook(package, xml)

    monkeypatch.setattr(worksheets.Package, "workbook", counted)
    return slices


def _workbook(tmp_path, *, blank_rows=0):
    """A customer sheet of ``ROWS`` rows (below ``blank_rows`` empty ones) with date cells, and
    a contact for every tenth customer."""
    book = Workbook()
    customers = book.active
    customers.title = "客户"
    for _ in range(blank_rows):
        customers.append([])
    customers.append(["客户编码", "客户名称", "所属分类", "成立日期", "邮箱"])
    for n in range(ROWS):
        email = "not-an-email" if n == BAD_LINE - 2 else f"c{n}@example.cn"
        founded = datetime.date(2000, 1, 1) + datetime.timedelta(days=n)
        customers.append([f"C{n:04d}", f"客户{n:04d}有限公司", "0101", founded, email])
    contacts = book.create_sheet("联系人")
    contacts.append(["客户编码", "姓名"])
    for n in range(0, ROWS, 10):
        contacts.append([f"C{n:04d}", f"联系人{n}"])
    path = tmp_path / "large.xlsx"
    book.save(path)
    return path


def test_a_sheet_cut_in_slices_imports_as_a_whole(tmp_path, admin_user, classes, small_slices):
    report = import_file(_workbook(tmp_path), actor=admin_user, skip_errors=True)

    assert len(small_slices) > 20  # the sheets were indeed cut, many times
    errors = {(e.sheet, e.line): e for e in report.errors}
    assert set(errors) == {("customers", BAD_LINE)}
    assert errors[("customers", BAD_LINE)].column == "邮箱"
    assert Customer.objects.count() == ROWS - 1
    last = Customer.objects.get(code=f"C{ROWS - 1:04d}")
    assert last.founded_on == datetime.date(2000, 1, 1) + datetime.timedelta(days=ROWS - 1)
    assert Contact.objects.count() == ROWS // 10


def test_a_contact_of_a_customer_refused_in_another_slice_is_refused(
    tmp_path, admin_user, classes, small_slices
):
    path = _workbook(tmp_path)
    book = load_workbook(path)
    book["联系人"].append([f"C{BAD_LINE - 2:04d}", "依赖者"])
    book.save(path)

    report = import_file(path, actor=admin_user, skip_errors=True)

    errors = {(e.sheet, e.line): e for e in report.errors}
    contact_line = 2 + ROWS // 10
    assert errors[("contacts", contact_line)].code == "depends_on"
    assert str(BAD_LINE) in errors[("contacts", contact_line)].message
    assert not Contact.objects.filter(name="依赖者").exists()


@pytest.mark.parametrize("whole", [False, True], ids=["in slices", "whole"])
def test_a_header_below_empty_rows_keeps_the_lines_of_the_sheet(
    tmp_path, admin_user, classes, monkeypatch, whole
):
    if whole:  # as an .xls or .ods file is read
        monkeypatch.setattr(worksheets, "package_read", lambda archive: None)
    path = _workbook(tmp_path, blank_rows=2)

    report = import_file(path, actor=admin_user)

    assert not report.written
    assert [(e.sheet, e.line, e.column) for e in report.errors] == [
        ("customers", BAD_LINE + 2, "邮箱")
    ]


def test_a_sheet_found_unreadable_midway_refuses_the_whole_file(
    tmp_path, admin_user, classes, small_slices
):
    path = _workbook(tmp_path)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # the customers: a bad tag near the end
                at = data.rindex(b"</c>", 0, len(data) - 2000)
                data = data[:at] + b"</x>" + data[at + 4 :]
            target.writestr(item, data)

    report = import_file(broken, actor=admin_user, skip_errors=True)

    assert [(e.code, e.line) for e in report.errors] == [("unreadable", 0)]
    assert "客户" in report.errors[0].message
    assert not report.written and not report.changes and report.rows == 0
    assert not Customer.objects.exists()


def test_a_damaged_zip_file_is_refused_with_the_sheet_named(tmp_path, admin_user, classes):
    path = _workbook(tmp_path)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    middle = sheet.header_offset + 100 + sheet.compress_size // 2
    data[middle : middle + 32] = bytes(b ^ 0x5A for b in data[middle : middle + 32])
    path.write_bytes(bytes(data))

    report = import_file(path, actor=admin_user, skip_errors=True)

    assert [(e.code, e.line) for e in report.errors] == [("unreadable", 0)]
    assert "客户" in report.errors[0].message
    assert not report.written and not Customer.objects.exists()


def _with_shared_strings(path):
    """The workbook as Excel saves it: its texts in the shared-strings table, the cells
    referring to them by number (openpyxl writes them into the cells)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    table: list[bytes] = []

    def shared(match):
        table.append(match.group(2))
        return match.group(1) + b' t="s"><v>' + str(len(table) - 1).encode() + b"</v></c>"

    inline = re.compile(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is><t>(.*?)</t></is></c>')
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = inline.sub(shared, parts[name])
    items = b"".join(b"<si><t>" + text + b"</t></si>" for text in table)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
        + str(len(table)).encode()
        + b'" uniqueCount="'
        + str(len(table)).encode()
        + b'">'
        + items
        + b"</sst>"
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert table  # the texts did move
    return path


@pytest.mark.parametrize("table_limit", [1 << 20, 0], ids=["small table: cut", "large: whole"])
def test_a_workbook_with_shared_strings_imports_the_same_cut_or_whole(
    tmp_path, admin_user, classes, small_slices, monkeypatch, table_limit
):
    monkeypatch.setattr(worksheets, "SMALL_TABLE_BYTES", table_limit)

    path = _with_shared_strings(_workbook(tmp_path))
    report = import_file(path, actor=admin_user, skip_errors=True)

    assert (len(small_slices) > 20) == (table_limit > 0)  # cut, or read whole as before
    assert {(e.sheet, e.line, e.column) for e in report.errors} == {("customers", BAD_LINE, "邮箱")}
    assert Customer.objects.count() == ROWS - 1
    assert Customer.objects.get(code="C0007").name == "客户0007有限公司"
    assert Contact.objects.get(customer__code="C0010").name == "联系人10"
