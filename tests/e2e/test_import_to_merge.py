"""Issue 6's acceptance as a user meets it: the sample workbook uploaded in the import page, its
dry run run by the background worker, the rows in error read on the preview, the import
confirmed skipping them, then a duplicate that the import brought found in the duplicate
report and merged. Also makes the user guide's screenshot of the preview, so that it stays
true.

The jobs go through the production queue (django-tasks' database backend): the upload only
queues the dry run, and the page follows it until ``kehu worker`` has run it. The worker runs
in the test's own process, because the live server of the SQLite test database (in memory)
is visible to no other process.
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.customers.services import customer_create
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create, customer_class_create

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
DATA = Path(__file__).resolve().parents[1] / "quality" / "data"
SAMPLE = DATA / "sample_customers.xlsx"
EXPECTED = json.loads((DATA / "sample_customers.expected.json").read_text())["rejected"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "import-preview.png"
# The sample's payment terms, which a new database does not have (the demo does).
PAYMENT_TERMS = (
    ("01", "货到付款", "n/0"), ("02", "月结30天", "n/30"), ("03", "月结60天", "n/60"),
    ("04", "2/10,n/30", "2/10,n/30"), ("05", "1/20,n/45", "1/20,n/45"), ("06", "款到发货", "n/0"),
)  # fmt: skip


@pytest.fixture
def database_queue(settings):
    """The production task backend: an upload queues its job, a worker runs it later."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def company(db):
    """A company that typed one customer in by hand before importing its old ERP's file:
    浙江泰锐家居 under another code, its name written the other way round."""
    present = set(md.PaymentTerms.objects.values_list("code", flat=True))
    for code, name, text in PAYMENT_TERMS:
        if code not in present:
            coded_item_create(
                md.PaymentTerms, actor=None, data={"code": code, "name": name, "text": text}
            )
    for code, name in (("03", "工业客户"), ("0301", "制造业")):
        customer_class_create(actor=None, data={"code": code, "name": name})
    user_create(username="wangfang", password=PASSWORD, roles=["administrator"], scope="all")
    return customer_create(
        actor=None,
        data={
            "code": "K0001",
            "name": "泰锐家居（浙江）有限公司",
            "class_code": "0301",
            "remarks": "展会上认识，手工录入",
            "contacts": [{"name": "刘洋", "email": "liuyang@example.com", "is_primary": True}],
        },
    )


STATUS = re.compile(r"/status(\.json|/)(\?.*)?$")


def run_worker(page):
    """What `kehu serve` keeps running beside the web server: run the queued jobs.

    The live server of the in-memory SQLite test database shares the test's one connection,
    and the search triggers call a Python function (``kehu_search_grams``): a status poll
    served while the worker writes customers would hold the interpreter's lock while it waits
    for that connection, which the trigger's function holds while it waits for the
    interpreter's lock. (A real server gives each thread a connection of its own.) So the
    page's polls fail while the worker runs, as over a broken network; the page's script
    retries, and notices the finished job by itself afterwards."""
    page.route(STATUS, lambda route: route.abort())
    page.wait_for_timeout(500)  # a poll already on its way is answered first
    try:
        call_command("worker", "--batch", verbosity=0)
    finally:
        page.unroute(STATUS)


def test_the_sample_is_previewed_imported_skipping_errors_and_a_duplicate_merged(
    page, live_server, database_queue, company
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")

    # Upload: the dry run is queued, and its page waits for the worker.
    page.locator(".menu a[href='/quality/imports/']").click()
    page.locator("a[href='/quality/imports/new/']").first.click()
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.check("input[name=skip_errors]")
    page.locator("form.import-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/quality/imports/\d+/$"))
    preview = Job.objects.get()
    assert (preview.kind, preview.status) == (JobKind.IMPORT_PREVIEW, JobStatus.QUEUED)
    expect(page.locator("#job-progress")).to_be_visible()

    run_worker(page)

    # The page notices the finished job by itself and shows the preview.
    rows = page.locator("table.import-errors tbody tr")
    expect(rows.first).to_be_visible(timeout=30_000)
    on_screen = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()
    ]
    refused = {
        int(line): (column, reason)
        for sheet, line, column, reason in on_screen
        if sheet == "customers"
    }
    assert sorted(refused) == sorted(case["line"] for case in EXPECTED)
    assert all(column and reason for column, reason in refused.values())
    assert refused[71][0] == "客户名称" and refused[89][0] == "所属分类"
    assert "C00021" in refused[202][1] and "22" in refused[202][1]  # the repeated code
    # The contacts of refused customers are refused with them.
    assert {int(line) for sheet, line, *_ in on_screen if sheet == "contacts"} == {
        8,
        47,
        50,
        71,
        79,
        89,
    }
    assert not Customer.objects.exclude(code="K0001").exists()  # a dry run writes nothing
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # Confirm: the import itself is queued, then run.
    page.locator("form.confirm-import button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/quality/imports/(?!{preview.pk}/)\d+/$"))
    run_worker(page)
    expect(page.locator(".import-outcome .message.success")).to_be_visible(timeout=30_000)
    assert not Job.objects.exclude(file="").exists()  # the uploaded file is deleted once imported
    imported = Customer.objects.exclude(code="K0001")
    assert imported.count() == 200 - 9  # 200 customers, 9 refused, one repeated row
    assert not imported.filter(
        code__in=[case["code"] for case in EXPECTED if "repeated" not in case["case"]]
    ).exists()

    # The duplicate report pairs the imported 浙江泰锐家居有限公司 with the one typed in.
    survivor = Customer.objects.get(code="C00001")
    page.goto(f"{live_server.url}/quality/duplicates/")
    pair = page.locator(
        "tr", has=page.locator(f"a.merge-link[href='/quality/merge/{survivor.pk}/{company.pk}/']")
    )
    expect(pair).to_contain_text("浙江泰锐家居有限公司")
    expect(pair).to_contain_text("泰锐家居（浙江）有限公司")
    expect(pair.locator("td.num")).to_have_text("100")
    pair.locator("a.merge-link").click()

    # Merge: the imported customer stays; the hand-typed one's remarks and contact move to it.
    page.wait_for_selector("#merge-page")
    expect(page.locator("input[name=choice-remarks][value=other]")).to_be_checked()
    page.click("#merge-submit")
    page.wait_for_url(re.compile(rf"/customers/{survivor.pk}/edit/$"))
    expect(page.locator(".message")).to_contain_text("K0001")
    assert "C00001 浙江泰锐家居有限公司" in page.locator(".card-head h1").inner_text()
    page.click("#tab-contact")
    names = page.locator("#table-contacts tbody input[name$='-name']")
    expect(names).to_have_count(2)
    assert sorted(names.nth(i).input_value() for i in range(2)) == ["刘洋", "黄桂霞"]
    assert not Customer.objects.filter(code="K0001").exists()
    assert Customer.objects.get(pk=survivor.pk).remarks == "展会上认识，手工录入"
