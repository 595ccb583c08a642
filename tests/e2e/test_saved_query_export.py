"""Acceptance test of SPEC §3's query flow in a real browser: build a query of three conditions
on the customer list (a class from the tree, a keyword, the status), save it under a name,
reopen it from the saved queries, export it to XLSX and find in the workbook exactly the
customers the list showed. Also makes the screenshot of the saved query."""

from pathlib import Path

import openpyxl
import pytest

from kehu.accounts.services import user_create
from kehu.masterdata.services import customer_class_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "saved-query.png"
QUERY_NAME = "华东批发·贸易·启用"

CLASSES = (("01", "批发客户"), ("0101", "华东批发"), ("0102", "华南批发"), ("02", "零售客户"))
# code, name, class, deactivated on
CUSTOMERS = (
    ("C0001", "上海泰锐贸易有限公司", "0101", None),
    ("C0002", "杭州西湖茶叶贸易有限公司", "0101", None),
    ("C0003", "广州白云五金贸易有限公司", "0102", None),
    ("C0004", "宁波停业贸易有限公司", "0101", "2025-06-30"),  # deactivated
    ("C0005", "上海联华超市股份有限公司", "0101", None),  # no keyword
    ("C0006", "苏州贸易便利店有限公司", "02", None),  # another class
    ("C0007", "南京钟山贸易有限公司", "0102", None),
)
EXPECTED = ["C0001", "C0002", "C0003", "C0007"]


@pytest.fixture
def archive(db):
    for code, name in CLASSES:
        customer_class_create(actor=None, data={"code": code, "name": name})
    for code, name, klass, deactivated in CUSTOMERS:
        data = {"code": code, "name": name}
        if deactivated:
            data["deactivated_on"] = deactivated
        factories.customer(klass, **data)
    return user_create(
        username="wangfang",
        password=PASSWORD,
        roles=["sales manager"],
        first_name="王芳",
        scope="all",
    )


def list_codes(page) -> list[str]:
    return page.locator("table.grid tbody td.code").all_inner_texts()


def log_in(page, live_server):
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")


def test_a_saved_query_reopens_with_the_same_rows_and_exports_exactly_them(
    page, live_server, archive, tmp_path
):
    log_in(page, live_server)
    assert len(list_codes(page)) == len(CUSTOMERS)

    # Three conditions: the class 01 from the tree (its subtree), a keyword, active only.
    page.locator(".tree-node[data-code='01']").click()
    page.wait_for_url("**class_code=01**")
    page.select_option("#id_status", "active")
    page.fill("#id_q", "贸易")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=**")
    assert "status=active" in page.url and "class_code=01" in page.url
    shown = list_codes(page)
    assert shown == EXPECTED

    # Saved under a name: the list now shows the saved query, with the same rows.
    page.fill("#id_saved_name", QUERY_NAME)
    page.locator("form:has(#id_saved_name) button[type=submit]").click()
    page.wait_for_url("**saved=**")
    assert QUERY_NAME in page.locator(".saved-queries .messages").inner_text()
    assert list_codes(page) == shown

    # Back to all customers, then the query reopened from the saved queries.
    page.goto(f"{live_server.url}/customers/")
    assert len(list_codes(page)) == len(CUSTOMERS)
    page.select_option("#id_saved", label=QUERY_NAME)
    page.locator("form:has(#id_saved) button[type=submit]").click()
    page.wait_for_url("**saved=**")
    assert list_codes(page) == shown
    assert page.locator("#id_saved option:checked").inner_text() == QUERY_NAME
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # Exported from the export page as an XLSX workbook with English headers.
    page.locator(".export-bar a[href^='/customers/export/']").click()
    page.wait_for_selector(".export-form")
    page.check("input[name=format][value=xlsx]")
    page.check("input[name=language][value=en]")
    with page.expect_download() as download_info:
        page.locator(".export-buttons button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    code_column = rows[0].index("code")
    name_column = rows[0].index("name")
    assert [row[code_column] for row in rows[1:]] == shown
    assert {row[code_column]: row[name_column] for row in rows[1:]} == {
        code: name for code, name, _klass, _off in CUSTOMERS if code in shown
    }
