"""The data set of the worked example in docs/evaluation.md (as of 2026-06-30)."""

import datetime
from decimal import Decimal

from kehu.evaluation.models import ManualRating
from kehu.sales import services as sales
from tests.factories import class_tree, customer

AS_OF = datetime.date(2026, 6, 30)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _invoice(target, number, date, amount, due):
    sales.invoice_post(
        actor=None,
        customer=target,
        number=number,
        date=day(date),
        amount=Decimal(amount),
        due_date=day(due),
    )


def _receipt(target, number, date, amount):
    sales.receipt_post(
        actor=None, customer=target, number=number, date=day(date), amount=Decimal(amount)
    )


def _rate(target, key, rating, on="2026-05-01"):
    ManualRating.objects.create(customer=target, indicator_key=key, rating=rating, rated_on=day(on))


def example_build() -> dict:
    """Four customers: one who pays on time, one who pays late, a new one without documents,
    and a quiet one whose last invoice is 19 months old."""
    class_tree("01", "0101")
    c1 = customer(
        code="E1",
        name="甲按期付款有限公司",
        registered_capital="5000000",
        founded_on="2010-03-01",
        credit_limit="100000",
    )
    c2 = customer(
        code="E2",
        name="乙逾期付款有限公司",
        annual_revenue="2000000",
        founded_on="2022-01-15",
        credit_limit="50000",
    )
    c3 = customer(code="E3", name="丙新客户有限公司")
    c4 = customer(code="E4", name="丁少动客户有限公司", registered_capital="500000")
    _invoice(c1, "E1-1", "2025-03-15", "20000", "2025-04-14")
    _invoice(c1, "E1-2", "2025-09-10", "30000", "2025-10-10")
    _invoice(c1, "E1-3", "2026-02-10", "30000", "2026-03-12")
    _invoice(c1, "E1-4", "2026-06-10", "20000", "2026-07-10")
    _receipt(c1, "R1-1", "2025-04-10", "20000")
    _receipt(c1, "R1-2", "2025-10-05", "30000")
    _receipt(c1, "R1-3", "2026-03-10", "30000")
    _invoice(c2, "E2-1", "2025-08-01", "40000", "2025-08-31")
    _invoice(c2, "E2-2", "2026-01-05", "20000", "2026-02-04")
    _receipt(c2, "R2-1", "2025-10-30", "40000")
    _receipt(c2, "R2-2", "2026-04-05", "10000")
    _invoice(c4, "E4-1", "2024-12-01", "10000", "2024-12-31")
    _receipt(c4, "R4-1", "2025-01-20", "10000")
    _rate(c1, "cooperation", 5)
    _rate(c1, "relationship", 4)
    _rate(c2, "cooperation", 2)
    _rate(c2, "cooperation", 4, on="2026-07-15")  # after the run's date: not counted
    return {"E1": c1, "E2": c2, "E3": c3, "E4": c4}
