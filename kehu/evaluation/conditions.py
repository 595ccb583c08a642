"""Conditions on customers from the evaluation (SPEC §3, §6), for ``CustomerFilter``:
evaluation grade, ABC class, RFM segment and total score.

They read the results of **one run: the latest succeeded evaluation run** — the one with the
latest as-of date, and of several as of that date the one started last — whatever saved
query or data scope it scored. A customer that run did not score (outside its saved query or
its starter's scope, or created since) meets no evaluation condition.

Every condition on the run's results becomes one ``pk IN (SELECT customer_id …)`` subquery,
with the run chosen by a scalar subquery inside it: the list, the API, the exports and the
statistics filter in the same single statement, however many customers the run scored.
"""

from django.db.models import Q, QuerySet, Subquery

from kehu.evaluation.choices import RunStatus
from kehu.evaluation.models import CustomerEvaluation, EvaluationRun, GradeBand, ScorecardVersion


def latest_runs() -> QuerySet:
    """The succeeded runs, the one whose results the conditions read first."""
    return EvaluationRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-as_of", "-pk")


def evaluated_customers(condition: Q) -> QuerySet:
    """The ids of the customers whose result in the latest succeeded run meets
    ``condition`` (a condition on ``CustomerEvaluation``), as a subquery."""
    run = Subquery(latest_runs().values("pk")[:1])
    return CustomerEvaluation.objects.filter(condition, run_id=run).order_by().values("customer_id")


def grade_names() -> list[str]:
    """The grades a customer of the latest succeeded run can have, best first (those of the
    default scorecard's current version when no run succeeded yet)."""
    run = latest_runs().values_list("version_id", flat=True).first()
    version = (
        run
        if run is not None
        else ScorecardVersion.objects.filter(scorecard__is_default=True)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    bands = GradeBand.objects.filter(version_id=version).order_by("-min_total")
    return list(bands.values_list("grade", flat=True))
