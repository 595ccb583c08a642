"""The import page and API as background jobs (SPEC §8), over a stand-in of the import engine.

The engine's own behaviour (formats, rules) is tested with the engine; here: upload → dry run in
the background → preview → confirm → result, who sees which job, and the job's states.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kehu.accounts.services import user_create
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from kehu.quality import importing
from kehu.quality.importing.report import ImportReport, RowChange, RowError, SheetCounts

CSV = "客户编码,客户名称,所属分类\nA1,甲公司,0101\nA2,,0101\n".encode()


class FakeEngine:
    """``import_file`` as the engine answers it: one good row, one bad one (unless ``clean``)."""

    def __init__(self):
        self.calls = []
        self.clean = False

    def __call__(self, path, *, actor, dry_run, skip_errors, file_name, progress, **kwargs):
        content = open(path, "rb").read()  # noqa: SIM115 - the stored upload, read whole
        self.calls.append(
            {
                "dry_run": dry_run,
                "skip_errors": skip_errors,
                "actor": actor.username,
                "file_name": file_name,
                "content": content,
            }
        )
        progress(1, 2, "Reading")
        progress(2, 2, "Checking")
        errors = (
            []
            if self.clean
            else [
                RowError(
                    sheet="customers",
                    line=3,
                    column="客户名称",
                    code="required",
                    message="=This field is required.",
                    key="A2",
                )
            ]
        )
        return ImportReport(
            file_name=file_name,
            dry_run=dry_run,
            skip_errors=skip_errors,
            operation_id="op-1",
            written=not dry_run and (not errors or skip_errors),
            rows=2,
            sheets={"customers": SheetCounts(created=1, rejected=len(errors))},
            errors=errors,
            changes=[
                RowChange(
                    sheet="customers",
                    line=2,
                    key="A1",
                    action="create",
                    fields={"name": [None, "甲公司"]},
                )
            ],
        )


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(importing, "import_file", fake)
    return fake


def _user(username, *roles, **extra):
    return user_create(username=username, password="Kehu-user-2026", roles=list(roles), **extra)


@pytest.fixture
def seller(db):
    user = _user("seller", "salesperson")
    client = Client()
    client.force_login(user)
    return client


def _upload(client, content=CSV, name="客户.csv", **data):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post("/quality/imports/new/", {"file": file, **data})


def test_upload_runs_a_dry_run_whose_preview_shows_counts_errors_and_changes(seller, engine):
    response = _upload(seller, skip_errors="on")

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/quality/imports/{job.pk}/"
    assert engine.calls == [
        {
            "dry_run": True,
            "skip_errors": True,
            "actor": "seller",
            "file_name": "客户.csv",
            "content": CSV,
        }
    ]
    page = seller.get(response["Location"]).content.decode()
    assert "Dry run of 客户.csv" in page
    assert "Succeeded" in page
    assert "<td>customers</td>" in page
    assert "客户名称" in page and "=This field is required." in page
    assert "name: — → 甲公司" in page
    assert "The rows in error will be skipped" in page
    assert "Confirm import" in page


def test_the_errors_download_as_csv_with_formulas_neutralised(seller, engine):
    _upload(seller)
    job = Job.objects.get()

    response = seller.get(f"/quality/imports/{job.pk}/errors.csv")

    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["Sheet", "Line", "Column", "Reason", "Code", "Key"],
        ["customers", "3", "客户名称", "'=This field is required.", "required", "A2"],
    ]


def test_an_all_or_nothing_import_with_errors_cannot_be_confirmed(seller, engine):
    _upload(seller)
    job = Job.objects.get()

    page = seller.get(f"/quality/imports/{job.pk}/").content.decode()
    assert "Confirm import" not in page
    assert "the import is all or nothing" in page

    response = seller.post(f"/quality/imports/{job.pk}/confirm/", follow=True)
    assert "The file has errors and the import is all or nothing" in response.content.decode()
    assert Job.objects.count() == 1 and len(engine.calls) == 1


def test_confirm_imports_the_same_file_with_the_same_options_once(seller, engine):
    engine.clean = True
    _upload(seller)
    preview = Job.objects.get()

    response = seller.post(f"/quality/imports/{preview.pk}/confirm/")

    done = Job.objects.get(kind=JobKind.IMPORT)
    assert response["Location"] == f"/quality/imports/{done.pk}/"
    assert done.source == preview and done.status == JobStatus.SUCCEEDED
    assert [call["dry_run"] for call in engine.calls] == [True, False]
    assert engine.calls[1]["content"] == CSV and engine.calls[1]["skip_errors"] is False
    page = seller.get(f"/quality/imports/{done.pk}/").content.decode()
    assert "Import of 客户.csv" in page and "The import is done." in page
    assert "Confirm import" not in page

    again = seller.post(f"/quality/imports/{preview.pk}/confirm/", follow=True)
    assert "This import was confirmed already." in again.content.decode()
    assert Job.objects.filter(kind=JobKind.IMPORT).count() == 1


def test_a_running_job_shows_its_progress_and_refreshes_without_javascript(seller, db):
    owner = _user("owner2", "salesperson")
    job = Job.objects.create(
        kind=JobKind.IMPORT_PREVIEW,
        actor=owner,
        file_name="a.csv",
        status=JobStatus.RUNNING,
        progress_done=30,
        progress_total=120,
        stage="Checking rows",
    )
    admin = Client()
    admin.force_login(_user("boss", "administrator"))

    page = admin.get(f"/quality/imports/{job.pk}/").content.decode()
    assert '<progress id="job-progress" max="120" value="30">25%</progress>' in page
    assert "Checking rows" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "jobs/job_progress.js" in page

    status = admin.get(f"/quality/imports/{job.pk}/status.json").json()
    assert status == {
        "id": job.pk,
        "status": "running",
        "status_label": "Running",
        "finished": False,
        "done": 30,
        "total": 120,
        "percent": 25,
        "stage": "Checking rows",
        "url": f"/quality/imports/{job.pk}/",
    }


def test_an_interrupted_job_says_so(seller, db):
    job = Job.objects.create(
        kind=JobKind.IMPORT,
        actor=_user("x", "salesperson"),
        file_name="a.csv",
        status=JobStatus.FAILED,
        error_code="interrupted",
    )
    admin = Client()
    admin.force_login(_user("boss", "administrator"))

    page = admin.get(f"/quality/imports/{job.pk}/").content.decode()

    assert "Interrupted: the worker running this job stopped" in page
    assert "<progress" not in page and "refresh" not in page


def test_only_the_owner_and_administrators_see_a_job(seller, engine):
    _upload(seller)
    job = Job.objects.get()
    colleague, boss = Client(), Client()
    colleague.force_login(_user("colleague", "salesperson"))
    boss.force_login(_user("boss", "administrator"))

    for url in (
        f"/quality/imports/{job.pk}/",
        f"/quality/imports/{job.pk}/status.json",
        f"/quality/imports/{job.pk}/errors.csv",
    ):
        assert colleague.get(url).status_code == 404
        assert boss.get(url).status_code == 200
    assert colleague.post(f"/quality/imports/{job.pk}/confirm/").status_code == 404
    assert "客户.csv" not in colleague.get("/quality/imports/").content.decode()
    assert "客户.csv" in seller.get("/quality/imports/").content.decode()
    assert "客户.csv" in boss.get("/quality/imports/").content.decode()


def test_a_file_that_is_not_a_workbook_or_csv_is_refused_on_the_form(seller, engine):
    response = _upload(seller, content=b"MZ", name="setup.exe")

    assert response.status_code == 200
    assert "Import an XLSX workbook or a CSV file" in response.content.decode()
    assert not Job.objects.exists() and engine.calls == []


def test_the_menu_offers_the_import_to_users_who_may_import(seller, db):
    auditor = Client()
    auditor.force_login(_user("auditor1", "auditor"))

    assert 'href="/quality/imports/"' in seller.get("/quality/duplicates/").content.decode()
    assert 'href="/quality/imports/"' not in auditor.get("/quality/duplicates/").content.decode()
    assert auditor.get("/quality/imports/new/").status_code == 403


# API -------------------------------------------------------------------------------------


def _api_upload(api, content=CSV, **data):
    file = SimpleUploadedFile("客户.csv", content, content_type="text/csv")
    return api.client.post("/api/v1/import-jobs", {"file": file, **data}, headers=api.headers)


def test_api_queues_a_dry_run_then_confirms_it(api_as, engine):
    engine.clean = True
    api = api_as("salesperson")

    created = _api_upload(api)

    assert created.status_code == 202, created.content
    body = created.json()
    assert body["kind"] == "import_preview" and body["status"] == "succeeded"
    assert body["status_url"] == f"/api/v1/import-jobs/{body['id']}"
    detail = api.get(body["status_url"]).json()
    assert detail["report"]["sheets"] == {
        "customers": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    }
    assert detail["progress"] == {"done": 2, "total": 2, "percent": 100, "stage": "Checking"}

    confirmed = api.post(body["confirm_url"])
    assert confirmed.status_code == 202
    assert confirmed.json()["kind"] == "import" and confirmed.json()["source_id"] == body["id"]
    assert confirmed.json()["report"]["written"] is True
    assert confirmed.json()["confirm_url"] is None

    again = api.post(body["confirm_url"])
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"


def test_api_imports_directly_without_a_dry_run(api_as, engine):
    api = api_as("salesperson")

    body = _api_upload(api, dry_run="false", skip_errors="true").json()

    assert body["kind"] == "import" and body["report"]["written"] is True
    assert engine.calls[0]["dry_run"] is False and engine.calls[0]["skip_errors"] is True


def test_api_refuses_a_missing_or_wrong_file_and_hides_others_jobs(api_as, engine):
    api = api_as("salesperson")
    missing = api.client.post("/api/v1/import-jobs", {}, headers=api.headers)
    assert missing.status_code == 422 and "file" in missing.json()["errors"]
    wrong = api.client.post(
        "/api/v1/import-jobs",
        {"file": SimpleUploadedFile("a.txt", b"x")},
        headers=api.headers,
    )
    assert wrong.status_code == 422 and "file" in wrong.json()["errors"]

    job_id = _api_upload(api).json()["id"]
    assert api_as("salesperson").get(f"/api/v1/import-jobs/{job_id}").status_code == 404
    assert api_as("administrator").get(f"/api/v1/import-jobs/{job_id}").status_code == 200
    assert api_as("auditor").get(f"/api/v1/import-jobs/{job_id}").status_code == 403
