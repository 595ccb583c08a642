"""Reads of the evaluation. Results and ratings are customer data: the reader's data scope
applies (SPEC §9); scorecards and runs describe no customer and are read whole."""

from django.db.models import QuerySet

from kehu.customers.selectors import customers_visible_to
from kehu.evaluation.choices import RunStatus
from kehu.evaluation.models import (
    CustomerEvaluation,
    EvaluationRun,
    Indicator,
    ManualRating,
    Scorecard,
)
from kehu.evaluation.results import IndicatorResultRow, result_rows, version_neutral


def scorecards() -> QuerySet:
    return Scorecard.objects.all()


def runs() -> QuerySet:
    return EvaluationRun.objects.select_related("version__scorecard", "started_by")


def results_visible_to(user, run: EvaluationRun) -> QuerySet:
    """The run's results of the customers ``user`` may see."""
    return (
        CustomerEvaluation.objects.filter(
            run=run, customer__in=customers_visible_to(user).values("pk")
        )
        .select_related("customer")
        .order_by("customer__code", "pk")
    )


def indicator_results(evaluation: CustomerEvaluation) -> list[IndicatorResultRow]:
    """Every indicator of ``evaluation`` (raw value, score, effective weight, explanation) in
    the scorecard's order, its indicator and dimension read from the run's version in one
    query. (``evaluation`` was read through the reader's data scope.)"""
    indicators = list(
        Indicator.objects.filter(version__runs=evaluation.run_id).select_related(
            "dimension", "version"
        )
    )
    neutral = bool(indicators) and version_neutral(indicators[0].version)
    return result_rows(evaluation.indicators, {i.pk: i for i in indicators}, neutral)


def ratings_visible_to(user) -> QuerySet:
    return ManualRating.objects.filter(
        customer__in=customers_visible_to(user).values("pk")
    ).select_related("customer", "rated_by")


def customer_history(user, customer) -> QuerySet:
    """``customer``'s results in the succeeded runs, latest run first (nothing when the
    customer is outside ``user``'s data scope)."""
    return (
        CustomerEvaluation.objects.filter(
            customer=customer,
            customer__in=customers_visible_to(user).values("pk"),
            run__status=RunStatus.SUCCEEDED,
        )
        .select_related("run__version__scorecard")
        .order_by("-run__as_of", "-run__pk", "-pk")
    )
