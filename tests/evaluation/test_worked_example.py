"""The worked example of docs/evaluation.md: every number computed by hand there holds."""

from decimal import Decimal

import pytest

from kehu.evaluation.models import CustomerEvaluation
from kehu.evaluation.selectors import indicator_results
from kehu.evaluation.services import evaluation_run, strategy_preview
from tests.evaluation.example import AS_OF, example_build

pytestmark = pytest.mark.django_db

# customer -> indicator -> (raw value, score, effective weight); None: insufficient data
INDICATORS = {
    "E1": {
        "recency_days": ("20", "93.33", "30"),
        "invoices_12m": ("3", "40", "30"),
        "sales_growth": ("300", "100", "20"),
        "cooperation": ("5", "100", "20"),
        "sales_percentile": ("100", "100", "50"),
        "capital": ("5000000", "53.33", "25"),
        "years_in_business": ("16", "92", "25"),
        "market_position": (None, None, "0"),
        "paid_on_time": ("100", "100", "30"),
        "days_overdue": ("0", "100", "25"),
        "overdue_share": ("0", "100", "20"),
        "credit_use": ("20", "100", "10"),
        "doubtful_share": ("0", "100", "15"),
        "relationship": ("4", "75", "100"),
    },
    "E2": {
        "recency_days": ("176", "31.33", "37.5"),
        "invoices_12m": ("2", "30", "37.5"),
        "sales_growth": (None, None, "0"),
        "cooperation": ("2", "25", "25"),
        "sales_percentile": ("66.67", "66.67", "50"),
        "capital": ("2000000", "43.33", "25"),
        "years_in_business": ("4", "45.71", "25"),
        "paid_on_time": ("0", "0", "30"),
        "days_overdue": ("74.33", "13.06", "25"),
        "overdue_share": ("100", "0", "20"),
        "credit_use": ("20", "100", "10"),
        "doubtful_share": ("0", "100", "15"),
        "relationship": (None, None, "0"),
    },
    "E3": {
        "recency_days": (None, None, "0"),
        "invoices_12m": ("0", "0", "100"),
        "sales_percentile": ("0", "0", "100"),
        "capital": (None, None, "0"),
        "paid_on_time": (None, None, "0"),
    },
    "E4": {
        "recency_days": ("576", "0", "37.5"),
        "invoices_12m": ("0", "0", "37.5"),
        "sales_growth": ("-100", "0", "25"),
        "sales_percentile": ("0", "0", "66.67"),
        "capital": ("500000", "20", "33.33"),
        "years_in_business": (None, None, "0"),
        "paid_on_time": ("0", "0", "33.33"),
        "days_overdue": ("20", "63.33", "27.78"),
        "overdue_share": ("0", "100", "22.22"),
        "credit_use": (None, None, "0"),
        "doubtful_share": ("0", "100", "16.67"),
    },
}
# customer -> (activity, capability, reputation, relations, total, grade, ABC, R, F, M, RFM)
CUSTOMERS = {
    "E1": ("80", "86.33", "100", "75", "86.58", "A", "A", 3, 3, 3, "promising"),
    "E2": ("29.25", "55.60", "28.27", None, "37.12", "D", "A", 1, 1, 1, "hibernating"),
    "E3": ("0", "0", None, None, "0", "D", "C", None, None, None, "inactive"),
    "E4": ("0", "6.67", "56.48", None, "23.26", "D", "C", None, None, None, "inactive"),
}


def _dec(text):
    return None if text is None else Decimal(text)


@pytest.fixture
def run():
    example_build()
    return evaluation_run(actor=None, as_of=AS_OF)


def test_every_indicator_of_the_worked_example(run):
    found = {
        (result.customer.code, row.indicator.key): (row.raw_value, row.score, row.weight)
        for result in CustomerEvaluation.objects.filter(run=run).select_related("customer")
        for row in indicator_results(result)
    }
    for code, indicators in INDICATORS.items():
        for key, (raw, score, weight) in indicators.items():
            assert found[(code, key)] == (_dec(raw), _dec(score), _dec(weight)), (code, key)


def test_dimensions_totals_grades_abc_and_rfm_of_the_worked_example(run):
    assert run.customer_count == 4
    for result in CustomerEvaluation.objects.filter(run=run).select_related("customer"):
        expected = CUSTOMERS[result.customer.code]
        assert (
            result.activity,
            result.capability,
            result.reputation,
            result.relations,
            result.total,
        ) == tuple(_dec(v) for v in expected[:5]), result.customer.code
        assert (
            result.grade,
            result.abc_class,
            result.rfm_r,
            result.rfm_f,
            result.rfm_m,
            result.rfm_segment,
        ) == expected[5:], result.customer.code


def test_the_late_payer_scores_lower_on_credit_reputation(run):
    scores = dict(
        CustomerEvaluation.objects.filter(run=run).values_list("customer__code", "reputation")
    )
    assert scores["E2"] < scores["E1"]


def test_the_suggested_terms_of_the_worked_example(run):
    found = {item.code: item for item in strategy_preview(actor=None, run=run)}
    # E1 (A): 80,000 / 12 × (60 / 30) × 1.5 = 20,000.00
    assert found["E1"].suggested == {
        "credit_limit": Decimal("20000.00"),
        "credit_days": 60,
        "discount_rate": Decimal("5.00"),
    }
    # E2 (D): cash only
    assert found["E2"].suggested["credit_limit"] == Decimal("0.00")
    assert found["E2"].changes["credit_limit"] == (Decimal("50000.00"), Decimal("0.00"))
