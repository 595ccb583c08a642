"""Recorded events cannot be changed or removed: not by the code, not by SQL."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from kehu.audit.models import AppendOnlyError, AuditEvent
from kehu.masterdata.models import Industry
from kehu.masterdata.services import coded_item_create
from tests.audit.conftest import last_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return last_event(
        coded_item_create(Industry, actor=None, data={"code": "I1", "name": "制造业"})
    )


def test_the_model_refuses_to_change_or_delete_an_event(event):
    event.actor_name = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.get(pk=event.pk).actor_name == "system"


def test_the_database_refuses_an_update_in_sql(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_name = %s WHERE id = %s", ["forged", event.pk]
        )

    assert AuditEvent.objects.get(pk=event.pk).actor_name == "system"


def test_sql_delete_is_refused_on_postgresql_while_flush_still_empties_the_trail(event):
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    # flush (and so a restore) still works: TRUNCATE on PostgreSQL, DELETE on SQLite, where
    # the migration deliberately adds no DELETE trigger.
    try:
        call_command("flush", interactive=False, verbosity=0)
        assert not AuditEvent.objects.filter(object_repr="I1 制造业").exists()
    finally:
        # flush re-created the content types; the test's rollback brings the old ids back.
        ContentType.objects.clear_cache()


def test_the_admin_shows_events_read_only(client, admin_user, event):
    model_admin = admin.site._registry[AuditEvent]
    client.force_login(admin_user)

    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    post = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"actor_name": "x"})

    assert page.status_code == 200
    assert 'name="actor_name"' not in page.content.decode()
    assert post.status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert not model_admin.has_add_permission(None)
    assert AuditEvent.objects.get(pk=event.pk).actor_name == "system"
