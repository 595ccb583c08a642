"""The main screen as a user meets it: log in, find customers in the tree and the list,
switch language, log out. Also makes the README's screenshot, so that it stays true."""

from pathlib import Path

import pytest

from kehu.accounts.services import user_create
from kehu.masterdata.models import CreditGrade, Salesperson
from kehu.masterdata.services import coded_item_create, customer_class_create, region_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "main-screen.png"

CLASSES = (
    ("01", "批发客户"),
    ("0101", "华东批发"),
    ("0102", "华南批发"),
    ("02", "零售客户"),
    ("0201", "连锁超市"),
    ("0202", "便利店"),
    ("03", "工程项目客户"),
)
REGIONS = (("31", "华东"), ("3101", "上海"), ("3102", "杭州"), ("44", "华南"), ("4401", "广州"))
# code, name, short name, class, region, salesperson, credit grade, credit limit
CUSTOMERS = (
    ("C0001", "上海泰锐家居有限公司", "泰锐家居", "0101", "3101", "S01", "AA", "500000"),
    ("C0002", "杭州西湖茶业有限公司", "西湖茶业", "0101", "3102", "S01", "A", "200000"),
    ("C0003", "广州白云五金贸易有限公司", "白云五金", "0102", "4401", "S02", "AAA", "800000"),
    ("C0004", "广州珠江电器有限公司", "珠江电器", "0102", "4401", "S02", "B", "50000"),
    ("C0005", "上海联华超市股份有限公司", "联华超市", "0201", "3101", "S03", "AA", "1000000"),
    ("C0006", "杭州每日鲜便利店有限公司", "每日鲜", "0202", "3102", "S03", "C", None),
    ("C0007", "中建八局第三建设有限公司", "中建八局三公司", "03", "3101", "S01", "AAA", "3000000"),
)


GRADES = (
    ("AAA", "AAA 信用极好"),
    ("AA", "AA 信用优良"),
    ("A", "A 信用良好"),
    ("B", "B"),
    ("C", "C"),
)


@pytest.fixture
def archive(db):
    assert CreditGrade.objects.filter(code__in=[code for code, _name in GRADES]).count() == 5
    for code, name in CLASSES:
        customer_class_create(actor=None, data={"code": code, "name": name})
    for code, name in REGIONS:
        region_create(actor=None, data={"code": code, "name": name})
    for code, name in (("S01", "王芳"), ("S02", "李强"), ("S03", "陈静")):
        coded_item_create(Salesperson, actor=None, data={"code": code, "name": name})
    for code, name, short, klass, region, sales, grade, limit in CUSTOMERS:
        factories.customer(
            klass,
            code=code,
            name=name,
            short_name=short,
            region_code=region,
            salesperson=sales,
            credit_grade=grade,
            credit_limit=limit,
        )
    factories.customer(
        "0202",
        code="C0008",
        name="杭州停业便利店",
        short_name="停业便利店",
        deactivated_on="2025-06-30",
    )
    return user_create(
        username="wangfang",
        password=PASSWORD,
        roles=["sales manager"],
        first_name="王芳",
        scope="all",
    )


def list_codes(page) -> list[str]:
    return page.locator("table.grid tbody td.code").all_inner_texts()


def test_a_user_logs_in_finds_customers_switches_language_and_logs_out(page, live_server, archive):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()

    # The main screen: the tree with subtree counts at the left, the customers at the right.
    page.wait_for_selector("table.grid")
    assert page.locator(".topbar .user").inner_text() == "王芳"
    assert page.locator(".tree-pane h2").inner_text() == "客户分类"
    assert page.locator(".tree-node[data-code='01'] .count").inner_text() == "4"
    assert page.locator(".tree-node[data-code='02'] .count").inner_text() == "3"
    assert len(list_codes(page)) == 8
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # The keyword box finds a customer by the pinyin initials of its short name.
    page.fill("#id_q", "zjdq")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=zjdq**")
    assert list_codes(page) == ["C0004"]
    page.fill("#id_q", "")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=zjdq" not in url)
    assert len(list_codes(page)) == 8

    # A click on a class narrows the list to its subtree and highlights it.
    page.locator(".tree-node[data-code='02']").click()
    page.wait_for_url("**class_code=02**")
    assert list_codes(page) == ["C0005", "C0006", "C0008"]
    assert "selected" in page.locator(".tree-node[data-code='02']").get_attribute("class")
    page.locator(".tree-node[data-code='0201']").click()
    page.wait_for_url("**class_code=0201**")
    assert list_codes(page) == ["C0005"]

    # English and back; the page stays where it was.
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")
    assert page.locator(".tree-pane h2").inner_text() == "Customer classes"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert "Credit limit" in page.locator("table.grid thead").inner_text()
    assert list_codes(page) == ["C0005"]
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_selector("html[lang='zh-hans']")
    assert "信用额度" in page.locator("table.grid thead").inner_text()

    # Logging out leads back to the login page; the list is closed again.
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{live_server.url}/customers/")
    assert "/accounts/login/" in page.url
