"""Runs started from the UI go to a background job: the page shows the job's state and
progress, survives a reload, and opens the run once a worker has made it. ``kehu evaluate``
and the API stay synchronous."""

import datetime
import importlib

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.customers.services import saved_query_create
from kehu.evaluation.models import CustomerEvaluation, EvaluationRun
from kehu.evaluation.services import scorecard_default_seed
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from tests.evaluation.example import example_build

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def manager():
    user = user_create(
        username="lisi", password="Kehu-test-2026", roles=["sales manager"], scope="all"
    )
    client = Client()
    client.force_login(user)
    return user, client


def _seed_after_flush():
    """What the migrations seed, for a transactional test run after another one flushed it."""
    from django.apps import apps

    importlib.import_module("kehu.masterdata.migrations.0002_seed_defaults").seed(apps, None)
    scorecard_default_seed()


# The worker closes its connections between tasks, as the jobs' own tests say.
@pytest.mark.django_db(transaction=True)
def test_a_run_waits_for_the_worker_and_its_page_follows_it(manager, settings):
    settings.TASKS = DB_TASKS
    _seed_after_flush()
    user, browser = manager
    example_build()
    query = saved_query_create(actor=user, data={"name": "甲乙", "params": {"q": "付款"}})

    response = browser.post("/evaluation/", {"as_of": "2026-06-30", "query": str(query.pk)})

    job = Job.objects.get(kind=JobKind.EVALUATION)
    assert response.status_code == 302 and response["Location"] == f"/evaluation/jobs/{job.pk}/"
    assert not EvaluationRun.objects.exists()
    page = browser.get(response["Location"]).content.decode()  # a reload shows the same
    assert "Evaluation run as of 2026-06-30" in page and 'id="job-status">Queued<' in page
    assert "jobs/job_progress.js" in page and '<meta http-equiv="refresh"' in page
    assert f'href="/evaluation/jobs/{job.pk}/"' in browser.get("/evaluation/").content.decode()
    status = browser.get(f"/evaluation/jobs/{job.pk}/status/").json()
    assert (status["status"], status["finished"], status["open_url"]) == ("queued", False, "")

    call_command("worker", "--batch", verbosity=0)

    run = EvaluationRun.objects.get()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["run"] == run.pk
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert run.query_name == "甲乙" and run.started_by == user
    assert set(
        CustomerEvaluation.objects.filter(run=run).values_list("customer__code", flat=True)
    ) == {"E1", "E2"}
    status = browser.get(f"/evaluation/jobs/{job.pk}/status/").json()
    assert status["finished"] and status["open_url"] == f"/evaluation/runs/{run.pk}/"
    done = browser.get(f"/evaluation/jobs/{job.pk}/")
    assert done.status_code == 302 and done["Location"] == f"/evaluation/runs/{run.pk}/"


def test_a_running_job_shows_its_progress(manager):
    user, browser = manager
    job = Job.objects.create(
        kind=JobKind.EVALUATION,
        actor=user,
        status=JobStatus.RUNNING,
        options={"as_of": None},
        progress_done=2000,
        progress_total=8000,
        stage="Reading the documents and scoring",
    )

    page = browser.get(f"/evaluation/jobs/{job.pk}/").content.decode()

    assert "Evaluation run as of today" in page
    assert '<progress id="job-progress" max="8000" value="2000">25%</progress>' in page
    assert 'id="job-status">Running<' in page and "Reading the documents and scoring" in page


def test_a_failed_job_says_why_and_nothing_was_stored(manager):
    user, browser = manager
    job = Job.objects.create(
        kind=JobKind.EVALUATION,
        actor=user,
        status=JobStatus.FAILED,
        error_code="interrupted",
    )

    page = browser.get(f"/evaluation/jobs/{job.pk}/").content.decode()

    assert "Interrupted: the worker running this evaluation stopped" in page
    assert "<progress" not in page and "job_progress.js" not in page
    assert f'href="/evaluation/jobs/{job.pk}/"' in browser.get("/evaluation/").content.decode()


def test_bad_inputs_are_field_errors_and_queue_nothing(manager, settings):
    settings.TASKS = DB_TASKS
    _user, browser = manager
    for data, message in (
        ({"as_of": "2999-01-01"}, "An evaluation cannot be as of a future date."),
        ({"as_of": "1899-12-31"}, "An evaluation cannot be as of a date before 1900-01-01."),
        ({"as_of": "", "query": "999999"}, "There is no such saved query."),
        ({"as_of": "", "query": "abc"}, "There is no such saved query."),
    ):
        response = browser.post("/evaluation/", data)
        assert response.status_code == 422
        assert message in response.content.decode()
    assert not Job.objects.exists()


def test_an_import_job_is_not_an_evaluation_job(manager):
    user, browser = manager
    job = Job.objects.create(kind=JobKind.IMPORT, actor=user, file_name="a.csv")
    assert browser.get(f"/evaluation/jobs/{job.pk}/").status_code == 404


def test_the_runs_page_forgets_failures_after_a_week(manager):
    user, browser = manager
    old = Job.objects.create(kind=JobKind.EVALUATION, actor=user, status=JobStatus.FAILED)
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    page = browser.get("/evaluation/").content.decode()
    assert f'href="/evaluation/jobs/{old.pk}/"' not in page
    assert browser.get(f"/evaluation/jobs/{old.pk}/").status_code == 200  # still there
