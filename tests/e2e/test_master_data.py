"""Master data as an administrator meets it: open it from the menu, grow the class tree, and
be told why a class that holds customers cannot be deleted."""

import pytest

from kehu.accounts.services import user_create
from kehu.masterdata.models import CustomerClass
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"


@pytest.fixture
def admin(db):
    factories.class_tree("01", "0101")
    for _ in range(3):
        factories.customer("0101")
    return user_create(username="zhaolei", password=PASSWORD, roles=["administrator"])


def node(page, code: str):
    return page.locator(f".md-node[data-code='{code}']")


def test_an_administrator_grows_the_class_tree_and_meets_a_refused_delete(page, live_server, admin):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "zhaolei")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")
    # English, so that the assertions do not depend on the Chinese catalog's wording.
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")

    # The menu leads to the master-data index, and from there to the class tree.
    page.locator(".menu a[href='/masterdata/']").click()
    page.wait_for_url("**/masterdata/")
    page.get_by_role("link", name="Customer classes").click()
    page.wait_for_url("**/masterdata/trees/classes/")
    assert [node(page, code).count() for code in ("01", "0101")] == [1, 1]

    # A top-level class.
    page.fill("#id_code", "02")
    page.fill("#id_name", "零售客户")
    page.locator(".md-side button.primary").click()
    page.wait_for_selector(".md-node[data-code='02']")
    assert "02 零售客户 was added." in page.locator(".md-messages").inner_text()

    # A child of it: the form is prefilled with the parent's code.
    node(page, "02").locator(".md-add-child").click()
    assert page.input_value("#id_code") == "02"
    page.fill("#id_code", "0201")
    page.fill("#id_name", "连锁超市")
    page.locator(".md-side button.primary").click()
    page.wait_for_selector(".md-node[data-code='0201']")
    assert "level-2" in node(page, "0201").get_attribute("class")
    assert CustomerClass.objects.get(code="0201").parent.code == "02"

    # A wrong code is explained next to the field, with the input kept.
    page.fill("#id_code", "021")
    page.fill("#id_name", "错误")
    page.locator(".md-side button.primary").click()
    page.wait_for_selector("#id_code_error")
    assert "2 / 4 / 7" in page.locator("#id_code_error").inner_text()
    assert page.input_value("#id_name") == "错误"

    # Deleting a class that holds customers is refused, and the page says why.
    node(page, "0101").locator(".md-delete").click()
    page.wait_for_url("**/delete/")
    page.locator(".md-side button.danger").click()
    refusal = page.locator(".md-refusal")
    refusal.wait_for()
    assert refusal.inner_text() == "0101 is used by customers (3) and cannot be deleted."
    assert CustomerClass.objects.filter(code="0101").exists()
