"""The import pages (SPEC §8): upload, a dry run in the background, its preview, the import.

Each page reads the job record only, so it shows the same thing after a reload, from any app
process, while a worker elsewhere runs the job.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from kehu.core.errors import ServiceError
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers.exports import csv_chunks, neutralise
from kehu.jobs.choices import JobKind
from kehu.jobs.selectors import jobs_visible_to
from kehu.jobs.services import job_progress
from kehu.quality.forms import ImportUploadForm
from kehu.quality.import_jobs import (
    IMPORT_KINDS,
    IMPORT_PERMISSIONS,
    import_job_confirm,
    import_job_confirmable,
    import_job_discard,
    import_job_start,
    import_report,
)
from kehu.quality.importing.template import import_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PAGE_SIZE = 20
# Rows of errors and changes shown on the page; every error is in the CSV download.
SHOWN_ROWS = 200


class ImportPermissions(DeclaredPermissionsMixin):
    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return IMPORT_PERMISSIONS


def _job_of(request, pk):
    """The import job ``pk`` if the user may see it (their own; any, for an administrator)."""
    return get_object_or_404(jobs_visible_to(request.user, kinds=IMPORT_KINDS), pk=pk)


class ImportJobListView(ImportPermissions, TemplateView):
    """The user's recent imports (everyone's, for an administrator)."""

    template_name = "quality/import_list.html"

    def get_context_data(self, **kwargs):
        jobs = jobs_visible_to(self.request.user, kinds=IMPORT_KINDS)
        page = Paginator(jobs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return {**super().get_context_data(**kwargs), "page_obj": page}


class ImportJobCreateView(ImportPermissions, FormView):
    """Upload a file: its dry run is queued and the job page follows it."""

    template_name = "quality/import_new.html"
    form_class = ImportUploadForm

    def form_valid(self, form):
        try:
            job = import_job_start(
                actor=self.request.user,
                upload=form.cleaned_data["file"],
                dry_run=True,
                skip_errors=form.cleaned_data["skip_errors"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return redirect("quality:import_job", pk=job.pk)


def _status(job) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        **job_progress(job),
    }


class ImportJobView(ImportPermissions, TemplateView):
    """A job: its progress while it runs; then the preview (or the result) of the import."""

    template_name = "quality/import_job.html"

    def get_context_data(self, **kwargs):
        job = _job_of(self.request, self.kwargs["pk"])
        report = import_report(job)
        context = {
            **super().get_context_data(**kwargs),
            "job": job,
            "progress": job_progress(job),
            "report": report,
            "is_preview": job.kind == JobKind.IMPORT_PREVIEW,
            "confirmed_as": job.followers.order_by("pk").first(),
            "shown_rows": SHOWN_ROWS,
        }
        if report is not None:
            context.update(
                sheets=sorted(report.sheets.items()),
                errors=report.errors[:SHOWN_ROWS],
                changes=[c for c in report.changes if c.action != "unchanged"][:SHOWN_ROWS],
                can_confirm=import_job_confirmable(job, report),
            )
        context["discarded"] = context["is_preview"] and "discarded_by" in job.options
        # A dry run that could have been confirmed, whose file was deleted since (too old).
        context["file_gone"] = (
            context["is_preview"]
            and report is not None
            and not job.file
            and context["confirmed_as"] is None
            and (report.ok or report.skip_errors)
        )
        return context


class ImportJobStatusView(ImportPermissions, View):
    """The job's status and progress as JSON, for the page's script to poll."""

    def get(self, request, pk):
        job = _job_of(request, pk)
        data = _status(job)
        data["url"] = reverse("quality:import_job", kwargs={"pk": job.pk})
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


class ImportJobErrorsView(ImportPermissions, View):
    """Every error of the job's report as a CSV file (sheet, line, column, reason)."""

    def get(self, request, pk):
        job = _job_of(request, pk)
        report = import_report(job)
        header = [_("Sheet"), _("Line"), _("Column"), _("Reason"), _("Code"), _("Key")]
        rows = [header]
        for error in report.errors if report else []:
            rows.append(
                [
                    neutralise(error.sheet),
                    error.line,
                    neutralise(error.column),
                    neutralise(error.message),
                    error.code,
                    neutralise(error.key),
                ]
            )
        response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response


class ImportTemplateView(DeclaredPermissionsMixin, View):
    """The import template workbook, headers in Chinese (``?lang=zh``) or English (``en``)."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.add_customer",)  # as GET /api/v1/imports/template

    def get(self, request):
        language = "en" if request.GET.get("lang") == "en" else "zh"
        response = HttpResponse(import_template(language), content_type=XLSX)
        name = "导入模板.xlsx" if language == "zh" else "import-template.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


class ImportJobConfirmView(ImportPermissions, View):
    """POST: queue the import that the dry run previewed."""

    def post(self, request, pk):
        job = _job_of(request, pk)
        try:
            follower = import_job_confirm(actor=request.user, job=job)
        except ServiceError as exc:
            messages.error(request, str(exc))
            return redirect("quality:import_job", pk=job.pk)
        return redirect("quality:import_job", pk=follower.pk)


class ImportJobDiscardView(ImportPermissions, View):
    """POST: give up a dry run without importing it; its uploaded file is deleted."""

    def post(self, request, pk):
        job = _job_of(request, pk)
        try:
            import_job_discard(actor=request.user, job=job)
        except ServiceError as exc:
            messages.error(request, str(exc))
            return redirect("quality:import_job", pk=job.pk)
        messages.success(
            request,
            _("The dry run of %(name)s was discarded and the file deleted.")
            % {"name": job.file_name},
        )
        return redirect("quality:imports")
