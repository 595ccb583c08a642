"""Optimistic concurrency through the API: ETag on reads, If-Match on changes, 412 and 428."""

import pytest

from kehu.customers.models import Customer
from kehu.customers.services import customer_update
from tests import factories
from tests.api.asserts import assert_error
from tests.http import etag_of, if_match

CUSTOMERS = "/api/v1/customers"


@pytest.fixture
def stored(classes):
    return factories.customer("0101", code="K1", phone="021-1")


def changed_meanwhile(customer, **data) -> Customer:
    """Another user's change between our read and our write."""
    return customer_update(actor=None, customer=customer, data=data)


def test_reads_and_writes_carry_the_version_as_a_strong_etag(api, stored):
    assert etag_of(api.get(f"{CUSTOMERS}/{stored.pk}")) == '"1"'
    assert etag_of(api.get(f"{CUSTOMERS}/by-code/K1")) == '"1"'

    changed = api.patch(f"{CUSTOMERS}/{stored.pk}", {"phone": "021-2"}, **if_match(stored))

    assert changed.status_code == 200, changed.json()
    assert etag_of(changed) == '"2"' and changed.json()["version"] == 2
    assert etag_of(api.get(f"{CUSTOMERS}/{stored.pk}")) == '"2"'
    created = api.post(CUSTOMERS, {"code": "K2", "name": "新客户", "class_code": "0101"})
    assert etag_of(created) == '"1"'


@pytest.mark.parametrize("header", [None, "*", ""])
def test_a_change_without_if_match_is_refused_with_428(api, stored, header):
    headers = {} if header is None else {"headers": {"If-Match": header}}

    response = api.patch(f"{CUSTOMERS}/{stored.pk}", {"phone": "021-2"}, **headers)

    assert_error(response, 428, "precondition_required", says="If-Match")
    after = Customer.objects.get(pk=stored.pk)
    assert after.phone == "021-1" and after.version == 1


def test_a_stale_change_is_refused_with_412_and_writes_nothing(api, stored):
    read = api.get(f"{CUSTOMERS}/{stored.pk}")
    changed_meanwhile(stored, phone="021-9")

    response = api.patch(f"{CUSTOMERS}/{stored.pk}", {"name": "我的新名称"}, **if_match(read))

    body = assert_error(response, 412, "stale", says="version 2")
    assert body["errors"] == {}
    assert etag_of(response) == '"2"'
    after = Customer.objects.get(pk=stored.pk)
    assert after.name == stored.name and after.phone == "021-9" and after.version == 2

    retried = api.patch(f"{CUSTOMERS}/{stored.pk}", {"name": "我的新名称"}, **if_match(response))
    assert retried.status_code == 200, retried.json()
    assert retried.json()["phone"] == "021-9" and retried.json()["name"] == "我的新名称"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ('W/"1"', 412),  # a weak tag never matches for a change
        ("1", 412),  # not an entity tag
        ('"abc"', 412),
        ('"7", "1"', 200),  # a list matches if it holds the current version
        ('"7", "8"', 412),
    ],
)
def test_if_match_values(api, stored, header, status):
    response = api.patch(
        f"{CUSTOMERS}/{stored.pk}", {"phone": "021-2"}, headers={"If-Match": header}
    )
    assert response.status_code == status, response.json()
    assert Customer.objects.get(pk=stored.pk).version == (2 if status == 200 else 1)


def test_deactivate_and_reactivate_take_an_optional_if_match(api, stored):
    url = f"{CUSTOMERS}/{stored.pk}"
    read = api.get(url)
    changed_meanwhile(stored, phone="021-9")

    stale = api.post(f"{url}/deactivate", {}, **if_match(read))
    assert_error(stale, 412, "stale")
    assert Customer.objects.get(pk=stored.pk).is_active

    deactivated = api.post(f"{url}/deactivate", {}, **if_match(stale))
    assert deactivated.status_code == 200, deactivated.json()
    assert etag_of(deactivated) == '"3"'
    reactivated = api.post(f"{url}/reactivate")  # without If-Match: the current version
    assert reactivated.status_code == 200 and reactivated.json()["is_active"] is True
    assert etag_of(reactivated) == '"4"'


def test_the_openapi_document_names_the_headers(api, db):
    document = api.get("/api/v1/openapi.json").json()
    patch = document["paths"]["/api/v1/customers/{id}"]["patch"]
    if_match_parameter = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match_parameter["in"] == "header" and if_match_parameter["required"] is True
    assert {"412", "428"} <= set(patch["responses"])
    get = document["paths"]["/api/v1/customers/{id}"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]
