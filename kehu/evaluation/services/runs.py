"""Evaluation runs (SPEC §6): score every customer of a scope as of a date, set-based.

The raw values come from a handful of grouped queries (``indicators.facts_computed``); the
scores, dimension scores, totals, grades, ABC classes and RFM segments are computed in Python
over the fetched rows; the results are written with bulk inserts, in chunks. No query runs
per customer.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers.models import Customer, SavedQuery
from kehu.customers.selectors import customers_visible_to
from kehu.evaluation.choices import IndicatorSource, InsufficientData, RunStatus
from kehu.evaluation.indicators import Facts, facts_computed, round_raw
from kehu.evaluation.models import (
    CustomerEvaluation,
    EvaluationRun,
    Indicator,
    IndicatorResult,
    Scorecard,
    ScorecardVersion,
)
from kehu.evaluation.scoring import Weighted, grade_of, rule_points, score_of, weighted_average
from kehu.evaluation.segments import abc_classes, rfm_scores
from kehu.evaluation.services.scorecards import scorecard_default, version_current

CHUNK = 2000
EARLIEST = datetime.date(1900, 1, 1)
DIMENSION_FIELDS = ("activity", "capability", "reputation", "relations")


def run_population(actor, as_of: datetime.date, query: SavedQuery | None) -> QuerySet:
    """The customers a run scores: those the actor may see (everyone for the system), of the
    saved query if one is given, not deactivated on or before ``as_of``."""
    from kehu.customers.filters import ConditionError, filter_with_saved

    customers = Customer.objects.all() if actor is None else customers_visible_to(actor)
    if query is not None:
        try:
            customers = filter_with_saved({}, actor, query).apply(customers)
        except ConditionError as error:
            raise ValidationError({"query": list(error.messages)}) from error
    return customers.filter(Q(deactivated_on__isnull=True) | Q(deactivated_on__gt=as_of))


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}"


class _Scorer:
    """The version's indicators and bands, ready to score many customers."""

    def __init__(self, version: ScorecardVersion):
        self.version = version
        self.neutral = version.insufficient_data == InsufficientData.NEUTRAL
        self.dimensions = list(version.dimensions.all())
        indicators = list(version.indicators.select_related("dimension"))
        self.by_dimension = {
            dim.pk: [i for i in indicators if i.dimension_id == dim.pk] for dim in self.dimensions
        }
        self.points = {i.pk: rule_points(i.rule) for i in indicators}
        self.bands = [(band.grade, band.min_total) for band in version.grades.all()]
        self.left_out = _("insufficient data: left out, the other weights re-normalised")
        self.neutral_text = _("insufficient data: counted as neutral (50)")

    def _indicator(self, indicator: Indicator, facts: Facts) -> tuple[Decimal | None, str]:
        """The raw value and the explanation's first part."""
        if indicator.source == IndicatorSource.MANUAL:
            rating = facts.ratings.get(indicator.key)
            if rating is None:
                return None, _("no rating")
            value, _pk, rated_on = rating
            return Decimal(value), _("rated %(rating)s of 5 on %(date)s") % {
                "rating": value,
                "date": rated_on.isoformat(),
            }
        raw = facts.values.get(indicator.computed_key)
        return raw, indicator.get_computed_key_display()

    def score(self, facts: Facts) -> tuple[dict, list]:
        """Dimension scores, total and grade; and per indicator (indicator, raw, score,
        weight, explanation)."""
        rows, dim_items, values = [], [], {}
        for dim in self.dimensions:
            indicators = self.by_dimension[dim.pk]
            scored = []
            for indicator in indicators:
                raw, text = self._indicator(indicator, facts)
                score = None if raw is None else score_of(raw, self.points[indicator.pk])
                scored.append((indicator, raw, score, text))
            value, shares = weighted_average(
                [Weighted(score, ind.weight) for ind, _raw, score, _t in scored],
                neutral=self.neutral,
            )
            for (indicator, raw, score, text), share in zip(scored, shares, strict=True):
                if score is None:
                    explanation = f"{text} — {self.neutral_text if self.neutral else self.left_out}"
                elif indicator.source == IndicatorSource.MANUAL:
                    explanation = f"{text} → {_fmt(score)}"
                else:
                    explanation = f"{text}: {_fmt(raw)} → {_fmt(score)}"
                rows.append((indicator, raw, score, share, explanation[:300]))
            values[dim.key] = value
            dim_items.append(Weighted(value, dim.weight))
        total, _shares = weighted_average(dim_items, neutral=self.neutral)
        values["total"] = total
        values["grade"] = grade_of(total, self.bands)
        return values, rows


def evaluation_run(
    *,
    actor,
    as_of: datetime.date | None = None,
    query: SavedQuery | None = None,
    scorecard: Scorecard | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationRun:
    """Score every customer of the actor's scope (or of ``query``) as of ``as_of`` (today by
    default) with the current version of ``scorecard`` (the default one); store and return the
    run. ``progress(done, total)`` is called after each chunk of customers."""
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("An evaluation cannot be as of a future date.")})
    if as_of < EARLIEST:
        # The indicators look two years back; the calendar has no year 0.
        raise ValidationError(
            {
                "as_of": _("An evaluation cannot be as of a date before %(date)s.")
                % {"date": EARLIEST}
            }
        )
    scorecard = scorecard or scorecard_default()
    version = version_current(scorecard)
    customers = run_population(actor, as_of, query)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            as_of=as_of,
            version=version,
            query=query,
            query_name=query.name if query else "",
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        facts = facts_computed(customers, as_of)
        _results_write(run, _Scorer(version), facts, progress)
        run.status = RunStatus.SUCCEEDED
        run.customer_count = len(facts)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "customer_count", "finished_at", "updated_at"])
    return run


def _results_write(run: EvaluationRun, scorer: _Scorer, facts: dict, progress) -> None:
    sales = {pk: f.sales_12m for pk, f in facts.items()}
    abc = abc_classes(sales)
    rfm = rfm_scores(
        {pk: f.values.get("recency_days") for pk, f in facts.items()},
        {pk: f.invoices_12m for pk, f in facts.items()},
        sales,
    )
    ids = list(facts)
    for start in range(0, len(ids), CHUNK):
        evaluations, indicator_rows = [], []
        for pk in ids[start : start + CHUNK]:
            values, rows = scorer.score(facts[pk])
            r, f, m, segment = rfm[pk]
            evaluations.append(
                CustomerEvaluation(
                    run=run,
                    customer_id=pk,
                    sales_12m=round_raw(sales[pk]),
                    abc_class=abc[pk],
                    rfm_r=r,
                    rfm_f=f,
                    rfm_m=m,
                    rfm_segment=segment,
                    **values,
                )
            )
            indicator_rows.append(rows)
        CustomerEvaluation.objects.bulk_create(evaluations, batch_size=500)
        IndicatorResult.objects.bulk_create(
            (
                IndicatorResult(
                    evaluation=evaluation,
                    indicator=indicator,
                    raw_value=raw,
                    score=score,
                    weight=share,
                    explanation=explanation,
                )
                for evaluation, rows in zip(evaluations, indicator_rows, strict=True)
                for indicator, raw, score, share, explanation in rows
            ),
            batch_size=1000,
        )
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
