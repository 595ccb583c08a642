"""GET /api/v1/audit/events: the trail for those allowed to read it, filtered and paged."""

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from kehu.audit.context import audit_context
from kehu.customers.services import customer_child_create
from kehu.masterdata.models import Industry
from kehu.masterdata.services import coded_item_create
from tests import factories

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events"


@pytest.fixture
def history(classes, admin_user):
    """Customer A with a contact (by admin, operation op-1), customer B, an industry."""
    with audit_context(actor=admin_user, operation_id="op-1"):
        a = factories.customer(code="A1")
        customer_child_create("contacts", actor=admin_user, customer=a, data={"name": "张三"})
    b = factories.customer(code="B1")
    coded_item_create(Industry, actor=None, data={"code": "I1", "name": "制造业"})
    return a, b


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_events_of_a_customer_and_its_records(api, history):
    a, _b = history

    rows = results(api.get(f"{EVENTS}?customer={a.pk}"))

    assert [(r["action"], r["model"]) for r in rows] == [
        ("create", "customers.contact"),
        ("create", "customers.customer"),
    ]
    assert rows[1]["object_repr"] == str(a)
    assert rows[1]["changes"]["code"] == [None, "A1"]
    assert rows[1]["actor_name"] == "admin" and rows[1]["operation_id"] == "op-1"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("model=masterdata.industry", {"I1"}),
        ("actor=admin&model=customers.customer", {"A1"}),
        ("operation_id=op-1", {"A1", "张三"}),
        ("action=delete", set()),
    ],
)
def test_filters(api, history, query, expected):
    rows = results(api.get(f"{EVENTS}?{query}&page_size=500"))

    # A record by the first word of its name: a code, or a contact's name.
    assert {r["object_repr"].split(" ")[0] for r in rows} == expected


def test_filter_by_object_and_request_id(api, classes):
    response = api.post("/api/v1/customers", {"code": "K1", "name": "甲公司", "class_code": "0101"})
    customer_id = response.json()["id"]

    by_request = results(api.get(f"{EVENTS}?request_id={response['X-Request-ID']}"))
    by_object = results(api.get(f"{EVENTS}?model=customers.customer&object_id={customer_id}"))

    assert [r["object_id"] for r in by_request] == [str(customer_id)]
    assert by_object == by_request


def test_filter_by_time(api, history):
    now = timezone.now()
    later = (now + datetime.timedelta(hours=1)).isoformat()
    earlier = (now - datetime.timedelta(hours=1)).isoformat()

    def find(**params):
        return results(api.get(f"{EVENTS}?{urlencode(params)}"))

    assert find(**{"from": later}) == []
    assert len(find(**{"from": earlier, "to": later, "customer": history[0].pk})) == 2
    assert find(to=earlier, customer=history[0].pk) == []
    # A time without a zone is the installation's local time.
    local = timezone.localtime(now - datetime.timedelta(hours=1)).replace(tzinfo=None)
    assert len(find(**{"from": local.isoformat(), "customer": history[0].pk})) == 2


def test_paging(api, history):
    page = api.get(f"{EVENTS}?page=2&page_size=1&customer={history[0].pk}").json()

    assert (page["count"], page["page"], page["page_size"]) == (2, 2, 1)
    assert page["results"][0]["model"] == "customers.customer"


@pytest.mark.parametrize(
    "query",
    [
        "model=customers",
        "action=explode",
        "from=yesterday",
        "to=0001-01-01T00:00:00",
        "customer=0",
        "page_size=501",
    ],
)
def test_bad_filters_are_field_errors(api, query):
    response = api.get(f"{EVENTS}?{query}")

    assert response.status_code == 422
    field = query.split("=")[0]
    assert list(response.json()["errors"]) == [field]


def test_the_model_filter_says_what_it_expects(api):
    response = api.get(f"{EVENTS}?model=short+name")

    assert response.json()["errors"] == {
        "model": ["Give the kind of record as app_label.model, e.g. customers.contact."]
    }


def test_any_time_zone_offset_is_accepted(api, history):
    # PostgreSQL refuses offsets beyond ±15:59; the filter converts to UTC first.
    response = api.get(f"{EVENTS}?{urlencode({'from': '2000-01-12T06:13:32+23:47'})}")

    assert response.status_code == 200
    assert response.json()["count"] > 0


@pytest.mark.parametrize("role", ["auditor", "sales manager"])
def test_auditors_and_sales_managers_may_read_the_trail(api_as, history, role):
    assert results(api_as(role).get(f"{EVENTS}?customer={history[0].pk}"))


@pytest.mark.parametrize("roles", [(), ("salesperson",), ("credit controller",)])
def test_others_are_refused(api_as, history, roles):
    response = api_as(*roles).get(EVENTS)

    assert response.status_code == 403
    assert "audit.view_auditevent" in response.json()["message"]


def test_anonymous_callers_are_refused(anonymous_api):
    assert anonymous_api.get(EVENTS).status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_there_is_no_write_operation(api, history, method):
    response = getattr(api, method)(EVENTS)

    assert response.status_code == 405
