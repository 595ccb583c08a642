"""ABC analysis and RFM segmentation over a run's customers (SPEC §6). Pure functions.

- **ABC**: customers by 12-month sales, largest first; a customer is A while the share of the
  total sales of the customers before it is under 80 %, B while under 95 %, else C. Customers
  without sales are C. (So the largest customer is always A.)
- **RFM**: among the customers with an invoice in the last 12 months, R (recency: fewer days
  is better), F (invoices in 12 months) and M (12-month sales) are each scored 1–5 by rank:
  ``1 + floor(5 × worse / n)``, where ``worse`` counts the customers with a strictly worse
  value and ``n`` is their number. Customers without an invoice in 12 months are "inactive".
"""

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from kehu.evaluation.choices import AbcClass, RfmSegment

A_SHARE = Decimal("80")
B_SHARE = Decimal("95")
# Decimals of at most 15 significant digits (an amount to the cent below 10^13, or SQLite's
# sums as Django converts them) are ordered and told apart exactly by their nearest floats.
_FLOAT_EXACT = 10**13
# A float share this close to a class boundary is decided by the decimals instead.
_NEAR = 1e-6


def sales_floats(amounts) -> np.ndarray | None:
    """The amounts as floats, in the same order and with the same ties as the decimals; None
    when an amount is too large for that."""
    floats = np.array([float(amount) for amount in amounts], dtype=np.float64)
    if len(floats) and np.abs(floats).max() >= _FLOAT_EXACT:
        return None
    return floats


def abc_classes(sales: dict[int, Decimal]) -> dict[int, str]:
    """``abc_classes_one_by_one``, over arrays: the running shares as floats, the decimals'
    own sums whenever a share comes near a class boundary."""
    pks = np.fromiter(sales, dtype=np.int64, count=len(sales))
    found = _abc_over_floats(pks, sales_floats(sales.values()))
    if found is None:
        return abc_classes_one_by_one(sales)
    return dict(zip(pks.tolist(), found, strict=True))


def abc_classes_in_order(sales: Sequence[Decimal], floats: np.ndarray | None) -> list[str]:
    """``abc_classes`` of customers given in the order of their primary keys (equal sales
    are ordered by it), as a list in that order. ``floats``: ``sales_floats(sales)``."""
    found = _abc_over_floats(np.arange(len(sales), dtype=np.int64), floats)
    if found is None:
        return list(abc_classes_one_by_one(dict(enumerate(sales))).values())
    return found


def _abc_over_floats(keys: np.ndarray, amounts: np.ndarray | None) -> list[str] | None:
    """The ABC class of each amount (in the order given; ``keys`` order equal amounts), or
    None when the floats cannot tell (too large, or a share near a boundary)."""
    if amounts is None or not len(keys):
        return None
    total = amounts.sum()
    if total <= _NEAR * np.abs(amounts).max():  # no sales, or a total the floats cannot tell
        return None
    order = np.lexsort((keys, -amounts))
    ordered = amounts[order]
    shares_before = (np.cumsum(ordered) - ordered) * 100 / total
    for boundary in (float(A_SHARE), float(B_SHARE)):
        if (np.abs(shares_before - boundary) < _NEAR).any():
            return None
    names = np.array([AbcClass.A.value, AbcClass.B.value, AbcClass.C.value], dtype=object)
    index = np.where(
        shares_before < float(A_SHARE), 0, np.where(shares_before < float(B_SHARE), 1, 2)
    )
    index[ordered <= 0] = 2
    classes = np.empty(len(keys), dtype=object)
    classes[order] = names[index]
    return classes.tolist()


def abc_classes_one_by_one(sales: dict[int, Decimal]) -> dict[int, str]:
    """The ABC class of each customer by its 12-month sales, with exact decimals."""
    total = sum(sales.values(), Decimal(0))
    classes = dict.fromkeys(sales, AbcClass.C.value)
    if total <= 0:
        return classes
    before = Decimal(0)
    for pk, amount in sorted(sales.items(), key=lambda item: (-item[1], item[0])):
        if amount <= 0:
            break
        share_before = before * 100 / total
        classes[pk] = (
            AbcClass.A.value
            if share_before < A_SHARE
            else AbcClass.B.value
            if share_before < B_SHARE
            else AbcClass.C.value
        )
        before += amount
    return classes


def _rank_scores(values: np.ndarray, *, lower_is_better: bool) -> np.ndarray:
    """``1 + floor(5 × worse / n)`` of each value (``worse``: how many values are strictly
    worse)."""
    n = len(values)
    ordered = np.sort(values)
    if lower_is_better:
        worse = n - np.searchsorted(ordered, values, side="right")
    else:
        worse = np.searchsorted(ordered, values, side="left")
    return 1 + (5 * worse) // n


def rfm_segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return RfmSegment.CHAMPIONS.value
    if f >= 4:
        return RfmSegment.LOYAL.value
    if r >= 4 and f <= 2:
        return RfmSegment.NEW.value
    if r <= 2 and f >= 3:
        return RfmSegment.AT_RISK.value
    if r <= 2:
        return RfmSegment.HIBERNATING.value
    return RfmSegment.PROMISING.value


def rfm_scores(
    recency: dict[int, int | None], frequency: dict[int, int], sales: dict[int, Decimal]
) -> dict[int, tuple[int | None, int | None, int | None, str]]:
    """(R, F, M, segment) per customer."""
    pks = list(frequency)
    days = [recency.get(pk) for pk in pks]
    r, f, m, segments = rfm_scores_in_order(
        np.array([np.nan if day is None else float(day) for day in days], dtype=np.float64),
        np.array([frequency[pk] for pk in pks], dtype=np.int64),
        [sales.get(pk) for pk in pks],
        None,
    )
    return dict(zip(pks, zip(r, f, m, segments, strict=True), strict=True))


def rfm_scores_in_order(
    recency: np.ndarray, frequency: np.ndarray, sales: Sequence[Decimal | None], floats
) -> tuple[list, list, list, list]:
    """``rfm_scores`` of customers given as columns (``recency``: days as floats, NaN: no
    invoice; ``frequency``: invoices in 12 months; ``sales`` and, if known for all, their
    ``sales_floats``): the R, F and M scores (None: inactive) and the segments, as lists."""
    count = len(frequency)
    active = np.flatnonzero((frequency > 0) & ~np.isnan(recency))
    r_found, f_found, m_found = [None] * count, [None] * count, [None] * count
    segments = [RfmSegment.INACTIVE.value] * count
    if not len(active):
        return r_found, f_found, m_found, segments
    positions = active.tolist()
    amounts = None if floats is None else floats[active]
    if amounts is None:
        amounts = sales_floats([sales[position] for position in positions])
    if amounts is None:  # ranked by the decimals themselves
        amounts = np.array([sales[position] for position in positions], dtype=object)
    r = _rank_scores(recency[active], lower_is_better=True).tolist()
    f = _rank_scores(frequency[active], lower_is_better=False).tolist()
    m = _rank_scores(amounts, lower_is_better=False).tolist()
    named = {}
    for position, r_score, f_score, m_score in zip(positions, r, f, m, strict=True):
        r_found[position], f_found[position], m_found[position] = r_score, f_score, m_score
        segment = named.get((r_score, f_score))
        if segment is None:
            segment = named[r_score, f_score] = rfm_segment(r_score, f_score)
        segments[position] = segment
    return r_found, f_found, m_found, segments
