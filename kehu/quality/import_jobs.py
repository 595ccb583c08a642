"""Imports as background jobs (SPEC §8): a dry run first, then, once confirmed, the import.

The web page and the API queue the same jobs; a worker runs ``import_file`` (the one entry
point of the import engine) with the job's file and options, and stores its report on the job.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
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


@task()
def import_job_task(job_id: int) -> None:
    """The task a worker runs: the import (or its dry run) of one job."""
    job_run(job_id, _import_work)


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
        # Locked so that a double click queues one import, not two.
        Job.objects.select_for_update().filter(pk=job.pk).first()
        if job.followers.exists():
            raise ConflictError(_("This import was confirmed already."), code="already_confirmed")
        options = {**job.options, "language": get_language()}
        follower = job_create(actor=actor, kind=JobKind.IMPORT, options=options, source=job)
    return job_enqueue(follower, import_job_task)


def import_report(job: Job) -> ImportReport | None:
    """The report a finished import job stored, or None."""
    if not job.result:
        return None
    return ImportReport.from_dict(job.result)
