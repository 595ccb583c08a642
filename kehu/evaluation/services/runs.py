"""Evaluation runs (SPEC §6): score every customer of a scope as of a date, set-based.

The raw values come from a handful of grouped queries (``indicators.facts_computed``); the
scores, dimension scores, totals, grades, ABC classes and RFM segments are computed in Python
over the fetched rows (once per distinct value: ``_Scorer``); the results are written with
bulk inserts (``executemany`` / ``COPY``), in chunks, one row per customer (its indicators in
one JSON column, kept as text: decisions 0010 and 0011), each row scored as it is copied. No
query runs per customer. Python's cyclic garbage collector is off meanwhile
(``kehu.core.collection.collections_paused``): the run's many small objects have no cycles
to find.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.bulk import large_aggregation_settings, rows_insert
from kehu.core.collection import collections_paused
from kehu.customers.models import Customer, SavedQuery
from kehu.customers.selectors import customers_visible_to
from kehu.evaluation.choices import IndicatorSource, InsufficientData, RunStatus
from kehu.evaluation.indicators import Facts, facts_computed, round_raw
from kehu.evaluation.models import (
    CustomerEvaluation,
    EvaluationRun,
    Indicator,
    Scorecard,
    ScorecardVersion,
)
from kehu.evaluation.results import entry_head, entry_tail, number_text
from kehu.evaluation.scoring import (
    NEUTRAL,
    ZERO,
    Weighted,
    grade_of,
    rule_points,
    score_of,
    weighted_average,
)
from kehu.evaluation.segments import abc_classes, rfm_scores
from kehu.evaluation.services.scorecards import scorecard_default, version_current

CHUNK = 5000
SCORED_TOGETHER = 500  # customers scored together (``_Scorer.scores``)
NEUTRAL_HUNDREDTHS = int(NEUTRAL * 100)
# a customer's result: its figures (also the API's), and the columns its row is written with
RESULT_FIGURES = (
    "activity",
    "capability",
    "reputation",
    "relations",
    "total",
    "grade",
    "sales_12m",
    "abc_class",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
)
RESULT_COLUMNS = ["run_id", "customer_id", *RESULT_FIGURES, "indicators"]
EARLIEST = datetime.date(1900, 1, 1)
DIMENSION_FIELDS = ("activity", "capability", "reputation", "relations")


def run_date_problem(as_of: datetime.date) -> str | None:
    """Why a run cannot be as of ``as_of``, or None: not in the future, and not before
    ``EARLIEST`` (the indicators look two years back; the calendar has no year 0)."""
    if as_of > timezone.localdate():
        return _("An evaluation cannot be as of a future date.")
    if as_of < EARLIEST:
        return _("An evaluation cannot be as of a date before %(date)s.") % {"date": EARLIEST}
    return None


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
    """The version's indicators and bands, ready to score many customers.

    Many customers share raw values (a count of days, 100 % paid on time, no data): each
    indicator's score and the JSON text of its entry (``kehu.evaluation.results``) are made
    once per distinct raw value, a dimension's effective weights once per pattern of missing
    data, its score once per distinct tuple of its indicators' scores, each total and grade
    once per distinct tuple of dimension scores (memos of this run). What is left per
    customer is a few dictionary look-ups and the joining of its entries' texts, made for a
    few hundred customers at a time, an indicator or a dimension at a time (``scores``).
    """

    def __init__(self, version: ScorecardVersion):
        self.version = version
        self.neutral = version.insufficient_data == InsufficientData.NEUTRAL
        self.dimensions = list(version.dimensions.all())
        indicators = list(version.indicators.select_related("dimension"))
        by_dimension = {
            dim.pk: [i for i in indicators if i.dimension_id == dim.pk] for dim in self.dimensions
        }
        self.points = {i.pk: rule_points(i.rule) for i in indicators}
        self.bands = [(band.grade, band.min_total) for band in version.grades.all()]
        self.left_out = _("insufficient data: left out, the other weights re-normalised")
        self.neutral_text = _("insufficient data: counted as neutral (50)")
        self.no_rating = _("no rating")
        self.rated = _("rated %(rating)s of 5 on %(date)s")
        self.titles = {i.pk: i.get_computed_key_display() for i in indicators if i.computed_key}
        # each title as the start of an entry's JSON tail (``entry_tail`` without the end)
        self.title_texts = {pk: entry_tail(title)[:-2] for pk, title in self.titles.items()}
        # per dimension: its indicators (manual?, the key of the value, the memo of the
        # indicator's values, the indicator), their weights, the memo of the effective
        # weights by which indicators lack data, and the memo of the dimension's score and
        # effective weights by its indicators' scores
        self.plan = [
            (
                [
                    (
                        i.source == IndicatorSource.MANUAL,
                        i.key if i.source == IndicatorSource.MANUAL else i.computed_key,
                        {},
                        i,
                    )
                    for i in by_dimension[dim.pk]
                ],
                [i.weight for i in by_dimension[dim.pk]],
                {},
                {},
            )
            for dim in self.dimensions
        ]
        self.dimension_weights = [dim.weight for dim in self.dimensions]
        self.dimension_keys = [dim.key for dim in self.dimensions]
        self._total_memo: dict[tuple, tuple] = {}
        self._total_patterns: dict[tuple, tuple] = {}
        self._decimals: dict[int, Decimal] = {}

    def _decimal(self, hundredths: int | None) -> Decimal | None:
        """A score in hundredths as the decimal it stands for (made once per value)."""
        if hundredths is None:
            return None
        value = self._decimals.get(hundredths)
        if value is None:
            value = self._decimals[hundredths] = Decimal(hundredths).scaleb(-2)
        return value

    def _scored(self, indicator: Indicator, key) -> tuple:
        """(score in hundredths, the JSON text of the entry before its weight, and after it)
        of an indicator's raw value, or of a manual indicator's (rating, rated on)."""
        pk = indicator.pk
        if key is not None and indicator.source != IndicatorSource.MANUAL:
            # the common case, many times a run: "title: raw → score" after the title's JSON
            # text made once (numbers need no escaping)
            score = score_of(key, self.points[pk])
            return (
                int(score * 100),
                f"[{pk},{key:f},{score:f},",
                f'{self.title_texts[pk]}: {key:f} → {score:f}"]',
            )
        manual = indicator.source == IndicatorSource.MANUAL
        if key is None:
            raw, text = None, self.no_rating if manual else self.titles[pk]
        else:
            raw = Decimal(key[0])
            text = self.rated % {"rating": key[0], "date": key[1].isoformat()}
        score = None if raw is None else score_of(raw, self.points[pk])
        if score is None:
            explanation = f"{text} — {self.neutral_text if self.neutral else self.left_out}"
        else:
            explanation = f"{text} → {_fmt(score)}"
        hundredths = None if score is None else int(score * 100)
        return hundredths, entry_head(pk, raw, score), entry_tail(explanation)

    def _pattern(self, weights: list, patterns: dict, missing: tuple) -> tuple:
        """By which scores are missing (``patterns``, a memo): the counted weight and the
        weights, in hundredths, and the effective weights as JSON text (``weighted_average``'s
        shares)."""
        known = patterns.get(missing)
        if known is None:
            _value, shares = weighted_average(
                [
                    Weighted(None if gap else ZERO, w)
                    for gap, w in zip(missing, weights, strict=True)
                ],
                neutral=self.neutral,
            )
            counted = sum(
                (w for gap, w in zip(missing, weights, strict=True) if self.neutral or not gap),
                ZERO,
            )
            known = patterns[missing] = (
                int(counted * 100),
                [int(w * 100) for w in weights],
                [number_text(share) for share in shares],
            )
        return known

    def _average(self, weights: list, patterns: dict, scores) -> tuple:
        """``weighted_average`` of ``scores`` (in hundredths; None: insufficient data) with
        ``weights``, in hundredths (None when nothing counts), and the effective weights as
        JSON text. Whole numbers, rounded half up once: scores and weights have two decimals,
        so the quotient is exact where the decimals' was exact to 28 digits."""
        counted, hundredths, shares = self._pattern(
            weights, patterns, tuple([score is None for score in scores])
        )
        if counted == 0:
            return None, shares
        if self.neutral:
            weighted = sum(
                [
                    (NEUTRAL_HUNDREDTHS if score is None else score) * w
                    for score, w in zip(scores, hundredths, strict=True)
                ]
            )
        else:
            weighted = sum(
                [
                    score * w
                    for score, w in zip(scores, hundredths, strict=True)
                    if score is not None
                ]
            )
        value, rest = divmod(weighted, counted)
        return (value + 1 if 2 * rest >= counted else value), shares

    def _column(self, manual: bool, name: str, memo: dict, indicator, facts: list) -> list:
        """The scored entries (``_scored``) of one indicator for each of ``facts``."""
        if manual:
            keys = [
                None
                if (rating := f.ratings.get(name) if f.ratings else None) is None
                # (rating, rated on)
                else (rating[0], rating[2])
                for f in facts
            ]
        else:
            keys = [f.values.get(name) for f in facts]
        get = memo.get
        column = [get(key) for key in keys]
        if None in column:
            for index, found in enumerate(column):
                if found is None:
                    key = keys[index]
                    found = get(key)
                    if found is None:
                        found = memo[key] = self._scored(indicator, key)
                    column[index] = found
        return column

    def scores(self, facts: list[Facts]) -> list[tuple]:
        """For each of ``facts``: its dimension scores (in the version's order), total, grade
        and the JSON text of its indicator results (``kehu.evaluation.results``). Indicator by
        indicator and dimension by dimension over all of them (a list comprehension each)
        rather than customer by customer: the same numbers, with less Python per customer."""
        entries, dimension_values, dimension_decimals = [], [], []
        for items, weights, patterns, averages in self.plan:
            columns = [self._column(*item, facts) for item in items]
            # each customer's scores in this dimension (a dimension has indicators)
            keys = list(zip(*[[found[0] for found in column] for column in columns], strict=True))
            get = averages.get
            found_averages = [get(key) for key in keys]
            for index, average in enumerate(found_averages):
                if average is None:
                    key = keys[index]
                    average = get(key)
                    if average is None:
                        value, shares = self._average(weights, patterns, key)
                        average = averages[key] = (value, self._decimal(value), shares)
                    found_averages[index] = average
            dimension_values.append([average[0] for average in found_averages])
            dimension_decimals.append([average[1] for average in found_averages])
            for position, column in enumerate(columns):
                entries.append(
                    [
                        head + average[2][position] + tail
                        for (_score, head, tail), average in zip(
                            column, found_averages, strict=True
                        )
                    ]
                )
        totals = []
        memo = self._total_memo
        for key in zip(*dimension_values, strict=True):
            total = memo.get(key)
            if total is None:
                value, _shares = self._average(self.dimension_weights, self._total_patterns, key)
                value = self._decimal(value)
                total = memo[key] = (value, grade_of(value, self.bands))
            totals.append(total)
        return [
            (dimensions, total, grade, "[" + ",".join(texts) + "]")
            for dimensions, (total, grade), texts in zip(
                zip(*dimension_decimals, strict=True),
                totals,
                zip(*entries, strict=True),
                strict=True,
            )
        ]


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
    problem = run_date_problem(as_of)
    if problem:
        raise ValidationError({"as_of": problem})
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
        large_aggregation_settings()
        if connection.vendor == "postgresql":
            _commit_without_waiting()
        with collections_paused():
            facts = facts_computed(customers, as_of)
            _results_write(run, _Scorer(version), facts, progress)
        run.status = RunStatus.SUCCEEDED
        run.customer_count = len(facts)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "customer_count", "finished_at", "updated_at"])
    return run


def _commit_without_waiting() -> None:
    """PostgreSQL, for this transaction only: the commit does not wait for the write-ahead
    log to reach the disk (a crash right after it can lose the run, never corrupt anything:
    a run is made again by running it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _results_write(run: EvaluationRun, scorer: _Scorer, facts: dict, progress) -> None:
    """Every customer's result with its indicators (one JSON column), in bulk
    (``rows_insert``: one ``executemany`` / ``COPY`` per chunk of customers). The rows are
    made as they are written: on PostgreSQL the server reads a chunk's ``COPY`` data while
    the next rows are scored."""
    sales = {pk: f.sales_12m for pk, f in facts.items()}
    abc = abc_classes(sales)
    rfm = rfm_scores(
        {pk: f.values.get("recency_days") for pk, f in facts.items()},
        {pk: f.invoices_12m for pk, f in facts.items()},
        sales,
    )
    run_id = run.pk
    # the dimensions' columns in the version's order
    order = [scorer.dimension_keys.index(name) for name in DIMENSION_FIELDS]

    def rows(chunk):
        # scored a few hundred customers at a time, so that the COPY keeps receiving rows
        for start in range(0, len(chunk), SCORED_TOGETHER):
            part = chunk[start : start + SCORED_TOGETHER]
            scored = scorer.scores([fact for _pk, fact in part])
            for (pk, fact), (dimensions, total, grade, indicators) in zip(
                part, scored, strict=True
            ):
                yield (
                    run_id,
                    pk,
                    *[dimensions[index] for index in order],
                    total,
                    grade,
                    round_raw(fact.sales_12m),
                    abc[pk],
                    *rfm[pk],
                    indicators,
                )

    items, total = list(facts.items()), len(facts)
    for start in range(0, total, CHUNK):
        rows_insert(CustomerEvaluation, RESULT_COLUMNS, rows(items[start : start + CHUNK]))
        if progress is not None:
            progress(min(start + CHUNK, total), total)
