"""Merging duplicates as a user does it (SPEC §7): the duplicate report, a pair's merge page,
a value taken from the other customer, the merge, and the survivor's card with the other's
contact. Also makes the user guide's screenshot of the merge page, so that it stays true."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.masterdata.services import customer_class_create

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "merge.png"


@pytest.fixture
def twins(db):
    from kehu.customers.services import customer_create

    for code, name in (("01", "批发客户"), ("0101", "华东批发")):
        customer_class_create(actor=None, data={"code": code, "name": name})
    user_create(
        username="wangfang",
        password=PASSWORD,
        roles=["sales manager", "credit controller"],
        first_name="王芳",
        scope="all",
    )
    survivor = customer_create(
        actor=None,
        data={
            "code": "C1001",
            "name": "上海泰锐家居有限公司",
            "class_code": "0101",
            "phone": "021-55550000",
            "contacts": [{"name": "张伟", "mobile": "13800000001", "is_primary": True}],
        },
    )
    other = customer_create(
        actor=None,
        data={
            "code": "C1002",
            "name": "泰锐家居（上海）有限公司",
            "short_name": "泰锐家居",
            "class_code": "0101",
            "phone": "021 5555 0000",
            "email": "info@tairui.example",
            "remarks": "展会认识的客户",
            "credit_limit": "500000",
            "contacts": [{"name": "刘洋", "email": "liuyang@example.com", "is_primary": True}],
        },
    )
    return survivor, other


def test_a_user_merges_a_duplicate_pair_from_the_report(page, live_server, twins):
    survivor, other = twins
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")

    page.goto(f"{live_server.url}/quality/duplicates/")
    page.locator(f"a.merge-link[href='/quality/merge/{survivor.pk}/{other.pk}/']").click()
    page.wait_for_selector("#merge-page")

    # Defaults: the survivor's values, the other's where the survivor has none.
    expect(page.locator("input[name=choice-name][value=survivor]")).to_be_checked()
    expect(page.locator("input[name=choice-remarks][value=other]")).to_be_checked()
    expect(page.locator("tr[data-move=contacts] td")).to_have_text("1")
    # The user takes the other's name as well, and the other's primary contact.
    page.check("input[name=choice-name][value=other]")
    page.check("input[name='choice-contacts.primary'][value=other]")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})  # the page down to its button
    page.screenshot(path=str(SCREENSHOT))

    page.click("#merge-submit")
    page.wait_for_url(re.compile(rf"/customers/{survivor.pk}/edit/$"))
    expect(page.locator(".message")).to_contain_text("C1002")
    assert "C1001 泰锐家居（上海）有限公司" in page.locator(".card-head h1").inner_text()
    page.click("#tab-contact")
    names = page.locator("#table-contacts tbody input[name$='-name']")
    expect(names).to_have_count(2)
    assert sorted(names.nth(i).input_value() for i in range(2)) == ["刘洋", "张伟"]
    assert not Customer.objects.filter(code="C1002").exists()
    merged = Customer.objects.get(pk=survivor.pk)
    assert merged.contacts.get(is_primary=True).name == "刘洋"
    assert merged.remarks == "展会认识的客户" and str(merged.credit_limit) == "500000.00"

    # The duplicate report no longer lists the pair.
    page.goto(f"{live_server.url}/quality/duplicates/")
    expect(page.locator("a.merge-link")).to_have_count(0)
