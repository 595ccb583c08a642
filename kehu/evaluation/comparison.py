"""Comparing two evaluation runs (SPEC §6: "comparable — who moved up or down").

Set-based: one query joins the later run's results (of the reader's data scope) to the earlier
run's results of the same customers (a LEFT JOIN, so customers new in the later run are kept),
and computes each customer's change of total in SQL; the counts of movers are one grouped
query more. A customer in the earlier run only (deactivated, or outside a query since) is
counted, not listed.
"""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Abs

from kehu.evaluation import selectors
from kehu.evaluation.choices import RunStatus
from kehu.evaluation.models import EvaluationRun

UP, DOWN, SAME, NEW = "up", "down", "same", "new"
SCORE_DELTA = {"max_digits": 6, "decimal_places": 2}  # −100.00 … 100.00


def run_previous(run: EvaluationRun) -> EvaluationRun | None:
    """The succeeded run just before ``run`` (by date, then by number)."""
    return (
        selectors.runs()
        .filter(status=RunStatus.SUCCEEDED)
        .filter(Q(as_of__lt=run.as_of) | Q(as_of=run.as_of, pk__lt=run.pk))
        .order_by("-as_of", "-pk")
        .first()
    )


def _grade_ranks(run: EvaluationRun) -> dict[str, int]:
    """The later run's grades, best first: a change to a better grade is a move up."""
    return {band.grade: rank for rank, band in enumerate(run.version.grades.all())}


def comparison(user, run: EvaluationRun, earlier: EvaluationRun) -> QuerySet:
    """``run``'s results of the customers ``user`` sees, each with ``before_total``,
    ``before_grade``, ``delta`` (None when either total is missing), ``movement`` (up, down,
    same or new) and ``grade_movement`` (up or down to a better or worse grade of the later
    run's bands, else empty), biggest moves first."""
    ranks = _grade_ranks(run)
    grade_rank = Case(
        *(When(grade=grade, then=Value(rank)) for grade, rank in ranks.items()),
        default=Value(None),
        output_field=IntegerField(),
    )
    before_rank = Case(
        *(When(before__grade=grade, then=Value(rank)) for grade, rank in ranks.items()),
        default=Value(None),
        output_field=IntegerField(),
    )
    return (
        selectors.results_visible_to(user, run)
        .annotate(
            before=FilteredRelation(
                "customer__evaluations", condition=Q(customer__evaluations__run=earlier)
            )
        )
        .annotate(
            before_id=F("before__pk"),
            before_total=F("before__total"),
            before_grade=F("before__grade"),
            delta=ExpressionWrapper(
                F("total") - F("before__total"), output_field=DecimalField(**SCORE_DELTA)
            ),
            grade_rank=grade_rank,
            before_rank=before_rank,
        )
        .annotate(
            movement=Case(
                When(before_id__isnull=True, then=Value(NEW)),
                When(delta__gt=0, then=Value(UP)),
                When(delta__lt=0, then=Value(DOWN)),
                default=Value(SAME),
            ),
            grade_movement=Case(
                When(grade_rank__lt=F("before_rank"), then=Value(UP)),
                When(grade_rank__gt=F("before_rank"), then=Value(DOWN)),
                default=Value(""),
            ),
            size=Abs("delta"),
        )
        .order_by(F("size").desc(nulls_last=True), "customer__code", "pk")
    )


@dataclass(frozen=True)
class Summary:
    up: int
    down: int
    same: int
    new: int
    grade_up: int
    grade_down: int
    gone: int  # in the earlier run only


def comparison_summary(user, run: EvaluationRun, earlier: EvaluationRun) -> Summary:
    """How many of the reader's customers moved up, down, stayed, are new; how many changed
    to a better or worse grade; how many were in the earlier run only."""
    rows = comparison(user, run, earlier).order_by()
    counts = rows.aggregate(
        up=Count("pk", filter=Q(movement=UP)),
        down=Count("pk", filter=Q(movement=DOWN)),
        same=Count("pk", filter=Q(movement=SAME)),
        new=Count("pk", filter=Q(movement=NEW)),
        grade_up=Count("pk", filter=Q(grade_movement=UP)),
        grade_down=Count("pk", filter=Q(grade_movement=DOWN)),
    )
    gone = (
        selectors.results_visible_to(user, earlier)
        .exclude(customer__in=rows.values("customer"))
        .count()
    )
    return Summary(gone=gone, **counts)


def biggest_movers(user, run: EvaluationRun, earlier: EvaluationRun, count: int = 5):
    """The ``count`` customers whose total rose most and the ``count`` whose total fell most."""
    rows = comparison(user, run, earlier)
    return (
        list(rows.filter(delta__gt=0).order_by("-delta", "customer__code")[:count]),
        list(rows.filter(delta__lt=0).order_by("delta", "customer__code")[:count]),
    )
