"""The built-in roles follow their definitions on every migrate (kehu/accounts/roles.py): a
release's new permissions reach existing installations, a withdrawn one is taken back, and what
an administrator changed in a role — or a role they created — stays as they left it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from kehu.accounts import roles
from kehu.accounts.models import RoleGrant
from kehu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def perms(role: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def release(monkeypatch):
    """Change a role's definition as a new release would: ``release(role, add=[...],
    remove=[...])``."""

    def change(role: str, add=(), remove=()):
        perms = [p for p in roles.ROLES[role] if p not in remove] + list(add)
        monkeypatch.setitem(roles.ROLES, role, perms)

    return change


def migrate():
    call_command("migrate", verbosity=0)


def test_a_new_installation_has_every_role_as_defined(db):
    for role, defined in roles.ROLES.items():
        if defined != "__all__":
            assert perms(role) == set(defined), role
    assert "auth.change_group" in perms("administrator")
    assert "customers.change_customer_credit" in perms("administrator")
    # and a second sync has nothing to do
    assert all(added == removed == set() for added, removed in roles.roles_sync().values())


def test_a_release_s_new_permission_reaches_the_existing_role_on_migrate(db, release):
    before = perms("sales manager")
    release("salesperson", add=["sales.add_receipt"])

    migrate()

    assert "sales.add_receipt" in perms("salesperson")
    assert perms("sales manager") == before
    event = AuditEvent.objects.filter(object_repr="salesperson").latest("pk")
    assert event.actor is None and "permissions" in event.changes


def test_an_administrator_s_removal_and_addition_survive_a_release(db, release):
    salesperson = Group.objects.get(name="salesperson")
    salesperson.permissions.remove(permission("customers.add_customer"))
    salesperson.permissions.add(permission("audit.view_auditevent"))
    release("salesperson", add=["sales.add_receipt"])

    migrate()

    held = perms("salesperson")
    assert "sales.add_receipt" in held  # new in the release
    assert "customers.add_customer" not in held  # taken away by the administrator
    assert "audit.view_auditevent" in held  # given by the administrator

    migrate()  # and again: nothing moves

    assert perms("salesperson") == held


def test_a_permission_withdrawn_by_a_release_is_taken_from_the_role(db, release):
    release("auditor", remove=["audit.view_auditevent"])

    migrate()

    assert "audit.view_auditevent" not in perms("auditor")
    assert not RoleGrant.objects.filter(
        role="auditor", permission=permission("audit.view_auditevent")
    ).exists()


def test_a_role_an_administrator_created_is_never_touched(db, release):
    assistant = Group.objects.create(name="销售助理")
    assistant.permissions.add(permission("customers.view_customer"))
    release("salesperson", add=["sales.add_receipt"])

    migrate()

    assert perms("销售助理") == {"customers.view_customer"}
    assert not RoleGrant.objects.filter(role="销售助理").exists()


def test_an_installation_from_before_the_ledger_gets_what_its_roles_lack(db):
    # as an installation that seeded its roles before a release added the credit permissions
    RoleGrant.objects.all().delete()
    controller = Group.objects.get(name="credit controller")
    controller.permissions.remove(permission("credit.approve_creditapproval"))
    other = perms("auditor")

    migrate()

    assert "credit.approve_creditapproval" in perms("credit controller")
    assert perms("auditor") == other
    assert RoleGrant.objects.filter(role="credit controller").count() == len(
        set(roles.ROLES["credit controller"])
    )


def test_a_deleted_built_in_role_comes_back_whole(db):
    Group.objects.get(name="auditor").delete()

    migrate()

    assert perms("auditor") == set(roles.ROLES["auditor"])
