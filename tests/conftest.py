import json

import pytest
from django.utils import translation

from kehu.accounts.services import token_create, user_create

ADMIN_PASSWORD = "Kehu-admin-2026"


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, path, data=None, **extra):
        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if data is not None:
            kwargs["data"] = data if isinstance(data, str | bytes) else json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **extra):
        return self._call("get", path, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, **extra)


@pytest.fixture(autouse=True)
def english(settings):
    """Messages in English, whatever the installation's default language; tests that are
    about the Chinese catalog activate it themselves."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing need no such cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user(db):
    return user_create(
        username="admin", password=ADMIN_PASSWORD, roles=["administrator"], is_superuser=True
    )


@pytest.fixture
def api(admin_user, client):
    """An API client authenticated as an administrator."""
    _token, raw = token_create(user=admin_user, name="tests")
    return ApiClient(client, raw)


@pytest.fixture
def anonymous_api(client):
    return ApiClient(client, None)
