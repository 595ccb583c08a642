"""Every request has an id: answered in X-Request-ID and stored on the events it causes."""

import pytest

from kehu.audit.models import AuditEvent
from kehu.customers.models import Customer
from kehu.masterdata.models import CustomerClass
from tests.audit.conftest import last_event

pytestmark = pytest.mark.django_db


def test_an_api_write_records_its_request_id_user_and_address(api, admin_user, classes):
    response = api.post("/api/v1/customers", {"code": "K1", "name": "甲公司", "class_code": "0101"})

    assert response.status_code == 201
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    event = last_event(Customer.objects.get(code="K1"), "create")
    assert event.request_id == request_id
    assert (event.actor, event.actor_name, event.ip) == (admin_user, "admin", "127.0.0.1")


def test_a_web_form_post_records_its_request_id(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/masterdata/trees/classes/",
        {"code": "01", "name": "批发"},
        headers={"X-Request-ID": "proxy-4711.a"},
    )

    assert response.status_code == 302
    assert response["X-Request-ID"] == "proxy-4711.a"
    event = last_event(CustomerClass.objects.get(code="01"), "create")
    assert event.request_id == "proxy-4711.a"
    assert event.actor == admin_user
    assert event.changes["name"] == [None, "批发"]


@pytest.mark.parametrize("incoming", ["", "x" * 65, "a b", "<script>", "id\nforged"])
def test_an_unusable_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/accounts/login/", headers={"X-Request-ID": incoming})

    assert response.status_code == 200
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_each_request_gets_its_own_id(anonymous_api):
    first = anonymous_api.get("/api/v1/customers")["X-Request-ID"]
    second = anonymous_api.get("/api/v1/customers")["X-Request-ID"]

    assert first != second


def test_reads_record_nothing(api, classes):
    api.post("/api/v1/customers", {"code": "K1", "name": "甲公司", "class_code": "0101"})
    before = AuditEvent.objects.count()

    api.get("/api/v1/customers")
    api.get("/api/v1/customers/by-code/K1")

    assert AuditEvent.objects.count() == before


class _Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_without_trusted_proxies_the_address_is_the_connections(settings):
    from kehu.audit.context import client_ip

    settings.KEHU_TRUSTED_PROXIES = 0
    assert client_ip(_Request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"


def test_behind_one_proxy_the_address_is_the_one_it_appended(settings):
    from kehu.audit.context import client_ip

    settings.KEHU_TRUSTED_PROXIES = 1
    # The client forged "6.6.6.6"; the proxy appended the address it really saw.
    assert client_ip(_Request("10.0.0.5", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    settings.KEHU_TRUSTED_PROXIES = 2
    assert client_ip(_Request("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.7")) == "203.0.113.9"
    assert client_ip(_Request("10.0.0.5", "")) is None
    assert client_ip(_Request("10.0.0.5", "not-an-address, 10.0.0.7")) is None
