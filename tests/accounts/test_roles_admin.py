"""The roles are editable: an administrator (not a superuser) changes a role's permissions and a
user's roles in the admin, and the change is in the audit trail; other roles cannot."""

import pytest
from django.contrib.auth.models import Group, Permission

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent


@pytest.fixture
def administrator(db):
    return user_create(username="boss", password="Kehu-x-2026", roles=["administrator"])


def test_an_administrator_edits_a_role_in_the_admin(client, administrator):
    client.force_login(administrator)
    role = Group.objects.get(name="salesperson")
    kept = list(role.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="change_customer_credit")

    page = client.get(f"/admin/auth/group/{role.pk}/change/")
    assert page.status_code == 200
    answer = client.post(
        f"/admin/auth/group/{role.pk}/change/",
        {"name": "salesperson", "permissions": [*kept, extra.pk]},
    )

    assert answer.status_code == 302
    assert role.permissions.filter(pk=extra.pk).exists()
    event = AuditEvent.objects.filter(object_repr="salesperson", actor=administrator).first()
    assert event is not None and "permissions" in event.changes


def test_an_administrator_gives_a_user_a_role(client, administrator):
    client.force_login(administrator)
    someone = user_create(username="xiaoli", password="Kehu-x-2026", roles=["salesperson"])

    page = client.get(f"/admin/auth/user/{someone.pk}/change/")

    assert page.status_code == 200
    assert "salesperson" in page.content.decode()


@pytest.mark.parametrize("role", ["sales manager", "salesperson", "credit controller", "auditor"])
def test_other_roles_cannot_edit_roles(client, db, role):
    user = user_create(username="someone", password="Kehu-x-2026", roles=[role])
    client.force_login(user)
    group = Group.objects.get(name="salesperson")

    answer = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "renamed"})

    assert answer.status_code in (302, 403)
    assert Group.objects.filter(name="salesperson").exists()
