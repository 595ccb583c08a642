"""The import page in a browser: upload, preview, confirm; and a running job's page that follows
the job (its script polls the status, under the strict CSP) until the report appears."""

import pytest
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"


@pytest.fixture
def importer(db):
    factories.class_tree("01", "0101")
    return user_create(username="wangfang", password=PASSWORD, roles=["administrator"])


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "wangfang")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang='en']")


def test_a_file_is_checked_then_imported(page, live_server, importer, tmp_path):
    csv = tmp_path / "客户.csv"
    csv.write_bytes("客户编码,客户名称,所属分类\r\nW1,王府井商贸有限公司,0101\r\n".encode())
    log_in(page, live_server)

    page.locator(".menu a[href='/quality/imports/']").click()
    page.get_by_role("link", name="Import a file").click()
    page.set_input_files("input[type=file]", str(csv))
    page.get_by_role("button", name="Check the file").click()

    page.wait_for_selector("text=Dry run of 客户.csv")
    assert "No errors: confirm to import the file." in page.content()
    assert not Customer.objects.exists()
    page.get_by_role("button", name="Confirm import").click()

    page.wait_for_selector("text=The import is done.")
    assert Customer.objects.get().name == "王府井商贸有限公司"


def test_a_running_job_page_shows_the_report_once_the_job_is_done(page, live_server, importer):
    job = Job.objects.create(
        kind=JobKind.IMPORT_PREVIEW,
        actor=importer,
        file_name="大文件.xlsx",
        status=JobStatus.RUNNING,
        progress_done=10,
        progress_total=40,
        stage="Importing",
    )
    log_in(page, live_server)
    page.goto(f"{live_server.url}/quality/imports/{job.pk}/")
    assert page.locator("#job-percent").inner_text() == "25%"

    Job.objects.filter(pk=job.pk).update(progress_done=30, stage="Still importing")
    page.wait_for_selector("#job-stage:has-text('Still importing')")
    assert page.locator("#job-percent").inner_text() == "75%"

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        result={"file_name": "大文件.xlsx", "dry_run": True, "skip_errors": False, "rows": 40},
    )
    page.wait_for_selector("text=Rows per sheet")
    assert page.locator("#job-progress").count() == 0
