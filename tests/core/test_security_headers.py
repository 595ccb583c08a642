"""Security headers on every response, and pages that keep to the Content-Security-Policy."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import ADMIN_PASSWORD
from tests.factories import class_tree, customer

pytestmark = pytest.mark.django_db
TEMPLATES = sorted(Path(settings.BASE_DIR).glob("*/templates/**/*.html"))
# A <script> with a body, an event handler attribute, a style attribute or element, a
# javascript: URL: everything 'self' alone refuses to run or apply.
INLINE = {
    "inline script": re.compile(r"<script\b[^>]*>\s*[^<\s]", re.I),
    "event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def assert_secure_headers(response, *, docs=False):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = {
        part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "script-src" not in policy  # scripts: 'self' only, never inline
    assert ("style-src" in policy) is docs


def inline_content(html: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(html)]


@pytest.fixture
def logged_in(client, admin_user):
    client.login(username="admin", password=ADMIN_PASSWORD)
    return client


def test_the_login_page_has_the_headers_and_no_inline_code(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert_secure_headers(response)
    assert inline_content(response.content.decode()) == []


def test_the_pages_of_a_logged_in_user_have_the_headers_and_no_inline_code(logged_in):
    class_tree("01", "0101")
    card = customer(contacts=[{"name": "张三"}])
    for path in (
        "/customers/",
        f"/customers/{card.pk}/edit/",
        "/customers/new/",
        "/masterdata/",
        "/masterdata/schemes/",
        "/masterdata/trees/classes/",
    ):
        response = logged_in.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)
        assert inline_content(response.content.decode()) == [], path


def test_api_responses_and_errors_have_the_headers(api, anonymous_api):
    assert_secure_headers(api.get("/api/v1/customers"))
    refused = anonymous_api.get("/api/v1/customers")
    assert refused.status_code == 401
    assert_secure_headers(refused)


def test_the_api_docs_page_loads_its_own_scripts_only(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    # Swagger UI sets styles inline; its scripts still come from Kehu's own origin only.
    assert_secure_headers(response, docs=True)
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    scripts = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', response.content.decode())
    assert scripts and all(src.startswith("/static/ninja/") for src in scripts)


def test_a_redirect_and_a_not_found_have_the_headers(client):
    assert_secure_headers(client.get("/customers/"))  # to the login page
    assert_secure_headers(client.get("/no/such/page/"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_code(template):
    assert inline_content(template.read_text()) == []


def test_the_templates_are_found():
    assert len(TEMPLATES) >= 10
