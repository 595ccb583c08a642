"""Every create, update and delete of the project's records is an event with old → new."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction

from kehu.accounts.models import ApiToken
from kehu.accounts.services import token_authenticate, token_create, user_create
from kehu.audit.context import audit_context
from kehu.audit.models import AuditEvent
from kehu.customers.models import Contact
from kehu.customers.services import (
    customer_child_create,
    customer_child_delete,
    customer_child_update,
    customer_delete,
    customer_update,
)
from kehu.masterdata.models import Industry, Salesperson
from kehu.masterdata.services import coded_item_create, coded_item_delete, coded_item_update
from tests import factories
from tests.audit.conftest import events_of, last_event

pytestmark = pytest.mark.django_db


def test_creating_a_customer_records_its_values(classes, admin_user):
    with audit_context(actor=admin_user):
        customer = factories.customer(name="上海泰锐家居有限公司", credit_limit="300000")

    event = last_event(customer, "create")
    assert event.actor == admin_user
    assert event.actor_name == "admin"
    assert event.customer_id == customer.pk
    assert event.object_repr == str(customer)
    assert event.changes["name"] == [None, "上海泰锐家居有限公司"]
    assert event.changes["credit_limit"] == [None, "300000.00"]
    # References as the record a person recognises, not a bare id.
    assert event.changes["customer_class"] == [None, "0101 分类0101"]
    assert "updated_at" not in event.changes


def test_changing_a_customer_records_only_the_changed_fields(classes):
    customer = factories.customer(credit_limit="100")
    salesperson = coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})

    customer_update(
        actor=None,
        customer=customer,
        data={"credit_limit": "250.5", "salesperson": "S1", "class_code": "0102"},
    )

    event = last_event(customer, "update")
    assert event.changes == {
        "credit_limit": ["100.00", "250.50"],
        "salesperson": [None, str(salesperson)],
        "customer_class": ["0101 分类0101", "0102 分类0102"],
    }
    assert event.actor is None
    assert event.actor_name == "system"


def test_saving_without_changes_records_nothing(classes):
    customer = factories.customer()
    before = AuditEvent.objects.count()

    customer_update(actor=None, customer=customer, data={"name": customer.name})

    assert AuditEvent.objects.count() == before


def test_deleting_a_customer_records_it_and_its_contacts(classes):
    customer = factories.customer(contacts=[{"name": "张三", "email": "z@example.com"}])
    contact = customer.contacts.get()

    customer_delete(actor=None, customer=customer)

    deleted = events_of(customer, "delete")[-1]
    assert deleted.changes["code"] == [customer.code, None]
    contact_deleted = events_of(Contact, "delete", pk=contact.pk)[-1]
    assert contact_deleted.customer_id == customer.pk
    assert contact_deleted.changes["email"] == ["z@example.com", None]


def test_a_contact_is_recorded_on_its_customer(classes):
    customer = factories.customer()

    contact = customer_child_create(
        "contacts", actor=None, customer=customer, data={"name": "张三", "title": "经理"}
    )
    contact_pk = contact.pk
    customer_child_update("contacts", actor=None, row=contact, data={"title": "总经理"})
    customer_child_delete("contacts", actor=None, row=contact)

    events = events_of(Contact, pk=contact_pk)
    actions = [(e.action, e.customer_id) for e in events]
    assert actions == [("create", customer.pk), ("update", customer.pk), ("delete", customer.pk)]
    assert events[1].changes == {"title": ["经理", "总经理"]}


def test_master_data_items_are_recorded(db):
    item = coded_item_create(Industry, actor=None, data={"code": "I1", "name": "制造业"})
    item_pk = item.pk
    coded_item_update(Industry, actor=None, item=item, data={"name": "制造"})
    coded_item_delete(Industry, actor=None, item=item)

    create, update, delete = events_of(Industry, pk=item_pk)
    assert create.changes["name"] == [None, "制造业"]
    assert update.changes == {"name": ["制造业", "制造"]}
    assert delete.action == "delete"
    assert delete.changes["code"] == ["I1", None]
    assert create.customer_id is None


def test_tags_are_recorded_as_a_change_of_the_customer(classes):
    customer = factories.customer(tags=["VIP"])
    assert last_event(customer, "update").changes == {"tags": [[], ["VIP"]]}

    customer_update(actor=None, customer=customer, data={"tags": ["VIP", "华东"]})

    assert last_event(customer, "update").changes == {"tags": [["VIP"], ["VIP", "华东"]]}
    assert last_event(customer, "update").customer_id == customer.pk


def test_a_user_is_recorded_without_the_password_hash(db):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])

    created = last_event(user, "create")
    assert created.changes["username"] == [None, "li"]
    assert created.changes["password"] == [None, "***"]
    assert user.password not in str(created.changes)

    user.set_password("Another-pass-2026")
    user.save()

    changed = last_event(user, "update")
    assert changed.changes == {"password": ["***", "***"]}


def test_group_membership_is_recorded_from_either_side(db):
    user = user_create(username="li", password="Kehu-user-2026")
    auditors = Group.objects.get(name="auditor")

    user.groups.add(auditors)
    assert last_event(user, "update").changes == {"groups": [[], ["auditor"]]}

    auditors.user_set.remove(user)
    assert last_event(user, "update").changes == {"groups": [["auditor"], []]}


def test_group_permissions_are_recorded(db):
    group = Group.objects.create(name="readers")
    permission = Permission.objects.get(codename="view_customer")

    group.permissions.add(permission)

    assert last_event(group, "update").changes == {"permissions": [[], [str(permission)]]}


def test_a_login_and_token_use_are_not_recorded_as_updates(admin_user, client):
    token, raw = token_create(user=admin_user, name="t")
    updates = AuditEvent.objects.filter(action="update").count()

    client.force_login(admin_user)  # sets last_login
    token_authenticate(raw)  # sets last_used_at

    assert AuditEvent.objects.filter(action="update").count() == updates
    created = last_event(token, "create")
    assert created.changes["key_hash"] == [None, "***"]
    assert token.key_hash not in str(created.changes)
    assert ApiToken.objects.filter(pk=token.pk, last_used_at__isnull=False).exists()


def test_a_service_call_failing_after_its_write_leaves_no_event(classes, monkeypatch):
    customer = factories.customer()
    before = AuditEvent.objects.count()

    def tags_fail(customer, names):
        raise RuntimeError("the tag step failed")

    # customer_update saves the customer (an "update" event), then fails on the tags.
    monkeypatch.setattr("kehu.customers.services.customers._set_tags", tags_fail)
    with pytest.raises(RuntimeError):
        customer_update(actor=None, customer=customer, data={"name": "改名", "tags": ["VIP"]})

    assert AuditEvent.objects.count() == before
    customer.refresh_from_db()
    assert customer.name != "改名"


def test_a_rolled_back_write_takes_its_event_with_it(classes):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        coded_item_create(Industry, actor=None, data={"code": "I9", "name": "零售"})
        assert AuditEvent.objects.count() == before + 1
        raise RuntimeError("later step failed")

    assert AuditEvent.objects.count() == before
    assert not Industry.objects.filter(code="I9").exists()


def test_an_operation_names_its_actor_and_id_outside_requests(db, admin_user):
    with audit_context(actor=admin_user, operation_id="import-42"):
        item = coded_item_create(Industry, actor=admin_user, data={"code": "I2", "name": "物流"})

    event = last_event(item, "create")
    assert (event.actor, event.actor_name, event.operation_id) == (admin_user, "admin", "import-42")


def test_loaddata_is_not_recorded(db, tmp_path):
    fixture = tmp_path / "industries.json"
    row = {"code": "I3", "name": "能源", "is_active": True}
    stamps = {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    fixture.write_text(
        json.dumps([{"model": "masterdata.industry", "pk": 900, "fields": row | stamps}])
    )
    before = AuditEvent.objects.count()

    # What a restore does: the rows come back as they were, not as new changes.
    call_command("loaddata", str(fixture), verbosity=0)

    assert Industry.objects.filter(code="I3").exists()
    assert AuditEvent.objects.count() == before
