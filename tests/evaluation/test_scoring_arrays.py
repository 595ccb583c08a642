"""A run scores every customer at once over arrays (``kehu.evaluation.scoring_arrays``): the
scores, dimension scores, totals and grades are those of the per-customer functions of
``kehu.evaluation.scoring`` that the worked example of docs/evaluation.md is computed with."""

from decimal import Decimal

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kehu.evaluation.scoring import (
    Weighted,
    grade_of,
    rule_points,
    score_of,
    weighted_average,
)
from kehu.evaluation.scoring_arrays import (
    MISSING,
    grades_of,
    missing_patterns,
    scores_of,
    weighted_averages,
)


def _decimal(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def _hundredths(value: Decimal | None) -> int:
    return MISSING if value is None else int(value.scaleb(2))


# raw values as the run has them: decimals to the cent, from large negative growth rates to
# registered capitals of billions
raw_values = st.integers(min_value=-(10**13), max_value=10**13)


@st.composite
def rules(draw):
    """A valid scoring rule: rising raw values (up to 4 decimals), scores 0–100 (up to 2)."""
    places = draw(st.integers(min_value=0, max_value=4))
    count = draw(st.integers(min_value=2, max_value=6))
    raws = sorted(
        draw(
            st.sets(
                st.integers(min_value=-(10**9), max_value=10**9), min_size=count, max_size=count
            )
        )
    )
    scores = draw(
        st.lists(st.integers(min_value=0, max_value=10000), min_size=count, max_size=count)
    )
    return [
        [str(Decimal(raw).scaleb(-places)), str(Decimal(score).scaleb(-2))]
        for raw, score in zip(raws, scores, strict=True)
    ]


@given(rule=rules(), raws=st.lists(raw_values, min_size=1, max_size=40), data=st.data())
@settings(max_examples=300, deadline=None)
def test_scores_of_an_array_are_those_of_the_rule_one_by_one(rule, raws, data):
    points = rule_points(rule)
    # also the points themselves, either side of them and half-way between them
    near = [int((x * 100).to_integral_value()) + d for x, _y in points for d in (-1, 0, 1)]
    raws = raws + near + [data.draw(st.sampled_from(near))]
    expected = [_hundredths(score_of(_decimal(raw), points)) for raw in raws]
    assert scores_of(np.array(raws, dtype=np.int64), points).tolist() == expected


@example(rule=[[0, 0], [3, 100]], raw=1)  # 33.333… → 33.33
@example(rule=[[0, 0], [8, 1]], raw=100)  # 0.125 → 0.13 (half up)
@example(rule=[[0, 100], [30, 90], [90, 60], [180, 30], [365, 0]], raw=1756)  # the default
# a segment too long for 64-bit arithmetic, and points with more than six decimals: scored
# value by value
@example(rule=[["0", "0"], ["1000000000000000", "33.33"]], raw=123456789012345)
@example(rule=[["0.0000001", "0"], ["1", "100"]], raw=33)
@given(rule=rules(), raw=raw_values)
@settings(max_examples=300, deadline=None)
def test_a_score_exactly_half_a_hundredth_is_rounded_up_as_the_decimals_are(rule, raw):
    points = rule_points(rule)
    [found] = scores_of(np.array([raw], dtype=np.int64), points).tolist()
    assert found == _hundredths(score_of(_decimal(raw), points))


scores = st.one_of(st.none(), st.integers(min_value=0, max_value=10000))
weights = st.integers(min_value=0, max_value=10000)


@given(
    items=st.lists(st.tuples(scores, weights), min_size=1, max_size=6),
    rows=st.integers(min_value=1, max_value=5),
    neutral=st.booleans(),
    data=st.data(),
)
@settings(max_examples=300, deadline=None)
def test_weighted_averages_of_many_customers_are_those_of_each(items, rows, neutral, data):
    weight_list = [_decimal(weight) for _score, weight in items]
    table = [[score for score, _weight in items]] + [
        data.draw(st.lists(scores, min_size=len(items), max_size=len(items)))
        for _row in range(rows - 1)
    ]
    matrix = np.array([[MISSING if s is None else s for s in row] for row in table], np.int64)
    found = weighted_averages(matrix, weight_list, neutral=neutral).tolist()
    for row, value in zip(table, found, strict=True):
        expected, _shares = weighted_average(
            [
                Weighted(None if s is None else _decimal(s), w)
                for s, w in zip(row, weight_list, strict=True)
            ],
            neutral=neutral,
        )
        assert value == _hundredths(expected)
    # which items lack data, one bit each
    assert missing_patterns(matrix).tolist() == [
        sum(1 << i for i, s in enumerate(row) if s is None) for row in table
    ]


@given(
    totals=st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10000)), min_size=1),
    minimums=st.sets(st.integers(min_value=0, max_value=10000), min_size=1, max_size=6),
)
@settings(max_examples=200, deadline=None)
def test_grades_of_many_totals_are_those_of_each(totals, minimums):
    bands = [(chr(ord("A") + i), _decimal(m)) for i, m in enumerate(sorted(minimums, reverse=True))]
    array = np.array([_hundredths(None if t is None else _decimal(t)) for t in totals], np.int64)
    assert grades_of(array, bands).tolist() == [
        grade_of(None if t is None else _decimal(t), bands) for t in totals
    ]
