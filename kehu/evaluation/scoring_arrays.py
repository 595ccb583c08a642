"""The scoring of ``kehu.evaluation.scoring`` for many customers at once, over numpy arrays.

The same numbers as the per-customer functions (``score_of``, ``weighted_average``,
``grade_of``), computed a column at a time: a raw value or a score is a whole number of
hundredths (``MISSING``: insufficient data), and every division is an exact integer division
rounded half up, as the decimals are (``round2``). No floating point: a score that ends in
exactly half a hundredth is rounded up as ``Decimal`` rounds it. A rule whose points cannot be
handled in 64-bit integers (more than six decimals, or a segment too long for its scores'
precision) is read with ``score_of`` itself, value by value.
"""

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from kehu.evaluation.scoring import NEUTRAL, round2, score_of

MISSING = -1
NEUTRAL_HUNDREDTHS = int(NEUTRAL * 100)
_MAX_PLACES = 6
_LIMIT = 2**62


def _places(value: Decimal) -> int:
    return max(0, -value.as_tuple().exponent)


def hundredths(value: Decimal) -> int:
    """A decimal with at most two places as a whole number of hundredths."""
    return int(value.scaleb(2))


def _rounded(numerator: np.ndarray, denominator) -> np.ndarray:
    """``numerator / denominator`` rounded half up (non-negative numerators)."""
    return (2 * numerator + denominator) // (2 * denominator)


def scores_of(raw: np.ndarray, points: Sequence[tuple[Decimal, Decimal]]) -> np.ndarray:
    """``score_of`` of every raw value of ``raw`` (whole hundredths, int64), in hundredths."""
    raw = np.asarray(raw, dtype=np.int64)
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    x_places = max(2, *[_places(x) for x in xs])
    y_places = max(_places(y) for y in ys)
    if x_places > _MAX_PLACES or y_places > _MAX_PLACES:
        return _scores_one_by_one(raw, points)
    xs_scaled = [int(x.scaleb(x_places)) for x in xs]
    ys_scaled = [int(y.scaleb(y_places)) for y in ys]
    # the raw values in the points' unit; clipped first (outside the points only the ends
    # count), so that scaling cannot overflow
    low, high = xs_scaled[0], xs_scaled[-1]
    factor = 10 ** (x_places - 2)
    clip_low = max(low // factor - 1, -_LIMIT // factor)
    clip_high = min(high // factor + 1, _LIMIT // factor)
    scaled = np.clip(raw, clip_low, clip_high) * factor
    result = np.empty(len(raw), dtype=np.int64)
    result[scaled <= low] = hundredths(round2(ys[0]))
    result[scaled > high] = hundredths(round2(ys[-1]))
    # score × 100 = (y0 (x1 − x0) + (y1 − y0)(raw − x0)) × 100 / ((x1 − x0) × 10^y_places)
    unit = 10**y_places
    for segment in range(len(points) - 1):
        x0, x1 = xs_scaled[segment], xs_scaled[segment + 1]
        y0, y1 = ys_scaled[segment], ys_scaled[segment + 1]
        inside = (scaled > x0) & (scaled <= x1)
        if not inside.any():
            continue
        span = x1 - x0
        if span * 100 * unit * 400 >= _LIMIT:
            result[inside] = _scores_one_by_one(raw[inside], points[segment : segment + 2])
            continue
        numerator = (y0 * span + (y1 - y0) * (scaled[inside] - x0)) * 100
        result[inside] = _rounded(numerator, span * unit)
    return result


def _scores_one_by_one(raw: np.ndarray, points) -> np.ndarray:
    return np.array(
        [hundredths(score_of(Decimal(int(value)).scaleb(-2), points)) for value in raw],
        dtype=np.int64,
    )


def weighted_averages(
    scores: np.ndarray, weights: Sequence[Decimal], *, neutral: bool
) -> np.ndarray:
    """``weighted_average`` of each row of ``scores`` (customers × items, in hundredths,
    ``MISSING``: insufficient data) with ``weights``, in hundredths; ``MISSING`` where nothing
    counts. The numerator and the weights are whole numbers, so the quotient is rounded half
    up once, exactly."""
    scores = np.asarray(scores, dtype=np.int64)
    missing = scores == MISSING
    weights_h = np.array([hundredths(w) for w in weights], dtype=np.int64)
    if neutral:
        counted = np.full(len(scores), weights_h.sum(), dtype=np.int64)
        weighted = np.where(missing, NEUTRAL_HUNDREDTHS, scores) @ weights_h
    else:
        counted = (~missing) @ weights_h
        weighted = np.where(missing, 0, scores) @ weights_h
    result = np.full(len(scores), MISSING, dtype=np.int64)
    some = counted > 0
    result[some] = _rounded(weighted[some], counted[some])
    return result


def missing_patterns(scores: np.ndarray) -> np.ndarray:
    """Which items of each row lack data, as a bit mask (bit i: item i)."""
    missing = np.asarray(scores) == MISSING
    bits = np.left_shift(1, np.arange(missing.shape[1], dtype=np.int64))
    return missing.astype(np.int64) @ bits


def grades_of(totals: np.ndarray, bands: Sequence[tuple[str, Decimal]]) -> np.ndarray:
    """``grade_of`` of each total (hundredths, ``MISSING``: none), as an array of strings."""
    totals = np.asarray(totals, dtype=np.int64)
    names = np.array([grade for grade, _minimum in bands] + [""], dtype=object)
    index = np.full(len(totals), len(bands), dtype=np.int64)
    # the first band (in the given order) whose minimum the total reaches
    for position in range(len(bands) - 1, -1, -1):
        minimum = bands[position][1] * 100
        threshold = int(minimum.to_integral_value(rounding="ROUND_CEILING"))
        index[(totals >= threshold) & (totals != MISSING)] = position
    return names[index]
