"""From raw values to scores, dimension scores, totals and grades (SPEC §6). Pure functions.

Every stored number is rounded half up to 2 decimals at its own step: the indicator score,
then the dimension score (from the rounded indicator scores), then the total (from the rounded
dimension scores) — so ``docs/evaluation.md`` can be checked by hand.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NEUTRAL = Decimal("50")
ZERO = Decimal("0")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rule_problem(rule) -> str | None:
    """Why ``rule`` is not a list of at least two ``[raw, score]`` points with strictly rising
    raw values and scores within 0–100; None when it is."""
    if not isinstance(rule, list) or len(rule) < 2:
        return "at_least_two"
    previous = None
    for point in rule:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float | str | Decimal) for v in point)
        ):
            return "point_shape"
        try:
            raw, score = Decimal(str(point[0])), Decimal(str(point[1]))
        except ArithmeticError:
            return "point_shape"
        if not raw.is_finite() or not score.is_finite():
            return "point_shape"
        if not ZERO <= score <= 100:
            return "score_range"
        if previous is not None and raw <= previous:
            return "not_rising"
        previous = raw
    return None


def rule_points(rule) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(str(raw)), Decimal(str(score))) for raw, score in rule]


def score_of(raw: Decimal, points: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """The score of ``raw`` on the piecewise-linear rule through ``points`` (rounded)."""
    if raw <= points[0][0]:
        return round2(points[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if raw <= x1:
            return round2(y0 + (y1 - y0) * (raw - x0) / (x1 - x0))
    return round2(points[-1][1])


@dataclass
class Weighted:
    """A score (None: insufficient data) and its weight."""

    score: Decimal | None
    weight: Decimal


def weighted_average(items: Sequence[Weighted], *, neutral: bool) -> tuple[Decimal | None, list]:
    """The weighted average of ``items`` and each item's effective weight in it (in %).

    Without data an item counts as 50 when ``neutral``, else is left out and the other weights
    re-normalised. None when nothing counts (no data, or only zero weights).
    """
    counted = [
        (Weighted(NEUTRAL if item.score is None else item.score, item.weight))
        if neutral or item.score is not None
        else None
        for item in items
    ]
    total_weight = sum((c.weight for c in counted if c is not None), ZERO)
    if total_weight == 0:
        return None, [ZERO for _ in items]
    value = sum((c.score * c.weight for c in counted if c is not None), ZERO) / total_weight
    shares = [ZERO if c is None else round2(c.weight * 100 / total_weight) for c in counted]
    return round2(value), shares


def grade_of(total: Decimal | None, bands: Sequence[tuple[str, Decimal]]) -> str:
    """The grade of the highest band whose lowest total ``total`` reaches; '' without a total
    (bands sorted by lowest total, descending)."""
    if total is None:
        return ""
    for grade, minimum in bands:
        if total >= minimum:
            return grade
    return ""
