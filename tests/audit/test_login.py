"""Logins, failed logins and logouts are recorded; repeated failures lock the name and address
(SPEC §9, issue 4.6)."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from kehu import settings as kehu_settings
from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username, password, ip="10.0.0.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def error_text(response) -> str:
    match = re.search(
        r'<div class="errors" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_login_and_a_logout_are_recorded(client, admin_user):
    response = log_in(client, "admin", ADMIN_PASSWORD)
    assert response.status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.5")

    login, logout = AuditEvent.objects.filter(action__in=["login", "logout"]).order_by("id")
    assert (login.action, login.actor, login.actor_name, login.ip) == (
        "login",
        admin_user,
        "admin",
        "10.0.0.5",
    )
    assert login.request_id == response["X-Request-ID"]
    assert (logout.action, logout.actor) == ("logout", admin_user)


def test_a_failed_login_records_the_name_tried_and_the_address(client, admin_user):
    log_in(client, "admin", "wrong", ip="10.0.0.7")
    log_in(client, "nobody", "whatever", ip="10.0.0.7")

    failures = AuditEvent.objects.filter(action="login_failed").order_by("id")
    assert [(e.actor, e.actor_name, e.ip) for e in failures] == [
        (None, "admin", "10.0.0.7"),
        (None, "nobody", "10.0.0.7"),
    ]
    assert "wrong" not in str([e.changes for e in failures])


def test_five_failures_lock_the_name_and_address(client, admin_user):
    for _ in range(5):
        log_in(client, "admin", "wrong")
    unknown = log_in(client, "nobody", "whatever")

    refused = log_in(client, "admin", ADMIN_PASSWORD)

    assert refused.status_code == 200
    assert not logged_in(client)
    # The same answer as for a name that does not exist: the lock reveals nothing.
    assert error_text(refused) == error_text(unknown) != ""
    assert AuditEvent.objects.filter(action="login_failed", actor_name="admin").count() == 6
    assert not AuditEvent.objects.filter(action="login").exists()


def test_a_locked_pair_is_refused_before_the_password_is_checked(client, admin_user, monkeypatch):
    for _ in range(5):
        log_in(client, "admin", "wrong")
    checked = []
    monkeypatch.setattr(
        "django.contrib.auth.forms.authenticate", lambda *a, **kw: checked.append(1)
    )

    log_in(client, "admin", ADMIN_PASSWORD)

    assert checked == []


def test_the_lock_is_per_name_and_address(client, admin_user):
    for _ in range(5):
        log_in(client, "admin", "wrong", ip="10.0.0.5")

    log_in(client, "admin", ADMIN_PASSWORD, ip="10.0.0.6")

    assert logged_in(client)


def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, admin_user):
    for _ in range(4):
        log_in(client, "admin", "wrong")
    log_in(client, "admin", ADMIN_PASSWORD)
    assert logged_in(client)
    client.logout()

    for _ in range(4):
        log_in(client, "admin", "wrong")
    log_in(client, "admin", ADMIN_PASSWORD)

    assert logged_in(client)


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(client, admin_user, monkeypatch):
    for _ in range(6):
        log_in(client, "admin", "wrong")
    now = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=14))
    log_in(client, "admin", ADMIN_PASSWORD)
    assert not logged_in(client)
    last_refusal = AuditEvent.objects.filter(action="login_failed").latest("at", "id").at

    # 15 minutes after the refused attempt (itself a failure), the pair may try again.
    monkeypatch.setattr(
        timezone, "now", lambda: last_refusal + datetime.timedelta(minutes=15, seconds=1)
    )
    log_in(client, "admin", ADMIN_PASSWORD)
    assert logged_in(client)


def test_the_admin_login_is_locked_too(client, admin_user):
    for _ in range(5):
        log_in(client, "admin", "wrong")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": ADMIN_PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.5",
    )

    assert response.status_code == 200
    assert not logged_in(client)


def test_a_new_password_is_stored_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = kehu_settings.PASSWORD_HASHERS  # the product's, not the tests'

    user = user_create(username="li", password="Kehu-user-2026")

    stored = get_user_model().objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert user.check_password("Kehu-user-2026")
