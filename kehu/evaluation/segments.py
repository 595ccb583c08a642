"""ABC analysis and RFM segmentation over a run's customers (SPEC §6). Pure functions.

- **ABC**: customers by 12-month sales, largest first; a customer is A while the share of the
  total sales of the customers before it is under 80 %, B while under 95 %, else C. Customers
  without sales are C. (So the largest customer is always A.)
- **RFM**: among the customers with an invoice in the last 12 months, R (recency: fewer days
  is better), F (invoices in 12 months) and M (12-month sales) are each scored 1–5 by rank:
  ``1 + floor(5 × worse / n)``, where ``worse`` counts the customers with a strictly worse
  value and ``n`` is their number. Customers without an invoice in 12 months are "inactive".
"""

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
    amounts = sales_floats(sales.values())
    if amounts is None or not len(pks):
        return abc_classes_one_by_one(sales)
    total = amounts.sum()
    if total <= _NEAR * np.abs(amounts).max():  # no sales, or a total the floats cannot tell
        return abc_classes_one_by_one(sales)
    order = np.lexsort((pks, -amounts))
    ordered = amounts[order]
    shares_before = (np.cumsum(ordered) - ordered) * 100 / total
    for boundary in (float(A_SHARE), float(B_SHARE)):
        if (np.abs(shares_before - boundary) < _NEAR).any():
            return abc_classes_one_by_one(sales)
    names = np.array([AbcClass.A.value, AbcClass.B.value, AbcClass.C.value], dtype=object)
    index = np.where(
        shares_before < float(A_SHARE), 0, np.where(shares_before < float(B_SHARE), 1, 2)
    )
    index[ordered <= 0] = 2
    return dict(zip(pks[order].tolist(), names[index].tolist(), strict=True))


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
    active = [pk for pk, count in frequency.items() if count > 0 and recency.get(pk) is not None]
    result = dict.fromkeys(frequency, (None, None, None, RfmSegment.INACTIVE.value))
    if not active:
        return result
    amounts = sales_floats([sales[pk] for pk in active])
    if amounts is None:  # ranked by the decimals themselves
        amounts = np.array([sales[pk] for pk in active], dtype=object)
    r = _rank_scores(np.array([float(recency[pk]) for pk in active]), lower_is_better=True)
    f = _rank_scores(np.array([frequency[pk] for pk in active]), lower_is_better=False)
    m = _rank_scores(amounts, lower_is_better=False)
    segments = {}
    for pk, scores in zip(
        active, zip(r.tolist(), f.tolist(), m.tolist(), strict=True), strict=True
    ):
        segment = segments.get(scores[:2])
        if segment is None:
            segment = segments[scores[:2]] = rfm_segment(*scores[:2])
        result[pk] = (*scores, segment)
    return result
