"""The customer's 360° page and the report of expiring documents as a user meets them: from the
list to a customer's page, its documents' warning, the card one click away; the report from
the menu back to the customer. Makes the screenshots of both pages, so that they stay true."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.audit.context import audit_context
from kehu.customers.services import customer_update
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create, customer_class_create, region_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def archive(db):
    for code, name in (("01", "批发客户"), ("0101", "华东批发")):
        customer_class_create(actor=None, data={"code": code, "name": name})
    for code, name in (("31", "华东"), ("3101", "上海")):
        region_create(actor=None, data={"code": code, "name": name})
    coded_item_create(Salesperson, actor=None, data={"code": "S01", "name": "王芳"})
    user = user_create(
        username="wangfang",
        password=PASSWORD,
        roles=["sales manager", "credit controller"],
        first_name="王芳",
        scope="all",
    )
    factories.customer(code="C0001", name="泰锐集团有限公司", short_name="泰锐集团")
    customer = factories.customer(
        code="C0002",
        name="上海泰锐家居有限公司",
        short_name="泰锐家居",
        parent_code="C0001",
        region_code="3101",
        salesperson="S01",
        credit_grade="AA",
        credit_limit="500000",
        credit_days=45,
        phone="021-12345678",
        email="info@tairui.example.com",
        tags=["重点", "华东"],
        contacts=[
            {"name": "张三", "title": "采购经理", "mobile": "13800000001", "is_primary": True},
            {"name": "李四", "title": "财务", "phone": "021-12345679"},
        ],
        addresses=[{"recipient": "张三", "address": "上海市浦东新区世纪大道1号"}],
        bank_accounts=[{"bank_name": "招商银行", "account_number": "6214830000000001"}],
        documents=[
            {"kind": "business_licence", "number": "91310000MA1FL0000N", "valid_to": days(12)},
            {"kind": "operating_permit", "number": "沪经营2021-018", "valid_to": days(-5)},
            {"kind": "tax_registration", "number": "TX-2024-77", "valid_to": days(700)},
        ],
    )
    factories.customer(code="C0003", name="泰锐家居杭州分公司", parent_code="C0002")
    with audit_context(actor=user):
        customer_update(actor=user, customer=customer, data={"credit_limit": "600000"})
    return customer


def log_in(page, live_server):
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")


def test_a_user_opens_a_customers_360_page_and_the_expiring_documents(page, live_server, archive):
    log_in(page, live_server)
    page.get_by_role("link", name="上海泰锐家居有限公司").click()
    page.wait_for_url(re.compile(rf"/customers/{archive.pk}/$"))

    # Everything on one page: the groups, the rows, the companies, the history.
    assert page.locator("h1").inner_text() == "C0002 上海泰锐家居有限公司"
    for key in ("basic", "contact", "credit", "other", "contacts", "documents", "history"):
        assert page.locator(f"#{key}").is_visible()
    assert "600000.00" in page.locator("#credit").inner_text()  # no grouping in Chinese
    assert "采购经理" in page.locator("#contacts").inner_text()
    assert "泰锐家居杭州分公司" in page.locator("#companies").inner_text()
    assert "500000.00 → 600000.00" in page.locator("#history").inner_text()
    assert page.locator("#documents tr.expiry-expired").count() == 1
    assert page.locator("#documents tr.expiry-expiring").count() == 1
    assert page.locator(".overview-alert").is_visible()
    # Usable at 1280×800: nothing wider than the window.
    assert page.locator("#customer-overview").bounding_box()["width"] <= 1280
    page.screenshot(path=str(SCREENSHOTS / "customer-360.png"))

    # The head office is one click away, and the card from there.
    page.locator("#companies a", has_text="泰锐集团有限公司").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert "C0001" in page.locator("h1").inner_text()
    page.go_back()
    page.locator("#open-card").click()
    page.wait_for_url(re.compile(rf"/customers/{archive.pk}/edit/$"))
    assert page.locator("#customer-card").is_visible()

    # The report from the menu: soonest expiry first, each row leading to its customer.
    page.locator(".menu a[href='/customers/documents/expiring/']").click()
    page.wait_for_selector("#expiring-documents")
    numbers = page.locator("#expiring-documents tbody tr td:nth-child(4)").all_inner_texts()
    assert numbers == ["沪经营2021-018", "91310000MA1FL0000N"]
    page.screenshot(path=str(SCREENSHOTS / "expiring-documents.png"))
    page.locator("#expiring-documents tbody a").first.click()
    page.wait_for_url(re.compile(rf"/customers/{archive.pk}/#documents$"))
