"""Helpers of the audit tests."""

import pytest
from django.contrib.contenttypes.models import ContentType

from kehu.audit.models import AuditEvent
from tests import factories
from tests.api.conftest import api_as  # noqa: F401 - the per-role API clients


def events_of(obj, action: str | None = None, *, pk=None) -> list[AuditEvent]:
    """The events about ``obj`` (a deleted one: give its former ``pk``), oldest first."""
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(pk or obj.pk)
    ).order_by("at", "id")
    if action:
        events = events.filter(action=action)
    return list(events)


def last_event(obj, action: str | None = None) -> AuditEvent:
    events = events_of(obj, action)
    assert events, f"no {action or ''} event about {obj!r}"
    return events[-1]


@pytest.fixture
def classes(db):
    return factories.class_tree("01", "0101", "0102")
