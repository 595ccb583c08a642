"""Access as two colleagues meet it (SPEC §9): a salesperson sees only their own customers, in
the list and in the tree's counts, gets "not found" for a colleague's customer, and finds the
credit tab read-only; a credit controller changes the credit limit, and the change appears in
the customer's history."""

from pathlib import Path

import pytest

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.masterdata.models import Department, Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "customer-history.png"


@pytest.fixture
def colleagues(db):
    factories.class_tree("01", "0101", "0102")
    for code, name in (("D1", "华东销售部"), ("D2", "华南销售部")):
        coded_item_create(Department, actor=None, data={"code": code, "name": name})
    user_create(username="xiaowang", password=PASSWORD, roles=["salesperson"], first_name="小王")
    user_create(username="caiwu", password=PASSWORD, roles=["credit controller"], first_name="财务")
    coded_item_create(
        Salesperson,
        actor=None,
        data={"code": "S1", "name": "小王", "department": "D1", "user": "xiaowang"},
    )
    coded_item_create(
        Salesperson, actor=None, data={"code": "S2", "name": "老李", "department": "D2"}
    )
    mine = factories.customer(
        "0101", code="C0001", name="上海泰锐家居有限公司", salesperson="S1", credit_limit="50000"
    )
    factories.customer("0101", code="C0002", name="苏州明远商贸有限公司", salesperson="S1")
    theirs = factories.customer("0102", code="C0003", name="广州南粤电器有限公司", salesperson="S2")
    return mine, theirs


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")


def test_a_salesperson_sees_their_own_and_a_credit_controller_changes_credit(
    page, live_server, colleagues
):
    mine, theirs = colleagues

    log_in(page, live_server, "xiaowang")
    codes = page.locator("table.grid tbody td.code").all_inner_texts()
    assert codes == ["C0001", "C0002"]
    assert page.locator(".tree-node[data-code='0101'] .count").inner_text() == "2"
    assert page.locator(".tree-node[data-code='0102'] .count").inner_text() == "0"
    assert "广州南粤电器" not in page.content()

    # A colleague's customer is "not found", exactly as one that does not exist.
    response = page.goto(f"{live_server.url}/customers/{theirs.pk}/edit/")
    assert response.status == 404
    missing = page.goto(f"{live_server.url}/customers/999999/edit/")
    assert missing.status == 404

    # Their own customer's credit tab is there to read, not to change.
    page.goto(f"{live_server.url}/customers/{mine.pk}/edit/")
    page.locator("#tab-credit").click()
    assert page.locator("#id_credit_limit").is_visible()
    assert page.locator("#id_credit_limit").is_disabled()
    assert page.locator("#note-credit").is_visible()
    page.locator("form.logout button").click()
    page.wait_for_url("**/accounts/login/**")

    # The credit controller raises the limit...
    log_in(page, live_server, "caiwu")
    page.goto(f"{live_server.url}/customers/{mine.pk}/edit/")
    page.locator("#tab-credit").click()
    assert page.locator("#id_credit_limit").is_enabled()
    page.fill("#id_credit_limit", "80000")
    page.locator(".card-actions button.primary").click()
    page.wait_for_selector(".message.success")
    assert Customer.objects.get(pk=mine.pk).credit_limit == 80000

    # ...and the customer's history says who changed what, from what to what.
    page.locator("#tab-history").click()
    row = page.locator("#history table.audit-events tbody tr").first
    assert row.is_visible()
    text = row.inner_text()
    assert "财务" in text or "caiwu" in text
    assert "50000" in text and "80000" in text
    page.screenshot(path=str(SCREENSHOT))
