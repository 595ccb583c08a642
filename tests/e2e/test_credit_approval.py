"""Credit control as users meet it (SPEC §5): a sales manager enters an order above the
customer's credit limit and sees why it is held; a credit controller approves it from the
approval queue; the approval shows in the order's history."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.accounts.services import user_create
from kehu.credit.choices import CreditMode, PolicyScope
from kehu.credit.services import policy_save
from kehu.customers.services import customer_create
from kehu.masterdata.services import customer_class_create
from kehu.sales.models import SalesOrder

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"


@pytest.fixture
def setting(db):
    for code, name in (("01", "批发客户"), ("0101", "华东批发")):
        customer_class_create(actor=None, data={"code": code, "name": name})
    user_create(username="lisi", password=PASSWORD, roles=["sales manager"], scope="all")
    user_create(username="zhaomin", password=PASSWORD, roles=["credit controller"], scope="all")
    policy_save(actor=None, data={"scope": PolicyScope.DEFAULT, "mode": CreditMode.APPROVAL})
    return customer_create(
        actor=None,
        data={
            "code": "C2001",
            "name": "杭州明远贸易有限公司",
            "class_code": "0101",
            "currency": "CNY",
            "credit_limit": "50000",
            "credit_days": 30,
        },
    )


def _login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")
    return page


def test_an_order_above_the_limit_is_held_explained_and_approved(browser, live_server, setting):
    seller = _login(browser, live_server, "lisi")
    seller.goto(f"{live_server.url}/sales/orders/new/")
    seller.fill("#id_customer_code", "C2001")
    seller.fill("#id_number", "SO-E2E-1")
    seller.fill("#id_date", timezone.localdate().isoformat())
    seller.fill("#id_amount", "62000")
    seller.locator("form.md-form button[type=submit]").click()

    seller.wait_for_url(re.compile(r"/sales/orders/SO-E2E-1/$"))
    notice = seller.locator(".md-message")
    expect(notice).to_contain_text("50000.00")  # the limit
    expect(notice).to_contain_text("12000.00")  # the excess
    expect(notice).to_contain_text("62000.00")  # the new amount
    expect(seller.locator("#order-status")).to_have_class(re.compile("status-awaiting_approval"))
    expect(seller.locator("#credit-history .kind-held")).to_have_count(1)

    controller = _login(browser, live_server, "zhaomin")
    controller.goto(f"{live_server.url}/credit/approvals/")
    row = controller.locator("#approvals tbody tr", has_text="SO-E2E-1")
    expect(row).to_contain_text("12000.00")
    row.locator("a").click()
    controller.fill("#id_note", "客户已提供担保函")
    controller.locator("button[name=decision][value=approve]").click()
    controller.wait_for_url(re.compile(r"/credit/approvals/$"))
    expect(controller.locator(".md-message")).to_contain_text("SO-E2E-1")

    seller.reload()
    expect(seller.locator("#order-status")).to_have_class(re.compile("status-open"))
    approved = seller.locator("#credit-history .kind-approved")
    expect(approved).to_have_count(1)
    expect(approved).to_contain_text("zhaomin")
    expect(approved).to_contain_text("客户已提供担保函")
    assert SalesOrder.objects.get(number="SO-E2E-1").status == "open"
    for page in (seller, controller):
        page.context.close()
