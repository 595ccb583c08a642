"""The one query definition of the audit trail's lists."""

import datetime
import re
from typing import Annotated

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kehu.audit.models import AuditAction
from kehu.core.api.schemas import MAX_ID, SafeStr

_MODEL_LABEL = re.compile(r"\A[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\Z")


def _model_label(value: str) -> str:
    if not _MODEL_LABEL.match(value):
        raise ValueError(_("Give the kind of record as app_label.model, e.g. customers.contact."))
    return value


def _instant(value: datetime.datetime) -> datetime.datetime:
    """An aware time in UTC. A time without a zone is read in the installation's time zone, as
    the UI shows times; an odd offset (+23:47) is thus never sent to the database."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(_("Enter a time between the years 1 and 9999.")) from exc


ModelLabel = Annotated[SafeStr, AfterValidator(_model_label)]
Instant = Annotated[datetime.datetime, AfterValidator(_instant)]


class AuditEventFilter(BaseModel):
    """Conditions on events; all optional, combined with AND."""

    model_config = ConfigDict(populate_by_name=True)

    customer: int | None = Field(
        None, ge=1, le=MAX_ID, description="Events of this customer and of its records."
    )
    model: ModelLabel | None = Field(
        None,
        max_length=201,
        description="The kind of record as app_label.model, e.g. customers.contact.",
    )
    object_id: SafeStr | None = Field(None, max_length=64, description="The record's id.")
    actor: SafeStr | None = Field(
        None, max_length=150, description="The user name (for a failed login: the name tried)."
    )
    action: AuditAction | None = Field(None, description="What happened.")
    request_id: SafeStr | None = Field(None, max_length=64)
    operation_id: SafeStr | None = Field(None, max_length=64)
    at_from: Instant | None = Field(
        None, alias="from", description="At or after this time (ISO 8601)."
    )
    at_to: Instant | None = Field(None, alias="to", description="Before this time (ISO 8601).")

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the conditions."""
        if self.customer is not None:
            queryset = queryset.filter(customer_id=self.customer)
        if self.model:
            app_label, model = self.model.split(".")
            queryset = queryset.filter(content_type__app_label=app_label, content_type__model=model)
        exact = {
            "object_id": self.object_id,
            "actor_name": self.actor,
            "action": self.action,
            "request_id": self.request_id,
            "operation_id": self.operation_id,
        }
        queryset = queryset.filter(**{k: v for k, v in exact.items() if v})
        if self.at_from is not None:
            queryset = queryset.filter(at__gte=self.at_from)
        if self.at_to is not None:
            queryset = queryset.filter(at__lt=self.at_to)
        return queryset
