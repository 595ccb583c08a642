"""Every form is protected against cross-site request forgery, the login form included."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db
TEMPLATES = sorted(Path(settings.BASE_DIR).glob("*/templates/**/*.html"))
FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
SAMPLE = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x/y",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def post_forms(text: str) -> list[str]:
    return [
        m["body"] for m in FORM.finditer(text) if re.search(r"method=\"post\"", m["attrs"], re.I)
    ]


def routes(patterns=None, prefix=""):
    """Every URL of the site with sample values for its parameters (the admin and the API,
    which are protected in their own ways, apart)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue
        route = prefix + str(entry.pattern)
        if route.startswith(("admin/", "api/")):
            continue
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m[1] or "str"], route)


@pytest.fixture
def guarded():
    """A browser that does what a forged cross-site form does: post without the token."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_every_post_form_in_the_templates_carries_the_token(template):
    for body in post_forms(template.read_text()):
        assert "{% csrf_token %}" in body


def test_the_templates_have_post_forms_to_check():
    assert sum(len(post_forms(t.read_text())) for t in TEMPLATES) >= 8


def test_the_login_refuses_a_post_without_the_token(guarded, admin_user):
    response = guarded.post("/accounts/login/", {"username": "admin", "password": ADMIN_PASSWORD})

    assert response.status_code == 403
    assert not get_user(guarded).is_authenticated


def test_the_login_takes_a_post_with_the_token(guarded, admin_user):
    guarded.get("/accounts/login/")
    token = guarded.cookies[settings.CSRF_COOKIE_NAME].value

    response = guarded.post(
        "/accounts/login/",
        {"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert get_user(guarded).is_authenticated


def test_every_url_refuses_a_post_without_the_token(guarded, admin_user):
    guarded.force_login(admin_user)
    urls = sorted(set(routes()))
    assert {"/accounts/login/", "/accounts/logout/", "/i18n/setlang/"} <= set(urls)

    accepted = {url: guarded.post(url, {}).status_code for url in urls}

    assert {url: status for url, status in accepted.items() if status != 403} == {}
    assert get_user(guarded).is_authenticated  # the logout was refused too


def test_the_admin_login_refuses_a_post_without_the_token(guarded, admin_user):
    response = guarded.post("/admin/login/", {"username": "admin", "password": ADMIN_PASSWORD})

    assert response.status_code == 403


def test_an_api_write_in_a_browser_session_needs_the_token(guarded, admin_user):
    guarded.force_login(admin_user)

    response = guarded.post(
        "/api/v1/classes", {"code": "01", "name": "分类"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["message"] == "CSRF check failed: reload the page and try again."
