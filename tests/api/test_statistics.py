"""GET /api/v1/customers/statistics: the list endpoint's customers, counted and summed."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest

from kehu.accounts.services import token_create
from tests.conftest import ApiClient
from tests.customers.test_statistics import build_world, expected_groups

URL = "/api/v1/customers/statistics"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def boss(client, world):
    _token, raw = token_create(user=world["admin"], name="tests")
    return ApiClient(client, raw)


def list_codes(api, **params) -> list[str]:
    response = api.get(f"/api/v1/customers?{urlencode({**params, 'page_size': 100})}")
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def statistics(api, **params) -> dict:
    response = api.get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 200, response.json()
    return response.json()


def as_groups(body: dict) -> dict:
    return {
        g["code"]: (g["count"], Decimal(g["credit_limit"]), Decimal(g["receivable_balance"]))
        for g in body["groups"]
    }


@pytest.mark.parametrize(
    ("conditions", "group_by"),
    [
        ({}, "class"),
        ({}, "salesperson"),
        ({"class_code": "01"}, "region"),
        ({"q": "西湖"}, "credit_grade"),
        ({"status": "deactivated"}, "status"),
        ({"region_code": "31", "credit_grade": "A"}, "department"),
        ({"salesperson": "S1", "ordering": "-credit_limit"}, "industry"),
    ],
)
def test_counts_and_sums_equal_the_list_with_the_same_conditions(boss, conditions, group_by):
    codes = list_codes(boss, **conditions)
    assert codes

    body = statistics(boss, group_by=group_by, **conditions)

    assert as_groups(body) == expected_groups(codes, group_by)
    assert body["total"]["count"] == len(codes)


def test_groups_total_and_not_set(boss):
    body = statistics(boss, group_by="salesperson")

    assert [(g["code"], g["name"], g["count"], g["share"]) for g in body["groups"]] == [
        ("S1", "王五", 3, "50.0"),
        ("S2", "赵六", 2, "33.3"),
        (None, "Not set", 1, "16.7"),
    ]
    assert body["total"] == {
        "code": None,
        "name": "Total",
        "count": 6,
        "credit_limit": "2005.50",
        "receivable_balance": "261.25",
        "share": "100.0",
    }
    assert (body["group_by"], body["level"]) == ("salesperson", None)


def test_level_rolls_the_tree_up(boss):
    body = statistics(boss, group_by="class", level=1, status="active")

    assert [(g["code"], g["name"], g["count"]) for g in body["groups"]] == [
        ("01", "分类01", 4),
        ("02", "分类02", 1),
    ]
    assert body["level"] == 1


def test_a_salesperson_counts_only_their_customers(client, world):
    _token, raw = token_create(user=world["seller"], name="tests")
    seller = ApiClient(client, raw)

    body = statistics(seller, group_by="salesperson")

    assert as_groups(body) == expected_groups(["A1", "A2", "D1"], "salesperson")
    assert body["total"]["count"] == 3


def test_an_own_scope_made_by_api_as_sees_nothing_of_others(api_as, world):
    body = statistics(api_as("salesperson", scope="own"), group_by="class")

    assert body["groups"] == [] and body["total"]["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=colour", "group_by"),
        ("group_by=industry&level=1", "level"),
        ("group_by=region&level=9", "level"),
        ("group_by=class&level=0", "level"),
        ("group_by=class&status=maybe", "status"),
    ],
)
def test_bad_parameters_are_refused_with_422(boss, query, field):
    response = boss.get(f"{URL}?{query}")

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_statistics_is_not_taken_for_a_customer_id(boss):
    assert boss.get(URL).status_code == 200


def test_needs_the_view_permission(api_as, world, anonymous_api):
    assert api_as().get(f"{URL}?group_by=class").status_code == 403
    assert anonymous_api.get(f"{URL}?group_by=class").status_code == 401


def test_documented_in_openapi(boss):
    schema = boss.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/customers/statistics"]["get"]
    names = {p["name"] for p in operation["parameters"]}

    assert {"group_by", "level", "q", "class_code", "region_code", "status"} <= names
    assert "200" in operation["responses"] and "422" in operation["responses"]
