"""Queue, run and watch background jobs.

The queue itself is django-tasks (``settings.TASKS``: the database backend and its worker by
default, another backend by configuration); a ``Job`` row is Kehu's own record of the work, so
that any app process can show its status and progress. A task runs ``job_run``, which keeps the
row up to date around the work it is given.
"""

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kehu.core.errors import ServiceError
from kehu.jobs.choices import JobStatus
from kehu.jobs.models import Job

logger = logging.getLogger(__name__)

INTERRUPTED = "interrupted"
FAILED = "failed"

_worker_ids: dict[int, str] = {}


def current_worker_id() -> str:
    """``host:pid:token`` of this process (a forked child gets its own)."""
    pid = os.getpid()
    if pid not in _worker_ids:
        _worker_ids[pid] = f"{socket.gethostname()}:{pid}:{get_random_string(8)}"
    return _worker_ids[pid]


def job_create(*, actor, kind: str, options: dict, upload=None, source: Job | None = None) -> Job:
    """Record a queued job; ``upload`` (a Django ``File``) is stored under MEDIA_ROOT."""
    job = Job(kind=kind, actor=actor, options=options, source=source)
    if upload is not None:
        job.file_name = os.path.basename(upload.name)[:255]
        job.file.save(job.file_name, upload, save=False)
    elif source is not None:
        job.file, job.file_name = source.file.name, source.file_name
    job.save()
    return job


def job_enqueue(job: Job, task) -> Job:
    """Hand the job to the task backend (``task`` takes ``job_id``); return it refreshed.

    With an immediate backend (tests, a deployment without workers) the work is done before
    this returns.
    """
    result = task.enqueue(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


class JobProgress:
    """The ``progress(done, total, stage)`` callback of a running job, written to its row at
    most every ``KEHU_JOB_PROGRESS_SECONDS`` (and at each new stage), so pages can poll it.

    The work may hold a transaction open on the default connection (an import writes in one):
    progress written there would stay invisible until the end. PostgreSQL gets it through a
    second connection. SQLite allows one writer at a time, so there the progress made inside
    a transaction goes to a small file under MEDIA_ROOT (``job_progress`` reads it): SQLite
    serves one machine, whose processes all see that file.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.interval = settings.KEHU_JOB_PROGRESS_SECONDS
        self.latest: tuple[int, int, str] | None = None
        self.written: tuple[int, int, str] | None = None  # to the row or the file
        self.in_row: tuple[int, int, str] | None = None
        self.last_write = 0.0
        self._side = None

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        self.latest = (max(0, int(done)), max(0, int(total)), str(stage)[:200])
        new_stage = self.written is None or self.written[2] != self.latest[2]
        if new_stage or time.monotonic() - self.last_write >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self.latest is None:
            return
        done, total, stage = self.latest
        connection = connections[DEFAULT_DB_ALIAS]
        if not connection.in_atomic_block:
            if self.latest == self.in_row:
                return
            Job.objects.filter(pk=self.job_id).update(
                progress_done=done, progress_total=total, stage=stage, heartbeat_at=timezone.now()
            )
            self.in_row = self.latest
        elif self.latest == self.written:
            return
        elif connection.vendor == "sqlite":
            _progress_file_write(self.job_id, done, total, stage)
        else:
            self._write_aside(done, total, stage)
            self.in_row = self.latest
        self.written, self.last_write = self.latest, time.monotonic()

    def _write_aside(self, done: int, total: int, stage: str) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        quote = self._side.ops.quote_name
        meta = Job._meta
        columns = ("progress_done", "progress_total", "stage", "heartbeat_at")
        assignments = ", ".join(f"{quote(meta.get_field(c).column)} = %s" for c in columns)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 - names from the model
        with self._side.cursor() as cursor:
            cursor.execute(sql, [done, total, stage, timezone.now(), self.job_id])

    def close(self) -> None:
        self.flush()
        if self._side is not None:
            self._side.close()
            self._side = None


def _progress_file(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / "progress" / f"{job_id}.json"


def _progress_file_write(job_id: int, done: int, total: int, stage: str) -> None:
    path = _progress_file(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps([done, total, stage]), encoding="utf-8")
    os.replace(partial, path)  # readers see the old content or the new, never half of it


def job_progress(job: Job) -> dict:
    """``done``, ``total``, ``stage`` and ``percent`` of ``job`` as far as any process can
    tell: its row, or for a job running inside a SQLite transaction the progress file that
    its worker writes."""
    done, total, stage = job.progress_done, job.progress_total, job.stage
    if job.status == JobStatus.RUNNING and connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
        with contextlib.suppress(OSError, ValueError):
            done, total, stage = json.loads(_progress_file(job.pk).read_text(encoding="utf-8"))
    if job.status == JobStatus.SUCCEEDED:
        percent = 100
    else:
        percent = min(100, int(done) * 100 // int(total)) if total else 0
    return {"done": int(done), "total": int(total), "stage": str(stage), "percent": percent}


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, ServiceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:2000]


def job_run(job_id: int, work: Callable[[Job, JobProgress], dict | None]) -> None:
    """Run ``work(job, progress)`` for a queued job and record its outcome on the job.

    A job that is not queued any more (already run, or claimed by another worker after a
    task was delivered twice) is left alone. The work runs in the language of the user who
    queued it (``options["language"]``), so the messages of its report are in their language.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=current_worker_id(),
        updated_at=now,
    )
    if not claimed:
        logger.warning("Job %s is not queued any more: not run again.", job_id)
        return
    job = Job.objects.get(pk=job_id)
    progress = JobProgress(job.pk)
    language = job.options.get("language") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            result = work(job, progress)
    except BaseException as exc:
        logger.exception("Job %s failed", job_id)
        progress.close()
        _job_finish(job_id, JobStatus.FAILED, progress, error=_failure_text(exc), error_code=FAILED)
        raise
    progress.close()
    _job_finish(job_id, JobStatus.SUCCEEDED, progress, result=result)


def _job_finish(job_id: int, status: str, progress: JobProgress, **values) -> None:
    now = timezone.now()
    if progress.latest is not None:  # the last progress, even if it was not written yet
        names = ("progress_done", "progress_total", "stage")
        values.update(zip(names, progress.latest, strict=True))
    Job.objects.filter(pk=job_id).update(
        status=status, finished_at=now, heartbeat_at=now, updated_at=now, **values
    )
    _progress_file(job_id).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_is_gone(job: Job, now) -> bool:
    stale = job.heartbeat_at is None or now - job.heartbeat_at > timedelta(
        seconds=settings.KEHU_JOB_STALE_SECONDS
    )
    host, _, rest = job.worker.rpartition(":")[0].rpartition(":")
    if host != socket.gethostname() or not rest.isdigit():
        return stale  # another machine's worker: only its silence tells
    if job.worker == current_worker_id():
        return False
    pid = int(rest)
    return pid == os.getpid() or not _pid_alive(pid) or stale


def jobs_recover_interrupted() -> int:
    """Mark failed ("interrupted") the running jobs whose worker is gone; return how many.

    A worker killed in the middle of a job (a crash, a deployment, SIGKILL) leaves its row
    "running"; its work was in a transaction that died with it, so nothing was written. A
    worker on this machine is gone when its process is; one elsewhere when it has not been
    heard from for ``KEHU_JOB_STALE_SECONDS``. Called when a worker starts.
    """
    now = timezone.now()
    running = Job.objects.filter(status=JobStatus.RUNNING).only("pk", "worker", "heartbeat_at")
    gone = [job.pk for job in running if _worker_is_gone(job, now)]
    if not gone:
        return 0
    for job_id in gone:
        _progress_file(job_id).unlink(missing_ok=True)
    # The queue's own row of each such task stays "RUNNING" too: close it the same way.
    task_ids = [t for t in Job.objects.filter(pk__in=gone).values_list("task_id", flat=True) if t]
    DBTaskResult.objects.filter(id__in=task_ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now
    )
    return Job.objects.filter(pk__in=gone, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        error_code=INTERRUPTED,
        error="",
        finished_at=now,
        updated_at=now,
    )
