"""The evaluation pages: runs, a run's dashboard, the scorecard's weights editor."""

import pytest
from django.test import Client

from kehu.accounts.services import user_create
from kehu.evaluation.models import EvaluationRun, ScorecardVersion
from kehu.evaluation.services import evaluation_run
from tests.evaluation.example import AS_OF, example_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_start_a_run_and_see_its_grade_distribution(browser):
    example_build()
    response = browser.post("/evaluation/", {"as_of": "2026-06-30"})
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evaluation/runs/{run.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert f"Evaluation run #{run.pk} as of 2026-06-30" in page
    assert "<title>A: 1</title>" in page and "<title>D: 3</title>" in page
    assert "甲按期付款有限公司" in page and "86.58" in page
    listing = browser.get("/evaluation/").content.decode()
    assert f'href="/evaluation/runs/{run.pk}/"' in listing


def test_a_bad_date_is_shown_next_to_the_form(browser):
    page = browser.post("/evaluation/", {"as_of": "30.06.2026"}).content.decode()
    assert "Enter a date as YYYY-MM-DD." in page
    assert not EvaluationRun.objects.exists()


def test_the_dashboard_shows_only_the_readers_customers(client):
    example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)
    seller = user_create(username="shenji", password="Kehu-test-2026", roles=["salesperson"])
    client.force_login(seller)
    page = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert "No customer of yours is in this run." in page
    assert "甲按期付款有限公司" not in page


def test_the_editor_refuses_weights_that_do_not_add_up_and_saves_a_new_version(browser):
    page = browser.get("/evaluation/scorecard/").content.decode()
    assert 'name="dimension-activity" value="25.00"' in page
    fields = {
        "dimension-activity": "30",
        "dimension-capability": "25",
        "dimension-reputation": "30",
        "dimension-relations": "20",
    }
    weights = {
        "recency_days": 30, "invoices_12m": 30, "sales_growth": 20, "cooperation": 20,
        "sales_percentile": 40, "capital": 20, "years_in_business": 20, "market_position": 20,
        "paid_on_time": 30, "days_overdue": 25, "overdue_share": 20, "credit_use": 10,
        "doubtful_share": 15, "industry_influence": 25, "relationship": 25,
        "public_reputation": 25, "referrals": 25,
    }  # fmt: skip
    fields.update({f"indicator-{key}": str(value) for key, value in weights.items()})
    page = browser.post("/evaluation/scorecard/", fields).content.decode()
    assert "The weights of the dimensions add up to 105, not 100." in page
    assert ScorecardVersion.objects.count() == 1
    fields["dimension-relations"] = "15"
    response = browser.post("/evaluation/scorecard/", fields)
    assert response.status_code == 302
    assert ScorecardVersion.objects.count() == 2
    page = browser.get(response["Location"]).content.decode()
    assert "Version 2 saved." in page and 'name="dimension-relations" value="15.00"' in page
