"""The XSS corpus in a real browser (Chromium through Playwright, as tests/e2e): with the payloads
in every text field, no script of theirs runs while a user goes through the pages and works the
card's JavaScript (tabs, "add row", the mnemonic filled in as one types, focusing each input).

The server-side test (test_xss.py) proves the HTML is escaped; this one covers what only a
browser does: scripts that would put text into the page, and handlers that need an event.
"""

import pytest

from kehu.customers.forms import TABS
from tests.security.test_xss import ADMIN, CORPUS, PASSWORD, archive_with_payload

pytestmark = pytest.mark.django_db(transaction=True)

MASTER_DATA = (
    "/masterdata/trees/classes/",
    "/masterdata/trees/regions/",
    "/masterdata/lists/industries/",
    "/masterdata/lists/salespeople/",
    "/masterdata/lists/currencies/",
)


def test_no_payload_runs_while_a_user_works_through_the_pages(page, live_server):
    archive, saved = archive_with_payload(CORPUS)
    ran = []
    page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: ran.append(f"script error: {error}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.click(f"a[href='/customers/{archive.customer.pk}/']")  # the 360° page
    page.click("#open-card")
    rows = page.locator("table.inline tbody tr")
    before = rows.count()
    for key, _label in TABS:
        page.click(f"#tab-{key}")
        for button in page.locator(f"#{key} .add-row").all():
            button.click()
        for field in page.locator(f"#{key} input:visible, #{key} textarea:visible").all():
            field.focus()
    page.click("#tab-basic")
    page.fill("[name=mnemonic]", "")  # now it follows the short name as one types
    with page.expect_response(lambda response: "/customers/mnemonic/" in response.url):
        page.fill("[name=short_name]", saved["Customer.name"])

    # The browser took every value as text: shown as typed, in the title and in the inputs.
    assert saved["Customer.name"] in page.title()
    assert page.input_value("[name=name]") == saved["Customer.name"]
    assert page.input_value("[name=remarks]") == saved["Customer.remarks"]
    assert rows.count() == before + len(page.locator(".add-row").all())
    for path in MASTER_DATA:
        page.goto(f"{live_server.url}{path}")
        for link in page.locator("a.md-edit, td.code a").all()[:2]:
            link.focus()

    assert not ran, f"payload script ran: {ran}"
