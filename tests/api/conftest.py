"""Fixtures of the API tests: clients per role, a small class tree."""

import itertools

import pytest

from kehu.accounts.services import token_create, user_create
from tests.conftest import ApiClient
from tests.factories import class_tree

_users = itertools.count(1)


@pytest.fixture
def api_as(client, db):
    """A client for a new user with the given roles (none: a user without permissions)."""

    def make(*roles: str) -> ApiClient:
        user = user_create(
            username=f"user{next(_users)}", password="Kehu-user-2026", roles=list(roles)
        )
        _token, raw = token_create(user=user, name="tests")
        return ApiClient(client, raw)

    return make


@pytest.fixture
def classes(db):
    """Classes 01 (with leaves 0101, 0102) and 02 (a leaf) under the default scheme 2-2-3."""
    return class_tree("01", "0101", "0102", "02")
