"""ABC classes and RFM ranks over arrays (``kehu.evaluation.segments``) are those of the
definitions: ABC by the exact decimal shares, RFM by counting the worse values."""

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kehu.evaluation.segments import (
    abc_classes,
    abc_classes_in_order,
    abc_classes_one_by_one,
    rfm_scores,
    sales_floats,
)

# sales to the cent, with many ties and zeros
amounts = st.one_of(
    st.sampled_from([Decimal("0"), Decimal("1.00"), Decimal("20.00"), Decimal("80.00")]),
    st.integers(min_value=0, max_value=10**11).map(lambda cents: Decimal(cents).scaleb(-2)),
)


@example(sales={1: Decimal("80"), 2: Decimal("15"), 3: Decimal("5")})  # shares exactly 80, 95
@example(sales={1: Decimal("0"), 2: Decimal("0")})
@given(sales=st.dictionaries(st.integers(min_value=1, max_value=10**6), amounts, min_size=1))
@settings(max_examples=300, deadline=None)
def test_abc_classes_are_those_of_the_exact_shares(sales):
    assert abc_classes(sales) == abc_classes_one_by_one(sales)


@example(sales=[Decimal("5"), Decimal("80"), Decimal("15")])
@example(sales=[Decimal("40"), Decimal("40"), Decimal("15"), Decimal("5")])  # a tie at 80 %
@given(sales=st.lists(amounts, min_size=1))
@settings(max_examples=200, deadline=None)
def test_abc_classes_of_a_column_are_those_of_the_exact_shares(sales):
    """Customers given in the order of their keys: equal sales ordered by that order."""
    exact = abc_classes_one_by_one(dict(enumerate(sales)))
    assert abc_classes_in_order(sales, sales_floats(sales)) == [exact[i] for i in range(len(sales))]


def _rank(value, values, *, lower_is_better):
    worse = sum(1 for v in values if (v > value if lower_is_better else v < value))
    return 1 + 5 * worse // len(values)


@given(
    customers=st.dictionaries(
        st.integers(min_value=1, max_value=10**6),
        st.tuples(
            st.one_of(st.none(), st.integers(min_value=0, max_value=800)),
            st.integers(min_value=0, max_value=60),
            amounts,
        ),
        min_size=1,
    )
)
@settings(max_examples=200, deadline=None)
def test_rfm_ranks_count_the_customers_with_worse_values(customers):
    recency = {pk: None if r is None else Decimal(r) for pk, (r, _f, _m) in customers.items()}
    frequency = {pk: f for pk, (_r, f, _m) in customers.items()}
    sales = {pk: m for pk, (_r, _f, m) in customers.items()}
    found = rfm_scores(recency, frequency, sales)
    active = [pk for pk in customers if frequency[pk] > 0 and recency[pk] is not None]
    for pk in customers:
        if pk not in active:
            assert found[pk][:3] == (None, None, None)
            assert found[pk][3] == "inactive"
            continue
        assert found[pk][:3] == (
            _rank(recency[pk], [recency[p] for p in active], lower_is_better=True),
            _rank(frequency[pk], [frequency[p] for p in active], lower_is_better=False),
            _rank(sales[pk], [sales[p] for p in active], lower_is_better=False),
        )
