"""Web pages of the evaluation: the runs (and starting one), a run's dashboard, the suggested
credit terms of a run (and applying them), and the scorecard's weights editor. Every page
declares its permissions; writes call the services."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from kehu.core.errors import ServiceError
from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers.selectors import saved_queries_visible_to
from kehu.evaluation import comparison, selectors, services
from kehu.evaluation.choices import DimensionKey, RfmSegment, RunStatus
from kehu.evaluation.run_jobs import evaluation_job_start, job_run_id, run_jobs
from kehu.evaluation.services.scorecards import version_as_data
from kehu.jobs.choices import JobStatus
from kehu.jobs.services import job_progress

BAR_AREA = 300
LABEL_WIDTH = 120
BAR_HEIGHT = 18
ROW_HEIGHT = 26
TOP_RESULTS = 100
SUGGESTIONS_PAGE = 100
COMPARE_PAGE = 100
MOVERS = 5
JOBS_SHOWN = 10
FAILED_SHOWN = datetime.timedelta(days=7)
VIEW_RUNS = ("evaluation.view_evaluationrun", "evaluation.view_customerevaluation")
APPLY_TERMS = (*VIEW_RUNS, "customers.change_customer", "customers.change_customer_credit")


def _jobs_shown():
    """The runs queued or running in the background, and those that failed in the last days
    (nothing was stored: their page says why)."""
    jobs = run_jobs().exclude(status=JobStatus.SUCCEEDED)
    old = timezone.now() - FAILED_SHOWN
    return jobs.exclude(status=JobStatus.FAILED, created_at__lt=old)[:JOBS_SHOWN]


class RunListView(DeclaredPermissionsMixin, View):
    """The evaluation runs, latest first, the runs queued or running in the background (and
    those that failed), and a form to start one as of a date, of a saved query or everyone."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        if method == "POST":
            return ("evaluation.view_evaluationrun", "evaluation.add_evaluationrun")
        return ("evaluation.view_evaluationrun",)

    def get(self, request, errors=None, as_of="", query=""):
        context = {
            "runs": selectors.runs()[:50],
            "jobs": _jobs_shown(),
            "queries": saved_queries_visible_to(request.user).order_by("name"),
            "errors": errors or {},
            "as_of": as_of,
            "query": query,
        }
        return render(request, "evaluation/run_list.html", context, status=422 if errors else 200)

    def post(self, request):
        text = request.POST.get("as_of", "").strip()
        query_text = request.POST.get("query", "").strip()
        errors = {}
        as_of = None
        if text:
            try:
                as_of = datetime.date.fromisoformat(text)
            except ValueError:
                errors["as_of"] = [_("Enter a date as YYYY-MM-DD.")]
        if query_text and not query_text.isdigit():
            errors["query"] = [_("There is no such saved query.")]
        if errors:
            return self.get(request, errors, as_of=text, query=query_text)
        try:
            job = evaluation_job_start(
                actor=request.user, as_of=as_of, query_id=int(query_text) if query_text else None
            )
        except ValidationError as error:
            return self.get(request, error.message_dict, as_of=text, query=query_text)
        run_id = job_run_id(job)
        if job.status == JobStatus.SUCCEEDED and run_id:
            return redirect("evaluation:run", pk=run_id)  # run at once (no worker configured)
        return redirect("evaluation:job", pk=job.pk)


def _job_status(job) -> dict:
    run_id = job_run_id(job) if job.status == JobStatus.SUCCEEDED else None
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        # the page's script opens it when the job is done (kehu/jobs/static/jobs)
        "open_url": reverse("evaluation:run", args=[run_id]) if run_id else "",
        **job_progress(job),
    }


class RunJobView(DeclaredPermissionsMixin, View):
    """An evaluation run in the background: its state and progress while queued or running
    (the page polls and survives a reload), the run's dashboard once done, the error if it
    failed."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("evaluation.view_evaluationrun",)

    def get(self, request, pk):
        job = get_object_or_404(run_jobs(), pk=pk)
        status = _job_status(job)
        if status["open_url"]:
            return redirect(status["open_url"])
        return render(request, "evaluation/run_job.html", {"job": job, "progress": status})


class RunJobStatusView(DeclaredPermissionsMixin, View):
    """The job's state and progress as JSON, for the page's script to poll."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("evaluation.view_evaluationrun",)

    def get(self, request, pk):
        job = get_object_or_404(run_jobs(), pk=pk)
        return JsonResponse(_job_status(job), json_dumps_params={"ensure_ascii": False})


def _bars(rows: list[tuple[str, int]]) -> list[dict]:
    largest = max((count for _label, count in rows), default=0)
    bars = []
    for index, (label, count) in enumerate(rows):
        width = round(BAR_AREA * count / largest) if largest else 0
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        bars.append(
            {
                "label": label,
                "count": count,
                "y": y,
                "text_y": y + BAR_HEIGHT - 4,
                "width": max(width, 1) if count else 0,
                "count_x": LABEL_WIDTH + width + 6,
            }
        )
    return bars


class RunDashboardView(DeclaredPermissionsMixin, View):
    """One run: grade distribution, dimension averages, ABC and RFM counts, and the customers
    (of the reader's data scope) by total."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return VIEW_RUNS

    def get(self, request, pk):
        run = get_object_or_404(selectors.runs(), pk=pk)
        results = selectors.results_visible_to(request.user, run)
        grades = [band.grade for band in run.version.grades.all()]
        counted = dict(results.order_by().values_list("grade").annotate(n=Count("pk")))
        grade_rows = [(grade, counted.get(grade, 0)) for grade in grades]
        if counted.get(""):
            grade_rows.append((_("no total"), counted[""]))
        averages = results.order_by().aggregate(
            **{key: Avg(key) for key in (*DimensionKey.values, "total")}
        )
        abc = dict(results.order_by().values_list("abc_class").annotate(n=Count("pk")))
        rfm = dict(results.order_by().values_list("rfm_segment").annotate(n=Count("pk")))
        context = {
            "run": run,
            "grade_bars": _bars(grade_rows),
            "chart_height": max(len(grade_rows), 1) * ROW_HEIGHT,
            "chart_width": LABEL_WIDTH + BAR_AREA + 60,
            "label_width": LABEL_WIDTH,
            "bar_height": BAR_HEIGHT,
            "dimensions": [(label, averages[key]) for key, label in DimensionKey.choices],
            "average_total": averages["total"],
            "abc": [(name, abc.get(name, 0)) for name in ("A", "B", "C")],
            "rfm": [(label, rfm.get(key, 0)) for key, label in RfmSegment.choices],
            "results": results.order_by("-total", "customer__code")[:TOP_RESULTS],
            "visible_count": results.count(),
            "previous": None,
        }
        previous = comparison.run_previous(run)
        if previous is not None:
            risers, fallers = comparison.biggest_movers(request.user, run, previous, MOVERS)
            context.update(
                previous=previous,
                movers_tables=[(_("Biggest rises"), risers), (_("Biggest falls"), fallers)],
            )
        return render(request, "evaluation/run_dashboard.html", context)


COMPARE_SHOWN = {
    "all": lambda rows: rows,
    "up": lambda rows: rows.filter(movement=comparison.UP),
    "down": lambda rows: rows.filter(movement=comparison.DOWN),
    "grade": lambda rows: rows.exclude(grade_movement=""),
    "new": lambda rows: rows.filter(movement=comparison.NEW),
}


class RunCompareView(DeclaredPermissionsMixin, View):
    """Two runs side by side: who of the reader's customers moved up or down (change of
    total and of grade), biggest moves first, page by page."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return VIEW_RUNS

    def get(self, request, pk):
        run = get_object_or_404(selectors.runs(), pk=pk)
        choices = selectors.runs().filter(status=RunStatus.SUCCEEDED).exclude(pk=run.pk)[:200]
        errors = []
        text = request.GET.get("with", "").strip()
        earlier = None
        if text:
            earlier = selectors.runs().filter(pk=text).first() if text.isdigit() else None
            if earlier is None or earlier.pk == run.pk or earlier.status != RunStatus.SUCCEEDED:
                errors.append(_("Choose another succeeded run to compare with."))
                earlier = None
        else:
            earlier = comparison.run_previous(run)
        show = request.GET.get("show", "all")
        show = show if show in COMPARE_SHOWN else "all"
        context = {
            "run": run,
            "earlier": earlier,
            "choices": choices,
            "errors": errors,
            "show": show,
            "shows": [
                ("all", _("Everyone")),
                ("up", _("Moved up")),
                ("down", _("Moved down")),
                ("grade", _("Changed grade")),
                ("new", _("New in this run")),
            ],
        }
        if earlier is not None:
            rows = COMPARE_SHOWN[show](comparison.comparison(request.user, run, earlier))
            context["page_obj"] = Paginator(rows, COMPARE_PAGE).get_page(request.GET.get("page"))
            context["page_query"] = urlencode({"with": earlier.pk, "show": show})
            context["summary"] = comparison.comparison_summary(request.user, run, earlier)
        return render(
            request, "evaluation/run_compare.html", context, status=422 if errors else 200
        )


class StrategyView(DeclaredPermissionsMixin, View):
    """The credit terms a run's strategies suggest for the reader's customers, page by page,
    next to their current terms; a credit controller applies them to the chosen customers (or
    all), all or nothing, through ``strategy_apply``."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return APPLY_TERMS if method == "POST" else VIEW_RUNS

    def get(self, request, pk, errors=None, chosen=()):
        run = get_object_or_404(selectors.runs(), pk=pk)
        results = selectors.results_visible_to(request.user, run).exclude(grade="")
        page = Paginator(
            results.order_by("customer__code").values_list("customer__code", flat=True).distinct(),
            SUGGESTIONS_PAGE,
        ).get_page(request.GET.get("page"))
        codes = list(page.object_list)
        suggestions = services.strategy_preview(actor=request.user, run=run, codes=codes)
        context = {
            "run": run,
            "page_obj": page,
            "suggestions": suggestions,
            "errors": errors or [],
            "chosen": set(chosen),
            "may_apply": all(request.user.has_perm(perm) for perm in APPLY_TERMS),
        }
        return render(request, "evaluation/strategy.html", context, status=422 if errors else 200)

    def post(self, request, pk):
        run = get_object_or_404(selectors.runs(), pk=pk)
        every = request.POST.get("all") == "1"
        codes = [c.strip() for c in request.POST.getlist("customers") if c.strip()][:10000]
        if not every and not codes:
            return self.get(request, pk, [_("Choose the customers to apply the terms to.")])
        try:
            outcome = services.strategy_apply(
                actor=request.user, run=run, codes=None if every else codes
            )
        except ValidationError as error:
            return self.get(request, pk, error.messages, codes)
        except ServiceError as error:
            return self.get(request, pk, [str(error)], codes)
        changed = len(outcome["changed"])
        messages.success(
            request,
            ngettext(
                "The suggested credit terms were applied to %(count)d customer.",
                "The suggested credit terms were applied to %(count)d customers.",
                changed,
            )
            % {"count": changed},
        )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("evaluation:strategy", args=[run.pk])
        return redirect(target)


class ScorecardEditView(DeclaredPermissionsMixin, View):
    """The default scorecard's weights: saving writes a new version (weights must add up)."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        if method == "POST":
            return ("evaluation.view_scorecard", "evaluation.change_scorecard")
        return ("evaluation.view_scorecard",)

    def _render(self, request, card, data, errors):
        rows = []
        for d_index, dim in enumerate(data["dimensions"]):
            rows.append(
                {
                    "dimension": dim,
                    "label": DimensionKey(dim["key"]).label,
                    "name": f"dimension-{dim['key']}",
                    "errors": errors.get(f"dimensions.{d_index}.weight", [])
                    + errors.get(f"dimensions.{d_index}.indicators", []),
                    "indicators": [
                        {
                            "indicator": ind,
                            "name": f"indicator-{ind['key']}",
                            "errors": errors.get(f"dimensions.{d_index}.indicators.{i}.weight", []),
                        }
                        for i, ind in enumerate(dim["indicators"])
                    ],
                }
            )
        return render(
            request,
            "evaluation/scorecard_edit.html",
            {
                "card": card,
                "version": services.version_current(card),
                "rows": rows,
                "data": data,
                "saved": request.GET.get("saved", "")[:10],
                "errors": errors.get("dimensions", []),
                "other_errors": [
                    f"{key}: {' '.join(messages_)}"
                    for key, messages_ in errors.items()
                    if key != "dimensions" and not key.startswith("dimensions.")
                ],
            },
        )

    def get(self, request):
        card = services.scorecard_default()
        return self._render(request, card, version_as_data(services.version_current(card)), {})

    def post(self, request):
        card = services.scorecard_default()
        data = version_as_data(services.version_current(card))
        for dim in data["dimensions"]:
            dim["weight"] = request.POST.get(f"dimension-{dim['key']}", "").strip()
            for ind in dim["indicators"]:
                ind["weight"] = request.POST.get(f"indicator-{ind['key']}", "").strip()
        if request.POST.get("insufficient_data") in ("neutral", "renormalise"):
            data["insufficient_data"] = request.POST["insufficient_data"]
        data["note"] = request.POST.get("note", "").strip()[:200]
        try:
            version = services.scorecard_version_create(
                actor=request.user, scorecard=card, data=data
            )
        except ValidationError as error:
            return self._render(request, card, data, error.message_dict)
        return redirect(f"{reverse('evaluation:scorecard')}?saved={version.number}")
