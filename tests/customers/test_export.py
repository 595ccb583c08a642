"""Export of the customer list's result (SPEC §3, §8): the web page, the files, the CLI."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from python_calamine import CalamineWorkbook

from kehu.accounts.services import user_create
from kehu.customers.models import Customer, Tag
from kehu.masterdata.models import CustomerClass, Department, Industry, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

PASSWORD = "Kehu-export-2026"
RARE = "𠀀"  # U+20000, CJK extension B: four bytes in GB18030


def build_archive() -> dict:
    """Four customers over classes 01 (0101, 0102) and 02, two salespeople, one of them
    linked to the user ``sales1``, with values that exercise every kind of cell."""
    factories.class_tree("01", "0101", "0102", "02")
    factories.region_tree("31", "3101")
    Industry.objects.create(code="IT", name="信息技术")
    for code in ("D1", "D2"):
        coded_item_create(Department, actor=None, data={"code": code, "name": f"部门{code}"})
    seller = user_create(username="sales1", password=PASSWORD, roles=["salesperson"])
    coded_item_create(
        Salesperson,
        actor=None,
        data={"code": "S1", "name": "王五", "department": "D1", "user": "sales1"},
    )
    coded_item_create(
        Salesperson, actor=None, data={"code": "S2", "name": "赵六", "department": "D2"}
    )
    factories.customer(
        "0101",
        code="0101",
        name="上海泰锐家居有限公司",
        short_name="泰锐家居",
        region_code="3101",
        industry="IT",
        salesperson="S1",
        department="D1",
        credit_grade="AA",
        credit_limit="1234.50",
        registered_capital="1000000.00",
        founded_on="2010-05-04",
        employees=120,
        credit_days=30,
        discount_rate="2.50",
        phone="+86 21 5555 0000",
        remarks="=1+1",
        tags=["重点", "华东"],
    )
    factories.customer(
        "0102",
        code="A2",
        name="杭州西湖茶业有限公司",
        salesperson="S1",
        department="D1",
        legal_representative="-2+3",
        address="@SUM(A1)",
    )
    factories.customer(
        "02",
        code="B1",
        name=f"{RARE}南京钟山建材公司",
        salesperson="S2",
        department="D2",
    )
    # The form strips a leading tab; older data (or another program's writes) may hold one.
    Customer.objects.filter(code="B1").update(remarks="\t=cmd")
    factories.customer(
        "02", code="C1", name="广州白云贸易公司", salesperson="S2", deactivated_on="2024-01-01"
    )
    admin = user_create(
        username="boss", password=PASSWORD, roles=["administrator"], is_superuser=True
    )
    return {"admin": admin, "seller": seller}


@pytest.fixture
def archive(db):
    return build_archive()


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def download(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def csv_rows(data: bytes, encoding="utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def xlsx_rows(data: bytes, sheet="customers") -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()


def list_codes(client, query: str) -> list[str]:
    page = client.get(f"/customers/?{query}").content.decode()
    return re.findall(r'<td class="code">([^<]+)</td>', page)


def export_codes(client, query: str) -> list[str]:
    data = download(client.get(f"/customers/export/?{query}&format=csv&columns=code"))
    return [row[0] for row in csv_rows(data)[1:]]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "class_code=01",
        "q=西湖",
        "salesperson=S2",
        "status=deactivated",
        "status=active&class_code=02",
        "ordering=-name",
    ],
)
def test_the_export_has_exactly_the_customers_of_the_web_list(archive, query):
    client = browser(archive["admin"])
    expected = list_codes(client, query)
    assert expected  # every condition finds someone
    assert export_codes(client, query) == expected


def test_a_salesperson_exports_only_their_customers(archive):
    client = browser(archive["seller"])
    assert export_codes(client, "") == ["0101", "A2"]
    assert export_codes(client, "class_code=02") == []


def test_csv_with_bom_has_the_spec_headers_and_chinese_text(archive):
    client = browser(archive["admin"])
    data = download(client.get("/customers/export/?format=csv&language=zh-hans"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert (
        client.get("/customers/export/?format=csv")
        .headers["Content-Disposition"]
        .startswith('attachment; filename="customers-')
    )
    header, *rows = csv_rows(data)
    assert header[:6] == ["客户编码", "客户名称", "客户简称", "助记码", "所属分类", "所属地区"]
    # §8's 32 columns, then the other writable ones the importer reads back (country first)
    assert len(header) == 43 and header[31] == "备注" and header[32] == "国家"
    assert header[-1] == "标签"
    first = dict(zip(header, rows[0], strict=True))
    assert first["客户名称"] == "上海泰锐家居有限公司"
    assert first["所属分类"] == "0101" and first["专管业务员"] == "S1"
    assert first["信用额度"] == "1234.50" and first["注册资本"] == "1000000.00"
    assert first["成立日期"] == "2010-05-04" and first["停用日期"] == ""
    assert first["国家"] == "CN" and first["标签"] == "华东; 重点"


def test_english_headers_are_the_spec_column_names(archive):
    client = browser(archive["admin"])
    data = download(client.get("/customers/export/?format=csv&language=en"))
    header = csv_rows(data)[0]
    assert header[:5] == ["code", "name", "short_name", "mnemonic", "class_code"]


def test_gb18030_encodes_every_character(archive):
    client = browser(archive["admin"])
    response = client.get("/customers/export/?format=csv-gb18030&columns=code,name")
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    rows = csv_rows(download(response), "gb18030")
    assert [f"{RARE}南京钟山建材公司"] == [name for code, name in rows if code == "B1"]


def test_xlsx_keeps_codes_as_text_numbers_as_numbers_and_dates_as_dates(archive):
    client = browser(archive["admin"])
    response = client.get(
        "/customers/export/?format=xlsx&language=en&columns=code,class_code,credit_limit,"
        "employees,founded_on,deactivated_on,tags"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, *rows = xlsx_rows(download(response))
    assert header == [
        "code",
        "class_code",
        "credit_limit",
        "employees",
        "founded_on",
        "deactivated_on",
        "tags",
    ]
    first = rows[0]
    assert first[:3] == ["0101", "0101", 1234.5]
    assert first[3] == 120
    assert str(first[4]) == "2010-05-04" and first[4].__class__.__name__ == "date"
    assert first[6] == "华东; 重点"
    assert str(rows[-1][5]) == "2024-01-01"
    # openpyxl reads the same cell types
    from openpyxl import load_workbook

    sheet = load_workbook(
        io.BytesIO(
            download(
                client.get("/customers/export/?format=xlsx&columns=code,credit_limit,founded_on")
            )
        )
    ).active
    code, limit, founded = (cell.value for cell in sheet[2])
    assert code == "0101" and isinstance(code, str)
    assert limit == 1234.5 and sheet["B2"].data_type == "n"
    assert founded.isoformat().startswith("2010-05-04") and sheet["C2"].is_date


def test_formulas_are_neutralised(archive):
    client = browser(archive["admin"])
    query = "format=csv&language=en&columns=code,phone,legal_representative,address,remarks"
    rows = {row[0]: row for row in csv_rows(download(client.get(f"/customers/export/?{query}")))}
    assert rows["0101"][1] == "'+86 21 5555 0000"  # a phone number is text: neutralised
    assert rows["0101"][4] == "'=1+1"
    assert rows["A2"][2] == "'-2+3"
    assert rows["A2"][3] == "'@SUM(A1)"
    assert rows["B1"][4] == "'\t=cmd"
    xlsx = xlsx_rows(download(client.get(f"/customers/export/?{query.replace('csv', 'xlsx')}")))
    assert xlsx[1][4] == "'=1+1" and xlsx[2][3] == "'@SUM(A1)"


def test_a_negative_number_stays_a_number(archive, tmp_path):
    from kehu.customers.exports import export_rows, parse_columns, write_xlsx

    rows = list(export_rows(Customer.objects.all(), parse_columns(["code"]), language="en"))
    rows[1].append(Decimal("-12.50"))
    rows[0].append("amount")
    out = io.BytesIO()
    write_xlsx(rows, out)
    assert xlsx_rows(out.getvalue())[1] == ["0101", -12.5]


def test_markup_and_control_characters_read_back_as_written():
    """A row with text that XML must escape (markup, an ampersand, a control character, a
    literal ``_x0041_``) reads back exactly, and so do the plain cells beside it."""
    from kehu.customers.exports import write_xlsx

    tricky = ["<b>A&B</b>", "tab\there", "bell\x07", "_x0041_ stays", "plain 客户"]
    out = io.BytesIO()
    write_xlsx([["a", "b", "c", "d", "e"], tricky, ["x", "y", None, "z", "w"]], out)
    rows = xlsx_rows(out.getvalue())
    assert rows[1] == ["<b>A&B</b>", "tab\there", "bell\x07", "_x0041_ stays", "plain 客户"]
    assert rows[2] == ["x", "y", "", "z", "w"]


def test_chosen_columns_in_their_order(archive):
    client = browser(archive["admin"])
    data = download(
        client.get(
            "/customers/export/?format=csv&language=en&columns=name&columns=code,salesperson"
        )
    )
    header, first, *_rest = csv_rows(data)
    assert header == ["name", "code", "salesperson"]
    assert first == ["上海泰锐家居有限公司", "0101", "S1"]


def test_a_bad_choice_shows_the_form_with_the_reason(archive):
    client = browser(archive["admin"])
    response = client.get("/customers/export/?format=pdf&columns=code,nonsense")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Format" in page and 'name="columns"' in page
    response = client.get("/customers/export/?format=csv&columns=code,nonsense")
    assert "Unknown columns: nonsense." in response.content.decode()


def test_the_list_offers_the_export_of_its_conditions(archive):
    client = browser(archive["admin"])
    page = client.get("/customers/?class_code=01&q=西湖").content.decode()
    form = page[page.index('class="export-bar"') :]
    assert 'action="/customers/export/"' in page
    assert 'name="class_code" value="01"' in form and 'name="q" value="西湖"' in form
    form_page = client.get("/customers/export/?class_code=01").content.decode()
    assert "2 customers match" in form_page
    assert 'name="class_code" value="01"' in form_page


def test_the_export_reads_in_a_constant_number_of_queries(db, django_assert_max_num_queries):
    classes = factories.class_tree("01", "0101")
    tags = Tag.objects.bulk_create([Tag(name="甲"), Tag(name="乙")])
    customers = Customer.objects.bulk_create(
        Customer(code=f"K{n:05d}", name=f"批量客户{n}", customer_class=classes["0101"])
        for n in range(2000)
    )
    Customer.tags.through.objects.bulk_create(
        Customer.tags.through(customer_id=c.pk, tag_id=tags[c.pk % 2].pk) for c in customers
    )
    admin = user_create(username="boss", password=PASSWORD, roles=["administrator"])
    client = browser(admin)
    assert CustomerClass.objects.count() == 2
    with django_assert_max_num_queries(12):
        data = download(client.get("/customers/export/?format=csv&columns=code,name,tags"))
    rows = csv_rows(data)
    assert len(rows) == 2001 and rows[1][2] in ("甲", "乙")


def test_the_cli_writes_the_file(archive, tmp_path, capsys):
    target = tmp_path / "out.csv"
    call_command(
        "export", str(target), "--class", "01", "--language", "en", "--columns", "code,name"
    )
    assert "2 customers written" in capsys.readouterr().out
    assert csv_rows(target.read_bytes()) == [
        ["code", "name"],
        ["0101", "上海泰锐家居有限公司"],
        ["A2", "杭州西湖茶业有限公司"],
    ]
    workbook = tmp_path / "mine.xlsx"
    call_command("export", str(workbook), "--user", "sales1", "--status", "active")
    codes = [row[0] for row in xlsx_rows(workbook.read_bytes(), "customers")[1:]]
    assert codes == ["0101", "A2"]


def test_the_cli_refuses_bad_options(archive, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--columns: Unknown columns: nope"):
        call_command("export", str(tmp_path / "x.xlsx"), "--columns", "code,nope")
    with pytest.raises(CommandError, match="no active user"):
        call_command("export", str(tmp_path / "x.xlsx"), "--user", "ghost")


def test_the_form_checks_every_column_the_import_reads_by_default(archive):
    from kehu.customers.services import user_field_create

    user_field_create(
        actor=None,
        data={"key": "source", "label_zh": "客户来源", "label_en": "Source", "field_type": "text"},
    )
    page = browser(archive["admin"]).get("/customers/export/").content.decode()
    checked = set(re.findall(r'name="columns" value="([^"]+)" checked', page))

    assert {"code", "remarks", "country", "kind", "tags", "source"} <= checked
    assert "status" not in checked and "receivable_balance" not in checked
    data = download(browser(archive["admin"]).get("/customers/export/?format=csv&language=en"))
    assert csv_rows(data)[0][-3:] == ["control_via_parent", "tags", "source"]
