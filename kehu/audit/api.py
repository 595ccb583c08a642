"""The audit trail over the API: read only — no operation writes, changes or deletes events."""

import datetime
from typing import Any

from ninja import Query, Router, Schema

from kehu.audit import selectors
from kehu.audit.filters import AuditEventFilter
from kehu.audit.models import AuditEvent
from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors
from kehu.core.api.pagination import PageParams, page_schema, paginate

router = Router()
events = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: datetime.datetime
    action: str
    actor_id: int | None
    actor_name: str
    request_id: str
    ip: str | None
    model: str | None
    object_id: str
    object_repr: str
    customer_id: int | None
    changes: dict[str, Any]
    operation_id: str


def event_out(event: AuditEvent) -> dict:
    content_type = event.content_type
    return {
        "id": event.pk,
        "at": event.at,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "request_id": event.request_id,
        "ip": event.ip,
        "model": f"{content_type.app_label}.{content_type.model}" if content_type else None,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "customer_id": event.customer_id,
        "changes": event.changes,
        "operation_id": event.operation_id,
    }


@events.get(
    "/events",
    response=with_errors({200: page_schema(AuditEventOut)}),
    auth=requires(selectors.VIEW_PERMISSION),
    summary="Find audit events (newest first)",
)
def event_list(request, filters: Query[AuditEventFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.events_visible_to(request.user)).order_by("-at", "-id")
    return paginate(queryset, page, event_out)


router.add_router("/audit", events)
