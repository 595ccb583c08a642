"""Background jobs: queued in the database, run by `kehu worker`, recorded on the job row."""

import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kehu.accounts.services import user_create
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from kehu.jobs.services import (
    JobProgress,
    current_worker_id,
    job_create,
    job_enqueue,
    job_progress,
    job_run,
)
from tests.jobs.tasks import count_task


@pytest.fixture
def owner(db):
    return user_create(username="owner", password="Kehu-user-2026", roles=["salesperson"])


def _queue(owner, **options):
    job = job_create(actor=owner, kind=JobKind.IMPORT, options=options)
    return job_enqueue(job, count_task)


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_waits_for_the_worker_which_records_its_progress_and_result(owner, db_tasks):
    job = _queue(owner, count=4)
    assert job.status == JobStatus.QUEUED and job.task_id

    call_command("worker", "--batch", verbosity=0)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"counted": 4}
    assert (job.progress_done, job.progress_total, job.stage) == (4, 4, "Counting")
    assert job_progress(job)["percent"] == 100
    assert job.started_at <= job.finished_at
    assert job.worker.startswith(f"{socket.gethostname()}:{os.getpid()}:")


@pytest.mark.django_db(transaction=True)
def test_a_job_that_raises_is_failed_with_the_reason(owner, db_tasks):
    job = _queue(owner, fail=True)

    call_command("worker", "--batch", verbosity=0)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_code == "failed"
    assert job.error == "ValueError: asked to fail"
    assert job.result is None


@pytest.mark.django_db
def test_a_job_runs_once_even_when_its_task_is_delivered_twice(owner):
    job = _queue(owner, count=2)  # the tests' immediate backend: run at once
    assert job.status == JobStatus.SUCCEEDED
    finished_at = job.finished_at

    job_run(job.pk, lambda job, progress: {"again": True})

    job.refresh_from_db()
    assert job.result == {"counted": 2} and job.finished_at == finished_at


@pytest.mark.django_db(transaction=True)
def test_progress_is_throttled_but_a_new_stage_is_written_at_once(owner, settings):
    settings.KEHU_JOB_PROGRESS_SECONDS = 3600
    job = job_create(actor=owner, kind=JobKind.IMPORT, options={})
    progress = JobProgress(job.pk)

    progress(1, 10, "Reading")
    progress(2, 10, "Reading")
    job.refresh_from_db()
    assert (job.progress_done, job.stage) == (1, "Reading")

    progress(3, 10, "Writing")
    job.refresh_from_db()
    assert (job.progress_done, job.stage) == (3, "Writing")

    progress(7, 10, "Writing")
    progress.close()
    job.refresh_from_db()
    assert job.progress_done == 7


@pytest.mark.django_db(transaction=True)
def test_progress_made_inside_a_transaction_is_visible_to_other_processes(owner, settings):
    """An import writes in one transaction: its progress must not wait for the commit.
    PostgreSQL: written through a second connection. SQLite (one writer at a time): written
    to a file that every process of the machine reads."""
    settings.KEHU_JOB_PROGRESS_SECONDS = 0
    job = job_create(actor=owner, kind=JobKind.IMPORT, options={})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    progress = JobProgress(job.pk)
    observer = connections.create_connection("default")
    try:
        with transaction.atomic():
            progress(5, 10, "Writing")
            if connection.vendor == "postgresql":
                with observer.cursor() as cursor:
                    cursor.execute("SELECT progress_done FROM jobs_job WHERE id = %s", [job.pk])
                    assert cursor.fetchone() == (5,)
            seen = job_progress(Job.objects.get(pk=job.pk))
            assert seen == {"done": 5, "total": 10, "stage": "Writing", "percent": 50}
        progress.close()
    finally:
        observer.close()
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.stage) == (5, 10, "Writing")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _running(owner, worker: str, heartbeat_age: timedelta) -> Job:
    job = job_enqueue(job_create(actor=owner, kind=JobKind.IMPORT, options={}), count_task)
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker=worker,
        started_at=now - heartbeat_age,
        heartbeat_at=now - heartbeat_age,
    )
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_a_starting_worker_fails_the_jobs_left_running_by_dead_workers(owner, db_tasks):
    host = socket.gethostname()
    fresh, old = timedelta(seconds=5), timedelta(hours=2)
    dead_here = _running(owner, f"{host}:{_dead_pid()}:abcd1234", fresh)
    alive_here = _running(owner, f"{host}:{os.getppid()}:abcd1234", fresh)
    ours = _running(owner, current_worker_id(), old)
    silent_elsewhere = _running(owner, "other-host:123:abcd1234", old)
    heard_elsewhere = _running(owner, "other-host:124:abcd1234", fresh)

    call_command("worker", "--batch", verbosity=0)

    statuses = {
        job.pk: (job.status, job.error_code)
        for job in Job.objects.filter(pk__in=[j.pk for j in (dead_here, alive_here, ours)])
    } | {
        job.pk: (job.status, job.error_code)
        for job in Job.objects.filter(pk__in=[silent_elsewhere.pk, heard_elsewhere.pk])
    }
    tasks = DBTaskResult.objects.filter(id__in=[dead_here.task_id, alive_here.task_id])
    assert dict(tasks.values_list("id", "status")) == {
        uuid.UUID(dead_here.task_id): "FAILED",
        uuid.UUID(alive_here.task_id): "RUNNING",
    }
    assert statuses == {
        dead_here.pk: (JobStatus.FAILED, "interrupted"),
        alive_here.pk: (JobStatus.RUNNING, ""),
        ours.pk: (JobStatus.RUNNING, ""),
        silent_elsewhere.pk: (JobStatus.FAILED, "interrupted"),
        heard_elsewhere.pk: (JobStatus.RUNNING, ""),
    }


@pytest.mark.django_db
def test_the_worker_refuses_a_backend_that_has_its_own_workers(settings):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="ImmediateBackend"):
        call_command("worker", "--batch")
