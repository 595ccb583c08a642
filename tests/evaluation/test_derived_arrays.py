"""The raw values derived from a customer's sums over float arrays
(``indicators.derived_arrays``) are those of the exact decimals (``derived_values``, the
definition) wherever the floats decide them; the others are left to the decimals."""

import decimal
from decimal import Decimal

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kehu.evaluation.indicators import (
    _NO_SETTLEMENT,
    CENTS,
    EXACT,
    NONE,
    _Cents,
    derived_arrays,
    derived_values,
)

# SQLite's sums are floats, read as Django reads an aggregate (15 significant digits)
_SQLITE = decimal.Context(prec=15).create_decimal_from_float

cents = st.one_of(
    st.sampled_from([0, 1, 100, 125, 800, 50000]),
    st.integers(min_value=-(10**8), max_value=10**12),
)
days = st.integers(min_value=0, max_value=2000)


@st.composite
def amounts(draw, *same):
    """A sum of amounts to the cent (as Decimal parts), often one already drawn."""
    if same and draw(st.booleans()):
        return draw(st.sampled_from(same))
    return [Decimal(part).scaleb(-2) for part in draw(st.lists(cents, max_size=3))]


@st.composite
def weighted(draw):
    """A sum of amounts times days."""
    return [Decimal(part).scaleb(-2) * draw(days) for part in draw(st.lists(cents, max_size=3))]


@st.composite
def customers(draw):
    invoice = settlement = None
    if draw(st.booleans()):
        invoiced = draw(amounts())
        due = draw(amounts(invoiced))
        due_days = draw(weighted())
        invoice = [
            draw(amounts(invoiced)),
            draw(amounts(invoiced)),
            invoiced,
            due,
            due_days,
            draw(amounts(due, invoiced)),
        ]
        if draw(st.booleans()):
            settled_due = draw(amounts(due))
            settlement = [
                draw(amounts(invoiced, due)),
                settled_due,
                draw(amounts(due, settled_due)),
                draw(st.one_of(st.just([]), weighted())),
                draw(st.one_of(st.just(due_days), weighted())),
                draw(amounts(invoice[5], settled_due)),
            ]
    received = draw(st.one_of(st.none(), amounts(*([invoice[2]] if invoice else []))))
    limit = draw(st.one_of(st.none(), st.integers(0, 10**9).map(lambda c: Decimal(c).scaleb(-2))))
    return invoice, settlement, received, limit


def _sqlite_sum(parts) -> float:
    total = 0.0
    for part in parts:
        total += float(part)
    return total


def _as_fetched(parts, sqlite: bool):
    """A sum as the database gives it: SQLite's float, PostgreSQL's decimal."""
    return _sqlite_sum(parts) if sqlite else sum(parts, Decimal(0))


def _as_decimal(value, sqlite: bool) -> Decimal:
    return _SQLITE(value) if sqlite else value


@example(
    rows=[
        (
            [[Decimal("9")], [Decimal("8")], [Decimal("8")], [Decimal("8")], [], []],
            [[Decimal("8")], [], [Decimal("1")], [], [], []],
            None,
            Decimal("800"),
        )
    ],
    sqlite=True,
)  # paid on time 12.5 %: half a cent
@example(
    rows=[([[Decimal("99999.99")], [Decimal("100000")], [], [], [], []], None, None, None)],
    sqlite=False,
)  # a growth of -0.00001 %: "-0.00"
@given(rows=st.lists(customers(), min_size=1, max_size=20), sqlite=st.booleans())
@settings(max_examples=400, deadline=None)
def test_derived_values_over_arrays_are_those_of_the_decimals(rows, sqlite):
    fetched = [
        (
            None if invoice is None else [_as_fetched(parts, sqlite) for parts in invoice],
            None if settlement is None else [_as_fetched(parts, sqlite) for parts in settlement],
            None if received is None else _as_fetched(received, sqlite),
            limit,
        )
        for invoice, settlement, received, limit in rows
    ]
    derived = derived_arrays(
        np.array([invoice or [np.nan] * 6 for invoice, *_ in fetched], dtype=np.float64),
        np.array([settlement or [0.0] * 6 for _i, settlement, *_ in fetched], dtype=np.float64),
        np.array([received or 0.0 for *_s, received, _l in fetched], dtype=np.float64),
        np.array([np.nan if limit is None else limit for *_r, limit in fetched], np.float64),
    )
    decimals = _Cents()
    for position, (invoice, settlement, received, limit) in enumerate(fetched):
        expected = derived_values(
            None if invoice is None else tuple(_as_decimal(v, sqlite) for v in invoice),
            _NO_SETTLEMENT
            if settlement is None
            else tuple(_as_decimal(v, sqlite) for v in settlement),
            None if received is None else _as_decimal(received, sqlite),
            limit,
        )
        for (cents_of, how), value in zip(derived, expected, strict=True):
            if how[position] == EXACT:
                continue  # the decimals' own
            got = None if how[position] == NONE else decimals[cents_of[position]]
            assert (None if got is None else str(got)) == (None if value is None else str(value))


def test_the_floats_decide_an_ordinary_customer_s_values():
    # sales 1,200 after 1,000; 800 due of 1,000 invoiced, 500 of it paid on time and 100
    # late; 300 received; a limit of 4,000.
    derived = derived_arrays(
        np.array([[1200.0, 1000.0, 2200.0, 800.0, 8000.0, 0.0]]),
        np.array([[600.0, 600.0, 500.0, 1000.0, 3000.0, 0.0]]),
        np.array([300.0]),
        np.array([4000.0]),
    )
    decimals = _Cents()
    assert [how[0] for _c, how in derived] == [CENTS] * 6
    assert [str(decimals[cents[0]]) for cents, _how in derived] == [
        "20.00",  # growth
        "62.50",  # paid on time
        "7.50",  # days overdue: (1000 + 8000 - 3000) / 800
        "12.50",  # overdue share: (800 - 600) / (2200 - 600)
        "0.00",  # doubtful share
        "47.50",  # credit use: (2200 - 300) / 4000
    ]
