"""Fixtures of the API tests: clients per role, a small class tree."""

import itertools

import pytest

from kehu.accounts.services import token_create, user_create
from tests.conftest import ApiClient
from tests.factories import class_tree

_users = itertools.count(1)


@pytest.fixture
def api_as(client, db):
    """A client for a new user with the given roles (none: a user without permissions).

    The user sees all customers unless ``scope`` says otherwise: ``scope="own"`` or
    ``scope={"scope": "classes", "scope_classes": ["01"]}`` (the arguments of user_create).
    """

    def make(*roles: str, scope: str | dict = "all") -> ApiClient:
        scope_args = {"scope": scope} if isinstance(scope, str) else scope
        user = user_create(
            username=f"user{next(_users)}",
            password="Kehu-user-2026",
            roles=list(roles),
            **scope_args,
        )
        _token, raw = token_create(user=user, name="tests")
        return ApiClient(client, raw)

    return make


@pytest.fixture
def classes(db):
    """Classes 01 (with leaves 0101, 0102) and 02 (a leaf) under the default scheme 2-2-3."""
    return class_tree("01", "0101", "0102", "02")
