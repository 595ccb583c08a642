"""Evaluation runs (SPEC §6): score every customer of a scope as of a date, set-based.

The raw values come from a handful of grouped queries (``indicators.facts_computed``), as
columns (``indicators.Computed``: per computed key the customers' raw values, and their floats);
the scores, dimension scores, totals and grades are computed for every customer at once over
numpy arrays (``_Scorer``, with ``kehu.evaluation.scoring_arrays``: the numbers of
``kehu.evaluation.scoring``, exactly; decision 0012), a column per indicator, each told apart
into its distinct raw values by their floats; so are the ABC classes and RFM segments
(``kehu.evaluation.segments``, over the sales and recency columns). The results are written
with bulk inserts (``executemany`` / ``COPY``), in chunks, one row per customer zipped from
those columns (its indicators in one JSON column, kept as text: decisions 0010 and 0011), each
row's JSON text joined as it is copied; nothing is looked up per customer. No query runs per
customer. Python's cyclic garbage collector is off meanwhile
(``kehu.core.collection.collections_paused``): the run's many small objects have no cycles
to find."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat

import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.bulk import large_aggregation_settings, rows_insert
from kehu.core.collection import collections_paused
from kehu.customers.models import Customer, SavedQuery
from kehu.customers.selectors import customers_visible_to
from kehu.evaluation.choices import ComputedKey, IndicatorSource, InsufficientData, RunStatus
from kehu.evaluation.indicators import Computed, facts_computed, raw_column
from kehu.evaluation.models import (
    CustomerEvaluation,
    EvaluationRun,
    Indicator,
    Scorecard,
    ScorecardVersion,
)
from kehu.evaluation.results import entry_head, entry_tail, insufficient_text, number_text
from kehu.evaluation.scoring import ZERO, Weighted, rule_points, weighted_average
from kehu.evaluation.scoring_arrays import (
    MISSING,
    grades_of,
    hundredths,
    missing_patterns,
    scores_of,
    weighted_averages,
)
from kehu.evaluation.segments import abc_classes_in_order, rfm_scores_in_order
from kehu.evaluation.services.scorecards import scorecard_default, version_current

CHUNK = 5000
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
    """The version's indicators and bands, ready to score every customer of a run at once.

    Column by column over numpy arrays (``kehu.evaluation.scoring_arrays``: the numbers of
    ``kehu.evaluation.scoring``, exactly): each indicator's raw values are scored once per
    distinct value, and the JSON text of its entry (``kehu.evaluation.results``) made once per
    distinct raw value and effective weight; dimension scores, totals and grades are array
    operations over all customers. What is left per customer is the joining of its entries'
    texts (``Scores.texts``).
    """

    def __init__(self, version: ScorecardVersion):
        self.version = version
        self.neutral = version.insufficient_data == InsufficientData.NEUTRAL
        self.dimensions = list(version.dimensions.all())
        indicators = list(version.indicators.select_related("dimension"))
        self.by_dimension = [
            [i for i in indicators if i.dimension_id == dim.pk] for dim in self.dimensions
        ]
        self.points = {i.pk: rule_points(i.rule) for i in indicators}
        self.bands = [(band.grade, band.min_total) for band in version.grades.all()]
        self.insufficient = insufficient_text(self.neutral)
        self.rated = _("rated %(rating)s of 5 on %(date)s")
        self.dimension_weights = [dim.weight for dim in self.dimensions]
        self.dimension_keys = [dim.key for dim in self.dimensions]

    def _texts(self, indicator: Indicator, key, score: Decimal | None) -> tuple[str, str]:
        """The JSON text of an entry before its weight and after it, for an indicator's raw
        value (or a manual indicator's (rating, rated on); None: no data) and its score. Only
        a manual rating's explanation is stored (it names the day of the rating); the others
        follow from the entry's numbers (``results.explanation_text``)."""
        pk = indicator.pk
        if indicator.source != IndicatorSource.MANUAL:
            return entry_head(pk, key, score), entry_tail()
        if key is None:
            return entry_head(pk, None, score), entry_tail()
        text = self.rated % {"rating": key[0], "date": key[1].isoformat()}
        if score is None:
            explanation = f"{text} — {self.insufficient}"
        else:
            explanation = f"{text} → {_fmt(score)}"
        return entry_head(pk, Decimal(key[0]), score), entry_tail(explanation)

    def _indicator(self, indicator: Indicator, facts: Computed) -> tuple:
        """Each customer's key for ``indicator`` as an index into its distinct keys (array),
        and per distinct key: the score (hundredths, ``MISSING``: no data) and the entry's
        texts before and after the weight."""
        if indicator.source == IndicatorSource.MANUAL:
            name = indicator.key
            # (rating, rated on) of the customers with ratings; the others have none
            distinct: dict = {None: 0}
            codes = np.zeros(len(facts), np.int64)
            for position, ratings in sorted(facts.ratings.items()):
                rating = ratings.get(name)
                if rating is not None:
                    codes[position] = distinct.setdefault((rating[0], rating[2]), len(distinct))
            present = list(distinct)[1:]
            scores = scores_of(
                np.array([key[0] * 100 for key in present], np.int64), self.points[indicator.pk]
            ).tolist()
            return (codes, *self._entries(indicator, list(distinct), [MISSING, *scores]))
        name = indicator.computed_key
        keys = facts.values.get(name)
        if keys is None:
            keys = [None] * len(facts)
        floats = facts.floats.get(name)
        if floats is None:
            coded = _distinct_raw_values(keys)
        else:
            coded = _distinct_floats(floats.copy(), keys)
        if coded is None:  # values too large for floats: told apart as decimals
            distinct = {}
            codes = np.array([distinct.setdefault(key, len(distinct)) for key in keys], np.int64)
            distinct = list(distinct)
        else:
            codes, distinct = coded
        present = [key for key in distinct if key is not None]
        found = iter(
            scores_of(
                np.array([hundredths(key) for key in present], np.int64),
                self.points[indicator.pk],
            ).tolist()
        )
        scores = [MISSING if key is None else next(found) for key in distinct]
        return (codes, *self._entries(indicator, distinct, scores))

    def _entries(self, indicator: Indicator, distinct: list, scored: list) -> tuple:
        """Per distinct key: its score (hundredths, ``MISSING``: no data; ``scored``: in the
        order of ``distinct``) as an array, and the texts of its entry before and after the
        weight."""
        decimals = HUNDREDTHS_DECIMALS
        scores, heads, tails = [], [], []
        for key, score in zip(distinct, scored, strict=True):
            head, tail = self._texts(indicator, key, decimals[score])
            scores.append(score)
            heads.append(head)
            tails.append(tail)
        return np.array(scores, np.int64), heads, tails

    def _shares(self, weights: list, patterns: np.ndarray) -> tuple[np.ndarray, list]:
        """Each customer's pattern of missing data as an index into the distinct patterns,
        and per distinct pattern the effective weights as JSON text (``weighted_average``'s
        shares)."""
        distinct, index = np.unique(patterns, return_inverse=True)
        shares = []
        for pattern in distinct.tolist():
            _value, found = weighted_average(
                [
                    Weighted(None if pattern >> position & 1 else ZERO, weight)
                    for position, weight in enumerate(weights)
                ],
                neutral=self.neutral,
            )
            shares.append([number_text(share) for share in found])
        return index, shares

    def scores(self, facts: Computed) -> "Scores":
        """The dimension scores, totals, grades and indicator results of each customer of
        ``facts``, in its order."""
        dimension_scores, entries = [], []
        for indicators in self.by_dimension:
            weights = [i.weight for i in indicators]
            columns = [self._indicator(i, facts) for i in indicators]
            matrix = np.column_stack([table[codes] for codes, table, _h, _t in columns])
            dimension_scores.append(weighted_averages(matrix, weights, neutral=self.neutral))
            pattern_index, shares = self._shares(weights, missing_patterns(matrix))
            for position, (codes, _table, heads, tails) in enumerate(columns):
                # the entry's text once per distinct (raw value, pattern of missing data)
                combined = codes * len(shares) + pattern_index
                distinct, index = np.unique(combined, return_inverse=True)
                texts = [
                    heads[code] + shares[pattern][position] + tails[code]
                    for code, pattern in zip(
                        (distinct // len(shares)).tolist(),
                        (distinct % len(shares)).tolist(),
                        strict=True,
                    )
                ]
                entries.append(np.array(texts, dtype=object)[index])
        dimensions = np.column_stack(dimension_scores)
        totals = weighted_averages(dimensions, self.dimension_weights, neutral=self.neutral)
        return Scores(
            dimensions=[HUNDREDTHS_WRITTEN[column] for column in dimension_scores],
            totals=HUNDREDTHS_WRITTEN[totals],
            grades=grades_of(totals, self.bands),
            entries=np.column_stack(entries),
        )


# Raw values of at most 15 significant digits (to the cent, below 10^13) are told apart by their
# nearest floats, and sorted and searched as such in C.
_FLOAT_EXACT = 10**13


def _distinct_raw_values(keys: list) -> tuple[np.ndarray, list] | None:
    """Each of ``keys`` (raw values to the cent, None: no data) as an index into the distinct
    keys, and those keys; None when a value is too large to be told apart by its float."""
    # Each distinct object made a float once: the raw values of a column are shared
    # decimals (``indicators``' memos make each distinct value once), and a decimal's float
    # is slow to make.
    objects = {id(key): key for key in keys}
    float_of = dict(
        zip(objects, np.array(list(objects.values()), dtype=np.float64).tolist(), strict=True)
    )
    floats = np.array(list(map(float_of.__getitem__, map(id, keys))), dtype=np.float64)
    return _distinct_floats(floats, keys)


def _distinct_floats(floats: np.ndarray, keys: list) -> tuple[np.ndarray, list] | None:
    """``_distinct_raw_values`` of ``keys`` given their floats (NaN: None; changed here)."""
    finite = np.isfinite(floats)
    if finite.any() and np.abs(floats[finite]).max() >= _FLOAT_EXACT:
        return None
    # "no data" and a negative zero ("-0.00", another text) apart from every number
    floats[~finite] = -np.inf
    floats[(floats == 0) & np.signbit(floats)] = np.inf
    _values, first, codes = np.unique(floats, return_index=True, return_inverse=True)
    return codes.astype(np.int64), [keys[index] for index in first.tolist()]


def _hundredths_decimals() -> np.ndarray:
    """The decimal of every score in hundredths (0–100.00), indexed by its hundredths; the
    last (index ``MISSING``) is None."""
    table = np.empty(10002, dtype=object)
    table[:10001] = [Decimal(value).scaleb(-2) for value in range(10001)]
    table[MISSING] = None
    return table


HUNDREDTHS_DECIMALS = _hundredths_decimals()
# The same scores as the numbers written into the results' columns: floats, each the nearest
# to its hundredths, whose shortest text (``repr``, what COPY sends) is that decimal, and which
# SQLite stores as it would store the decimal's text (a REAL, or an INTEGER when whole) —
# without a decimal made into text and parsed again for every value of every row.
HUNDREDTHS_WRITTEN = np.empty(10002, dtype=object)
HUNDREDTHS_WRITTEN[:10001] = [value / 100 for value in range(10001)]
HUNDREDTHS_WRITTEN[MISSING] = None


@dataclass
class Scores:
    """A run's scores, customer by customer in the order of the facts scored: each
    dimension's scores (in the version's order) and the totals as they are written
    (``HUNDREDTHS_WRITTEN``; None: no data), the grades, and the JSON text of each indicator
    result (customers × indicators)."""

    dimensions: list[np.ndarray]
    totals: np.ndarray
    grades: np.ndarray
    entries: np.ndarray

    def texts(self, start: int, stop: int) -> list[str]:
        """The indicator results column of the customers from ``start`` to ``stop``."""
        return ["[" + ",".join(row) + "]" for row in self.entries[start:stop].tolist()]


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


def _results_write(run: EvaluationRun, scorer: _Scorer, facts: Computed, progress) -> None:
    """Every customer's result with its indicators (one JSON column), in bulk
    (``rows_insert``: one ``executemany`` / ``COPY`` per chunk of customers). Every column is
    made for all customers at once; the rows are zipped from them as they are written: on
    PostgreSQL the server reads a chunk's ``COPY`` data while the next rows are scored."""
    abc = abc_classes_in_order(facts.sales_12m, facts.sales_floats)
    rfm = rfm_scores_in_order(
        facts.floats[ComputedKey.RECENCY_DAYS.value],
        facts.invoices_12m,
        facts.sales_12m,
        facts.sales_floats,
    )
    sales = raw_column(facts.sales_12m)
    scores = scorer.scores(facts)
    # the dimensions' columns in the version's order
    dimensions = [scores.dimensions[scorer.dimension_keys.index(name)] for name in DIMENSION_FIELDS]
    columns = [
        facts.pks,
        *[column.tolist() for column in dimensions],
        scores.totals.tolist(),
        scores.grades.tolist(),
        sales,
        abc,
        *rfm,
    ]
    total = len(facts)
    for start in range(0, total, CHUNK):
        stop = min(start + CHUNK, total)
        rows = zip(
            repeat(run.pk, stop - start),
            *[column[start:stop] for column in columns],
            scores.texts(start, stop),
            strict=True,
        )
        rows_insert(CustomerEvaluation, RESULT_COLUMNS, rows)
        if progress is not None:
            progress(stop, total)
