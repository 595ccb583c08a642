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

from kehu.evaluation.choices import AbcClass, RfmSegment

A_SHARE = Decimal("80")
B_SHARE = Decimal("95")


def abc_classes(sales: dict[int, Decimal]) -> dict[int, str]:
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


def _rank_scores(values: dict[int, Decimal | int], *, lower_is_better: bool) -> dict[int, int]:
    n = len(values)
    ordered = sorted(values.values(), reverse=lower_is_better)
    worse = {}
    for index, value in enumerate(ordered):
        worse.setdefault(value, index)
    return {pk: 1 + (5 * worse[value]) // n for pk, value in values.items()}


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
    r = _rank_scores({pk: recency[pk] for pk in active}, lower_is_better=True)
    f = _rank_scores({pk: frequency[pk] for pk in active}, lower_is_better=False)
    m = _rank_scores({pk: sales[pk] for pk in active}, lower_is_better=False)
    for pk in active:
        result[pk] = (r[pk], f[pk], m[pk], rfm_segment(r[pk], f[pk]))
    return result
