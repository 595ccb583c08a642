"""Who may read the trail: administrators, sales managers and auditors."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

pytestmark = pytest.mark.django_db

upgrade = importlib.import_module("kehu.audit.migrations.0003_grant_view_to_existing_roles")


def holders() -> set[str]:
    return set(
        Group.objects.filter(
            permissions__content_type__app_label="audit",
            permissions__codename="view_auditevent",
        ).values_list("name", flat=True)
    )


def test_new_installations_seed_the_permission_into_the_roles(db):
    assert holders() == {"administrator", "sales manager", "auditor"}


def test_existing_installations_get_it_on_migrate(db):
    for group in Group.objects.all():
        group.permissions.remove(*group.permissions.filter(content_type__app_label="audit"))
    assert holders() == set()

    # A data migration: it only reads the connection's alias from its schema editor.
    upgrade.grant(apps, SimpleNamespace(connection=connection))

    assert holders() == {"administrator", "sales manager", "auditor"}
