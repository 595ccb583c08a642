"""Acceptance (issue 8): with the demo data, an evaluation run's grades are plausible —
customers who pay late score lower on credit reputation than those who pay on time.

The demo (``kehu demo``, ``kehu.demo.loader.demo_load``) writes two years of documents per
customer through the sales services, each customer paying by a seeded **payment habit**
(``kehu.demo.ledger``): ``prompt`` pays by the due date, ``late`` 5–60 days after it,
``very_late`` 45–200 days after it and leaves its last old invoices unpaid. The habit of a
customer is read back from the same seeded plan. A cash-only customer (credit limit 0) pays
on the invoice date whatever its habit, so it is left out of the comparison.
"""

import datetime
import statistics

import pytest

from kehu.customers.models import Customer
from kehu.demo import ledger
from kehu.demo.loader import demo_load
from kehu.evaluation.models import CustomerEvaluation
from kehu.evaluation.services import evaluation_run

TODAY = datetime.date(2026, 3, 15)
SEED = 7
CUSTOMERS = 40  # the demo's own generator and ledger; about 20 s on SQLite


@pytest.fixture
def demo_run(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_load(customers=CUSTOMERS, seed=SEED, reference_date=TODAY)
    run = evaluation_run(actor=None, as_of=TODAY)
    reputation = dict(
        CustomerEvaluation.objects.filter(run=run).values_list("customer_id", "reputation")
    )
    by_habit: dict[str, list] = {}
    for profile in ledger.profiles(Customer.objects.all()):
        # deactivated customers are not scored, those without documents have no reputation;
        # cash-only ones pay on the invoice date whatever their habit
        if reputation.get(profile.id) is None or profile.credit_limit == 0:
            continue
        habit = ledger.ledger_plan(profile, today=TODAY, seed=SEED).habit
        by_habit.setdefault(habit, []).append(reputation[profile.id])
    return by_habit


def test_late_payers_score_lower_on_credit_reputation_than_prompt_ones(demo_run):
    prompt, late, very_late = demo_run["prompt"], demo_run["late"], demo_run["very_late"]
    # enough customers of each habit for the comparison to mean something
    assert len(prompt) >= 8 and len(late) >= 5 and len(very_late) >= 2

    # everyone who pays on time has full marks on the payment indicators
    assert min(prompt) >= 90
    # the late payers score clearly lower on average, the very late lowest of all
    assert statistics.mean(prompt) - statistics.mean(late) >= 20
    assert statistics.mean(late) - statistics.mean(very_late) >= 20
    # customer by customer: every very late payer below every prompt one and every late one
    # on average; most late payers below every prompt one
    assert max(very_late) < min(prompt)
    assert sum(score < min(prompt) for score in late) >= 0.8 * len(late)
