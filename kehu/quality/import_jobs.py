"""Imports as background jobs (SPEC §8): a dry run first, then, once confirmed, the import.

The web page and the API queue the same jobs; a worker runs ``import_file`` (the one entry
point of the import engine) with the job's file and options, and stores its report on the job.

The uploaded file is kept only as long as a job may still read it: while a job of it is queued
or running, and while its dry run can still be confirmed. It is deleted once the import is
done (or failed), once the dry run is discarded, or at once when the dry run cannot be confirmed
(all or nothing, with errors). ``import_files_cleanup`` (``kehu cleanup-imports``) deletes what
is left behind: dry runs never confirmed, files of jobs whose worker died.
"""

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from kehu.core.errors import ConflictError
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from kehu.jobs.services import job_create, job_enqueue, job_run
from kehu.quality import importing
from kehu.quality.importing.report import ImportReport
from kehu.quality.importing.upload import IMPORT_MAX_BYTES

# Who may import: the import creates and updates customers.
IMPORT_PERMISSIONS = ("customers.add_customer", "customers.change_customer")
IMPORT_KINDS = (JobKind.IMPORT_PREVIEW, JobKind.IMPORT)
ACCEPTED_EXTENSIONS = (".xlsx", ".csv")
# Where job_create stores uploads (Job.file's upload_to); the progress files live beside them.
UPLOAD_DIR = "jobs"
PROGRESS_DIR = "jobs/progress"

logger = logging.getLogger(__name__)


@task()
def import_job_task(job_id: int) -> None:
    """The task a worker runs: the import (or its dry run) of one job; then its file is
    deleted unless a job may still read it."""
    try:
        job_run(job_id, _import_work)
    finally:
        job = Job.objects.filter(pk=job_id).first()
        if job is not None and job.file:
            _release_file(job.file.name)


def _import_work(job: Job, progress) -> dict:
    with _local_path(job) as path:
        report = importing.import_file(
            path,
            actor=job.actor,
            dry_run=job.kind == JobKind.IMPORT_PREVIEW,
            skip_errors=bool(job.options.get("skip_errors")),
            file_name=job.file_name,
            progress=progress,
        )
    return report.to_dict()


@contextmanager
def _local_path(job: Job):
    """A path to the job's file: the stored file itself, or a temporary copy when the storage
    is not a local disk."""
    try:
        yield Path(job.file.path)
        return
    except NotImplementedError:
        pass
    suffix = Path(job.file_name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, job.file.open("rb") as source:
        shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


def _check_upload(upload) -> None:
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to import.")]})
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in ACCEPTED_EXTENSIONS:
        raise ValidationError({"file": [_("Import an XLSX workbook or a CSV file (.xlsx, .csv).")]})
    limit = getattr(settings, "KEHU_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if upload.size and upload.size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit // (1 << 20)}]}
        )


def import_job_start(*, actor, upload, dry_run: bool = True, skip_errors: bool = False) -> Job:
    """Queue the import of ``upload``: by default its dry run, whose report shows what would
    change; ``import_job_confirm`` then queues the import itself."""
    _check_upload(upload)
    kind = JobKind.IMPORT_PREVIEW if dry_run else JobKind.IMPORT
    options = {"skip_errors": bool(skip_errors), "language": get_language()}
    job = job_create(actor=actor, kind=kind, options=options, upload=upload)
    return job_enqueue(job, import_job_task)


def import_job_confirm(*, actor, job: Job) -> Job:
    """Queue the import that the dry run ``job`` previewed, with the same file and options.

    Refused (409) while the dry run is not done, when it found errors that would refuse the
    import (all or nothing), and when it was confirmed already.
    """
    if job.kind != JobKind.IMPORT_PREVIEW:
        raise ConflictError(_("Only a dry run can be confirmed."), code="not_a_preview")
    if job.status != JobStatus.SUCCEEDED:
        raise ConflictError(
            _("The dry run is not finished, or it failed: nothing to confirm."),
            code="preview_not_done",
        )
    report = import_report(job)
    if report is not None and report.errors and not report.skip_errors:
        raise ConflictError(
            _(
                "The file has errors and the import is all or nothing: correct the file, or "
                "import again skipping the rows in error."
            ),
            code="preview_has_errors",
        )
    with transaction.atomic():
        # Locked so that a double click queues one import, not two, and so that a discard
        # cannot delete the file in between.
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.followers.exists():
            raise ConflictError(_("This import was confirmed already."), code="already_confirmed")
        if not job.file:
            raise ConflictError(_FILE_GONE, code="file_gone")
        options = {**job.options, "language": get_language()}
        follower = job_create(actor=actor, kind=JobKind.IMPORT, options=options, source=job)
    return job_enqueue(follower, import_job_task)


_FILE_GONE = _(
    "The uploaded file is not kept any more (the dry run was discarded, or is too old): upload "
    "the file again."
)


def import_job_discard(*, actor, job: Job) -> Job:
    """Give up the dry run ``job`` without importing: its uploaded file is deleted.

    Refused (409) for an import (not a dry run), while the dry run is queued or running, and
    once it was confirmed (the import owns the file then).
    """
    if job.kind != JobKind.IMPORT_PREVIEW:
        raise ConflictError(_("Only a dry run can be discarded."), code="not_a_preview")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.finished:
            raise ConflictError(
                _("The dry run is not finished: wait for it before discarding it."),
                code="preview_not_done",
            )
        if job.followers.exists():
            raise ConflictError(_("This import was confirmed already."), code="already_confirmed")
        options = {**job.options, "discarded_by": actor.get_username()}
        Job.objects.filter(pk=job.pk).update(options=options, updated_at=timezone.now())
        if job.file:
            _delete_file(job.file.name)
    job.refresh_from_db()
    return job


def import_job_confirmable(job: Job, report: ImportReport | None = None) -> bool:
    """Whether ``job`` is a dry run that can still be confirmed."""
    if report is None:
        report = import_report(job)
    return (
        job.kind == JobKind.IMPORT_PREVIEW
        and job.status == JobStatus.SUCCEEDED
        and bool(job.file)
        and report is not None
        and (report.ok or report.skip_errors)
        and not job.followers.exists()
    )


def _file_needed(name: str) -> bool:
    """Whether a job may still read the stored file ``name`` (a dry run and the import
    confirmed from it share one)."""
    for job in Job.objects.filter(file=name):
        if job.status in (JobStatus.QUEUED, JobStatus.RUNNING) or import_job_confirmable(job):
            return True
    return False


def _release_file(name: str) -> bool:
    """Delete the stored file ``name`` unless a job may still read it; True if deleted."""
    with transaction.atomic():
        # The jobs of the file, locked: a confirmation waits, then finds the file gone.
        list(Job.objects.select_for_update().filter(file=name).values_list("pk", flat=True))
        if _file_needed(name):
            return False
        _delete_file(name)
    return True


def _delete_file(name: str) -> None:
    """Forget ``name`` on every job, then delete it once that is committed (a failed delete
    leaves an orphan for ``import_files_cleanup``, never a job pointing at nothing)."""
    Job.objects.filter(file=name).update(file="")
    storage = Job._meta.get_field("file").storage

    def delete():
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the uploaded file %s", name, exc_info=True)

    transaction.on_commit(delete)


@dataclass
class CleanupResult:
    """What ``import_files_cleanup`` deleted."""

    files: int = 0
    bytes: int = 0
    expired_previews: int = 0


def import_files_cleanup(*, older_than: timedelta) -> CleanupResult:
    """Delete the uploaded files that no job needs any more, whatever their age; the files of
    dry runs finished more than ``older_than`` ago and never confirmed (they cannot be
    confirmed afterwards); and files of the upload directory that no job refers to (left by a
    process that died between storing a file and recording its job), if older than that too.
    Files of queued and running jobs are kept."""
    result = CleanupResult()
    storage = Job._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    referenced = set()
    kinds = Job.objects.filter(kind__in=IMPORT_KINDS).exclude(file="")
    for job in kinds.order_by("pk"):
        name = job.file.name
        if name in referenced:
            continue
        referenced.add(name)
        expired = (
            job.kind == JobKind.IMPORT_PREVIEW
            and job.finished_at is not None
            and job.finished_at < cutoff
            and import_job_confirmable(job)
        )
        size = _size(storage, name)
        if expired:
            with transaction.atomic():
                job = Job.objects.select_for_update().get(pk=job.pk)
                if job.followers.exists() or not job.file:
                    continue
                _delete_file(name)
            result.expired_previews += 1
        elif not _release_file(name):
            continue
        result.files += 1
        result.bytes += size
    for name in _stored_uploads(storage, UPLOAD_DIR):
        if name in referenced or Job.objects.filter(file=name).exists():
            continue
        try:
            if storage.get_modified_time(name) >= cutoff:
                continue
        except (OSError, NotImplementedError):
            continue
        size = _size(storage, name)
        storage.delete(name)
        result.files += 1
        result.bytes += size
    return result


def _size(storage, name: str) -> int:
    try:
        return storage.size(name)
    except (OSError, NotImplementedError):
        return 0


def _stored_uploads(storage, directory: str):
    """Every file under ``directory`` of the storage, progress files excepted."""
    try:
        directories, files = storage.listdir(directory)
    except (OSError, NotImplementedError):
        return
    for file in files:
        yield f"{directory}/{file}"
    for sub in directories:
        path = f"{directory}/{sub}"
        if path != PROGRESS_DIR:
            yield from _stored_uploads(storage, path)


def import_report(job: Job) -> ImportReport | None:
    """The report a finished import job stored, or None."""
    if not job.result:
        return None
    return ImportReport.from_dict(job.result)
