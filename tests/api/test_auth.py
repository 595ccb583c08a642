"""Authentication, permissions, the OpenAPI document and /me."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from kehu.accounts.models import ApiToken
from kehu.accounts.services import token_create, token_revoke
from tests.api.asserts import assert_error
from tests.conftest import ApiClient

CUSTOMERS = "/api/v1/customers"


def test_no_token_is_401(anonymous_api, db):
    body = assert_error(anonymous_api.get(CUSTOMERS), 401, "not_authenticated", says="Bearer")
    assert body["errors"] == {}


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer kehu_wrong", "Token abc", "Basic YWRtaW46YWRtaW4=", "Bearer"],
)
def test_bad_credentials_are_401(client, db, header):
    api = ApiClient(client, None)
    response = api.get(CUSTOMERS, headers={"Authorization": header})
    assert_error(response, 401, "not_authenticated")


def test_revoked_token_is_401(client, admin_user):
    token, raw = token_create(user=admin_user)
    api = ApiClient(client, raw)
    assert api.get(CUSTOMERS).status_code == 200

    token_revoke(token=token)

    assert_error(api.get(CUSTOMERS), 401, "not_authenticated")


def test_expired_token_is_401(client, admin_user):
    _token, raw = token_create(
        user=admin_user, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert_error(ApiClient(client, raw).get(CUSTOMERS), 401, "not_authenticated")


def test_token_of_inactive_user_is_401(client, admin_user):
    _token, raw = token_create(user=admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert_error(ApiClient(client, raw).get(CUSTOMERS), 401, "not_authenticated")


def test_token_use_is_recorded(api, admin_user):
    api.get(CUSTOMERS)
    assert ApiToken.objects.get(user=admin_user).last_used_at is not None


def test_user_without_permission_is_403(api_as):
    api = api_as()  # no role
    body = assert_error(api.get(CUSTOMERS), 403, "permission_denied")
    assert "customers.view_customer" in body["message"]


def test_permission_is_checked_before_the_body(api_as):
    """A caller without the right learns nothing about the input rules."""
    api = api_as("auditor")
    response = api.post(CUSTOMERS, {"nonsense": True})
    body = assert_error(response, 403, "permission_denied")
    assert "customers.add_customer" in body["message"]


def test_auditor_reads_but_does_not_write(api_as, classes):
    api = api_as("auditor")
    assert api.get("/api/v1/classes").status_code == 200
    response = api.post("/api/v1/classes", {"code": "03", "name": "新分类"})
    assert_error(response, 403, "permission_denied")


def test_salesperson_creates_customers_but_does_not_delete_them(api_as, classes):
    api = api_as("salesperson")
    created = api.post(CUSTOMERS, {"code": "S1", "name": "甲公司", "class_code": "0101"})
    assert created.status_code == 201, created.json()

    response = api.delete(f"{CUSTOMERS}/{created.json()['id']}")

    assert_error(response, 403, "permission_denied", says="customers.delete_customer")


def test_credit_controller_may_not_change_classes(api_as, classes):
    api = api_as("credit controller")
    response = api.patch(f"/api/v1/classes/{classes['02'].pk}", {"name": "改名"})
    assert_error(response, 403, "permission_denied", says="masterdata.change_customerclass")


def test_session_login_works_without_token(client, admin_user):
    client.force_login(admin_user)
    response = client.get(CUSTOMERS)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_session_write_needs_the_csrf_token(admin_user, classes):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    response = browser.post(
        "/api/v1/classes", {"code": "03", "name": "新分类"}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed", says="CSRF")


def test_openapi_document_is_public(anonymous_api, db):
    response = anonymous_api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Kehu API"
    assert "/api/v1/customers" in document["paths"]
    assert "TokenAuth" in document["components"]["securitySchemes"]


def test_docs_page_is_public_and_served_locally(anonymous_api, db):
    response = anonymous_api.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/openapi.json" in page
    assert "/static/ninja/swagger-ui" in page
    assert "cdn." not in page


def test_me(api_as):
    api = api_as("salesperson")
    response = api.get("/api/v1/me")
    assert response.status_code == 200
    me = response.json()
    assert me["roles"] == ["salesperson"]
    assert "customers.add_customer" in me["permissions"]
    assert "customers.delete_customer" not in me["permissions"]
    assert me["username"].startswith("user")


def test_me_needs_authentication(anonymous_api, db):
    assert_error(anonymous_api.get("/api/v1/me"), 401, "not_authenticated")
