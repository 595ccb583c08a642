"""The evaluation API: scorecards, runs, results, ratings and the suggested credit terms."""

import copy
import datetime

import pytest
from django.test import Client

from kehu.accounts.services import token_create, user_create
from kehu.audit.models import AuditEvent
from kehu.customers.models import Customer
from kehu.evaluation.defaults import DEFAULT_SCORECARD
from kehu.evaluation.models import EvaluationRun, ManualRating, ScorecardVersion
from kehu.evaluation.services import evaluation_run, scorecard_default
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from tests.conftest import ApiClient
from tests.evaluation.example import example_build
from tests.factories import customer

pytestmark = pytest.mark.django_db


def _as(role: str, username: str) -> tuple:
    user = user_create(username=username, password="Kehu-test-2026", roles=[role])
    return user, ApiClient(Client(), token_create(user=user, name="t")[1])


def _body():
    data = copy.deepcopy(DEFAULT_SCORECARD)
    for band in data["grades"]:
        band["strategy"]["limit_coefficient"] = str(band["strategy"]["limit_coefficient"])
    return data


def test_scorecards_read_and_a_new_version(api):
    card = scorecard_default()
    listed = api.get("/api/v1/scorecards").json()
    assert listed == [
        {"id": card.pk, "code": "default", "name": "默认评分卡", "is_default": True, "version": 1}
    ]
    detail = api.get(f"/api/v1/scorecards/{card.pk}").json()
    assert [d["key"] for d in detail["dimensions"]] == [
        "activity",
        "capability",
        "reputation",
        "relations",
    ]
    body = _body()
    body["note"] = "更重视信誉"
    body["dimensions"][2]["weight"] = 40
    body["dimensions"][3]["weight"] = 10
    response = api.post(f"/api/v1/scorecards/{card.pk}/versions", body)
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2
    assert response.json()["dimensions"][2]["weight"] == "40.00"


def test_weights_that_do_not_add_up_are_a_422_with_the_field(api):
    card = scorecard_default()
    body = _body()
    body["dimensions"][1]["indicators"][0]["weight"] = 50
    response = api.post(f"/api/v1/scorecards/{card.pk}/versions", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "dimensions.1.indicators": ["The weights of the indicators add up to 110, not 100."]
    }
    assert ScorecardVersion.objects.count() == 1


def test_a_salesperson_may_not_edit_a_scorecard():
    _user, client = _as("salesperson", "xiaoli")
    card = scorecard_default()
    response = client.post(f"/api/v1/scorecards/{card.pk}/versions", _body())
    assert response.status_code == 403
    assert ScorecardVersion.objects.count() == 1


def test_run_create_list_and_results(api):
    example_build()
    response = api.post("/api/v1/evaluation-runs", {"as_of": "2026-06-30"})
    assert response.status_code == 201, response.json()
    run = response.json()
    assert (run["as_of"], run["status"], run["customer_count"], run["version"]) == (
        "2026-06-30",
        "succeeded",
        4,
        1,
    )
    assert api.get("/api/v1/evaluation-runs").json()["count"] == 1
    results = api.get(f"/api/v1/evaluation-runs/{run['id']}/results?grade=A").json()
    assert [(r["customer_code"], r["total"], r["abc_class"]) for r in results["results"]] == [
        ("E1", "86.58", "A")
    ]
    detail = api.get(f"/api/v1/evaluation-runs/{run['id']}/results/E2").json()
    row = next(i for i in detail["indicators"] if i["key"] == "days_overdue")
    assert row == {
        "dimension": "reputation",
        "key": "days_overdue",
        "name": "平均逾期天数 (按金额加权)",
        "raw_value": "74.330000",
        "score": "13.06",
        "weight": "25.00",
        "explanation": "average days overdue, amount-weighted: 74.33 → 13.06",
    }


def test_a_bad_date_and_a_foreign_saved_query_are_422(api):
    assert api.post("/api/v1/evaluation-runs", {"as_of": "2026-02-30"}).status_code == 422
    response = api.post("/api/v1/evaluation-runs", {"query": 999999})
    assert response.status_code == 422
    assert response.json()["errors"] == {"query": ["There is no such saved query."]}
    assert not EvaluationRun.objects.exists()


def _salesperson_world():
    example_build()
    coded_item_create(md.Department, actor=None, data={"code": "D1", "name": "一部"})
    user, client = _as("salesperson", "xiaowang")
    coded_item_create(
        md.Salesperson,
        actor=None,
        data={"code": "S1", "name": "小王", "department": "D1", "user": "xiaowang"},
    )
    customer(code="MINE", name="我的客户有限公司", salesperson="S1")
    return user, client


def test_results_and_ratings_follow_the_data_scope(api):
    _user, client = _salesperson_world()
    run = api.post("/api/v1/evaluation-runs", {"as_of": "2026-06-30"}).json()
    listed = client.get(f"/api/v1/evaluation-runs/{run['id']}/results").json()
    assert [r["customer_code"] for r in listed["results"]] == ["MINE"]
    assert client.get(f"/api/v1/evaluation-runs/{run['id']}/results/E1").status_code == 404
    refused = client.post(
        "/api/v1/evaluation-ratings",
        {"customer_code": "E1", "indicator": "cooperation", "rating": 5},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"customer_code": ["There is no such customer."]}
    listed = client.get("/api/v1/evaluation-ratings").json()
    assert listed["count"] == 0  # the example's ratings are of other salespeople's customers


def test_a_salesperson_rates_their_customer(api):
    _user, client = _salesperson_world()
    response = client.post(
        "/api/v1/evaluation-ratings",
        {
            "customer_code": "MINE",
            "indicator": "cooperation",
            "rating": 4,
            "comment": "配合度高",
            "rated_on": "2026-06-01",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rating"], body["rated_by"], body["comment"]) == (4, "xiaowang", "配合度高")
    bad = client.post(
        "/api/v1/evaluation-ratings",
        {"customer_code": "MINE", "indicator": "recency_days", "rating": 6},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"indicator", "rating"}
    assert ManualRating.objects.filter(customer__code="MINE").count() == 1


def test_strategy_preview_changes_nothing_and_apply_changes_through_the_customer_service(api):
    example_build()
    run = api.post("/api/v1/evaluation-runs", {"as_of": "2026-06-30"}).json()
    before = Customer.objects.get(code="E1")
    preview = api.post(
        f"/api/v1/evaluation-runs/{run['id']}/strategy-preview", {"customers": ["E1"]}
    )
    assert preview.status_code == 200
    assert preview.json() == [
        {
            "customer_code": "E1",
            "customer_name": "甲按期付款有限公司",
            "grade": "A",
            "total": "86.58",
            "current": {
                "credit_grade": None,
                "credit_limit": "100000.00",
                "credit_days": None,
                "discount_rate": None,
            },
            "suggested": {
                "credit_grade": None,
                "credit_limit": "20000.00",
                "credit_days": 60,
                "discount_rate": "5.00",
            },
            "changes": ["credit_days", "credit_limit", "discount_rate"],
        }
    ]
    assert Customer.objects.get(code="E1").version == before.version
    applied = api.post(f"/api/v1/evaluation-runs/{run['id']}/strategy-apply", {"customers": ["E1"]})
    assert applied.status_code == 200, applied.json()
    assert applied.json()["changed"] == ["E1"]
    after = Customer.objects.get(code="E1")
    assert (str(after.credit_limit), after.credit_days, str(after.discount_rate)) == (
        "20000.00",
        60,
        "5.00",
    )
    assert after.version == before.version + 1
    event = AuditEvent.objects.filter(customer_id=after.pk, action="update").latest("pk")
    assert event.operation_id == applied.json()["operation_id"]
    assert event.changes["credit_limit"] == ["100000.00", "20000.00"]
    # E2 was not selected: unchanged.
    assert Customer.objects.get(code="E2").credit_limit == 50000


def test_a_sales_manager_may_preview_but_not_apply():
    example_build()
    _user, client = _as("sales manager", "jingli")
    run = evaluation_run(actor=None, as_of=datetime.date(2026, 6, 30))
    assert client.post(f"/api/v1/evaluation-runs/{run.pk}/strategy-preview", {}).status_code == 200
    response = client.post(f"/api/v1/evaluation-runs/{run.pk}/strategy-apply", {})
    assert response.status_code == 403
