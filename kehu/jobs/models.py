"""The record of a background job: what the UI and the API show while a worker runs it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel
from kehu.jobs.choices import JobKind, JobStatus


class Job(TimeStampedModel):
    """One piece of long work, queued by a user and run by a worker process.

    Everything a page needs is stored here (status, progress, result, error), so any app
    process can answer for any job, whichever worker runs it. ``worker`` and ``heartbeat_at``
    tell a job whose worker died from one still running (see ``jobs_recover_interrupted``).
    """

    kind = models.CharField(_("kind"), max_length=30, choices=JobKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("queued by"),
    )
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    # The job this one continues: the dry run that an import was confirmed from.
    source = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("confirmed from"),
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=30, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["status"], name="jobs_job_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
