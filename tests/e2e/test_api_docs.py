"""The API docs page as a new user meets it: offline assets, a token, and real calls."""

import json
from urllib.parse import urlparse

import pytest

from kehu.accounts.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)
VALID_CREDIT_CODE = "91330000J1XG612DD6"


def open_docs(page, live_server, user):
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    _token, raw = token_create(user=user, name="docs page")
    page.locator("button.authorize").first.click()
    page.locator(".modal-ux input").first.fill(raw)
    page.locator(".modal-ux button.authorize").first.click()
    page.locator(".modal-ux button.btn-done").first.click()


def try_it(page, method: str, path: str, body=None, params=None) -> tuple[int, dict]:
    """Expand an operation, press "Try it out", fill it in, execute, read the answer."""
    operation = page.locator(f".opblock-{method}").filter(
        has=page.locator(f".opblock-summary-path[data-path='{path}']")
    )
    if not operation.locator(".opblock-body").count():
        operation.locator(".opblock-summary").click()
    start = operation.locator("button.try-out__btn:not(.cancel):not(.reset)")
    if start.count():
        start.click()
    for name, value in (params or {}).items():
        operation.locator(f"tr[data-param-name='{name}'] input").fill(str(value))
    if body is not None:
        operation.locator("textarea.body-param__text").fill(json.dumps(body, ensure_ascii=False))
    operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table .response")
    live.first.wait_for(timeout=10_000)
    status = int(live.locator(".response-col_status").first.inner_text().strip())
    text = live.locator(".microlight").first.inner_text()
    operation.locator("button.btn-clear").click()
    return status, json.loads(text)


def test_the_docs_page_loads_only_local_assets(page, live_server, admin_user):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlparse(request.url).hostname))
    open_docs(page, live_server, admin_user)

    assert "Kehu API" in page.locator(".info .title").inner_text()
    assert page.locator(".opblock").count() >= 40
    assert requested_hosts <= {"localhost", "127.0.0.1"}


def test_a_new_user_builds_a_tree_and_a_customer_from_the_docs_page(page, live_server, admin_user):
    open_docs(page, live_server, admin_user)

    for code, name in (("09", "测试客户"), ("0901", "测试一组")):
        status, created = try_it(page, "post", "/api/v1/classes", {"code": code, "name": name})
        assert status == 201, created
    assert created["parent_code"] == "09" and created["is_leaf"] is True

    customer = {
        "code": "T0001",
        "name": "杭州示例科技有限公司",
        "class_code": "0901",
        "credit_code": VALID_CREDIT_CODE[:-1] + "7",
        "contacts": [{"name": "王芳", "is_primary": True}, {"name": "李强"}],
    }
    status, error = try_it(page, "post", "/api/v1/customers", customer)
    assert status == 422
    assert "校验码" in error["errors"]["credit_code"][0]  # the browser asks for zh-CN

    customer["credit_code"] = VALID_CREDIT_CODE
    status, created = try_it(page, "post", "/api/v1/customers", customer)
    assert status == 201, created
    assert [c["name"] for c in created["contacts"]] == ["王芳", "李强"]

    status, found = try_it(
        page, "get", "/api/v1/customers/by-code/{code}", params={"code": "T0001"}
    )
    assert status == 200
    assert (found["name"], found["mnemonic"]) == ("杭州示例科技有限公司", "HZSLKJYXGS")
