"""Qualification documents due for renewal through the API: ``GET /documents/expiring`` and
each document's ``expiry_status`` in the customer's detail and its document endpoints."""

import datetime

import pytest
from django.utils import timezone

from kehu.accounts.services import token_create, user_create
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories
from tests.api.asserts import assert_error
from tests.conftest import ApiClient

EXPIRING = "/api/v1/documents/expiring"


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def archive(classes):
    for code in ("S1", "S2"):
        coded_item_create(Salesperson, actor=None, data={"code": code, "name": f"业务员{code}"})
    mine = factories.customer(
        code="A1",
        name="甲公司",
        salesperson="S1",
        documents=[
            {"kind": "business_licence", "number": "WARN", "valid_to": days(30), "warn_days": 30},
            {"kind": "business_licence", "number": "LATER", "valid_to": days(31), "warn_days": 30},
            {"kind": "operating_permit", "number": "GONE", "valid_to": days(-2)},
            {"kind": "other", "number": "NO-END"},
        ],
    )
    theirs = factories.customer(
        code="B1",
        name="乙公司",
        salesperson="S2",
        documents=[{"kind": "other", "number": "THEIRS", "valid_to": days(1)}],
    )
    return {"mine": mine, "theirs": theirs}


def test_the_list_gives_each_document_with_its_customer_soonest_first(api, archive):
    response = api.get(EXPIRING)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["page"] == 1 and body["page_size"] == 50
    assert [(d["number"], d["expiry_status"], d["days_left"]) for d in body["results"]] == [
        ("GONE", "expired", -2),
        ("THEIRS", "expiring", 1),
        ("WARN", "expiring", 30),
    ]
    first = body["results"][0]
    assert first["customer"] == {"id": archive["mine"].pk, "code": "A1", "name": "甲公司"}
    assert first["kind"] == "operating_permit" and first["valid_to"] == days(-2)
    assert first["warn_days"] == 30


def test_the_status_filter_and_pagination(api, archive):
    expired = api.get(f"{EXPIRING}?status=expired").json()
    expiring = api.get(f"{EXPIRING}?status=expiring&page_size=1&page=2").json()

    assert [d["number"] for d in expired["results"]] == ["GONE"]
    assert expiring["count"] == 2
    assert [d["number"] for d in expiring["results"]] == ["WARN"]
    assert_error(api.get(f"{EXPIRING}?status=soon"), 422, "validation_error", "status")


def test_documents_of_customers_outside_the_scope_are_absent(client, archive):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S1").update(user=user)
    client = ApiClient(client, token_create(user=user, name="tests")[1])

    numbers = [d["number"] for d in client.get(EXPIRING).json()["results"]]

    assert numbers == ["GONE", "WARN"]


def test_the_customer_and_its_documents_say_how_each_document_stands(api, archive):
    url = f"/api/v1/customers/{archive['mine'].pk}"

    detail = api.get(url).json()
    listed = api.get(f"{url}/documents").json()["results"]
    created = api.post(f"{url}/documents", {"kind": "other", "valid_to": days(-1)})

    statuses = {d["number"]: d["expiry_status"] for d in detail["documents"]}
    assert statuses == {
        "WARN": "expiring",
        "LATER": "valid",
        "GONE": "expired",
        "NO-END": "no_expiry",
    }
    assert {d["number"]: d["expiry_status"] for d in listed} == statuses
    assert created.status_code == 201 and created.json()["expiry_status"] == "expired"
    changed = api.patch(f"{url}/documents/{created.json()['id']}", {"valid_to": days(400)})
    assert changed.json()["expiry_status"] == "valid"
