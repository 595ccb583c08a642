"""Imports over the API (SPEC §8, §10): queue a file's dry run or import, follow it, confirm it."""

from datetime import datetime

from django.urls import reverse
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors
from kehu.core.api.lookup import get_or_404
from kehu.jobs.choices import JobKind
from kehu.jobs.models import Job
from kehu.jobs.selectors import jobs_visible_to
from kehu.jobs.services import job_progress
from kehu.quality.import_jobs import (
    IMPORT_KINDS,
    IMPORT_PERMISSIONS,
    import_job_confirm,
    import_job_discard,
    import_job_start,
    import_report,
)
from kehu.quality.schemas import ImportReportOut, import_report_out

router = Router(tags=["imports"])


class ProgressOut(Schema):
    done: int
    total: int = Field(description="0 while the total is not known yet.")
    percent: int
    stage: str


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description="import_preview (a dry run) or import.")
    status: str = Field(description="queued, running, succeeded or failed.")
    file_name: str
    skip_errors: bool
    progress: ProgressOut
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error_code: str = Field(
        description="interrupted (the worker died: nothing was written) or failed."
    )
    error: str
    source_id: int | None = Field(description="The dry run this import was confirmed from.")
    file_kept: bool = Field(
        description=(
            "Whether the uploaded file is still stored: while a job may read it (queued, "
            "running, or a dry run that can be confirmed); it is deleted afterwards."
        )
    )
    status_url: str
    confirm_url: str | None = Field(description="For a dry run: where to confirm the import.")
    report: ImportReportOut | None = Field(
        description="Once the job has succeeded: the report POST /api/v1/imports answers."
    )


def job_out(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "file_name": job.file_name,
        "skip_errors": bool(job.options.get("skip_errors")),
        "progress": job_progress(job),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error_code": job.error_code,
        "error": job.error,
        "source_id": job.source_id,
        "file_kept": bool(job.file),
        "status_url": reverse("api-v1:import_job", kwargs={"job_id": job.pk}),
        "confirm_url": (
            reverse("api-v1:import_job_confirm", kwargs={"job_id": job.pk})
            if job.kind == JobKind.IMPORT_PREVIEW
            else None
        ),
        "report": import_report_out(report) if (report := import_report(job)) else None,
    }


def _job(request, job_id: int) -> Job:
    return get_or_404(jobs_visible_to(request.user, kinds=IMPORT_KINDS), pk=job_id)


@router.post(
    "",
    response=with_errors({202: ImportJobOut}),
    auth=requires(*IMPORT_PERMISSIONS),
    summary="Queue the import of a file (a dry run by default)",
    description=(
        "Send an XLSX workbook or a CSV file as multipart `file`. A worker runs the job: poll "
        "`status_url` until `status` is succeeded or failed. A dry run (`dry_run`, the default) "
        "writes nothing and reports what would change; confirm it to import. All or nothing "
        "unless `skip_errors`."
    ),
)
def import_job_create(
    request,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    skip_errors: Form[bool] = False,
):
    job = import_job_start(
        actor=request.user, upload=file, dry_run=dry_run, skip_errors=skip_errors
    )
    return Status(202, job_out(job))


@router.get(
    "/{job_id}",
    response=with_errors({200: ImportJobOut}),
    auth=requires(*IMPORT_PERMISSIONS),
    url_name="import_job",
    summary="An import job: status, progress, and its report when done",
)
def import_job_detail(request, job_id: int):
    return job_out(_job(request, job_id))


@router.post(
    "/{job_id}/confirm",
    response=with_errors({202: ImportJobOut}),
    auth=requires(*IMPORT_PERMISSIONS),
    url_name="import_job_confirm",
    summary="Import what a succeeded dry run previewed (same file and options)",
    description=(
        "Queues the import and answers with its job. 409 when the dry run is not done, found "
        "errors in an all-or-nothing import, or was confirmed already."
    ),
)
def import_job_confirm_api(request, job_id: int):
    follower = import_job_confirm(actor=request.user, job=_job(request, job_id))
    return Status(202, job_out(follower))


@router.post(
    "/{job_id}/discard",
    response=with_errors({200: ImportJobOut}),
    auth=requires(*IMPORT_PERMISSIONS),
    url_name="import_job_discard",
    summary="Give up a finished dry run without importing: its file is deleted",
    description=(
        "409 for an import (not a dry run), a dry run still queued or running, or one already "
        "confirmed. A dry run never confirmed nor discarded keeps its file until `kehu "
        "cleanup-imports` deletes it."
    ),
)
def import_job_discard_api(request, job_id: int):
    return job_out(import_job_discard(actor=request.user, job=_job(request, job_id)))
