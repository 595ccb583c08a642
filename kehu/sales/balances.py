"""Checking the maintained figures against the documents (``kehu check-balances``).

Everything is recomputed set-based (``kehu.sales.figures``): a few grouped queries for all
customers, whatever their number. ``fix`` stores the recomputed values, each correction
recorded in the audit trail under one operation id (a bulk update sends no signals).
"""

import uuid
from dataclasses import dataclass

from django.db import transaction

from kehu.audit.context import audit_context
from kehu.audit.models import AuditAction
from kehu.audit.services import events_record_many
from kehu.customers.models import Customer
from kehu.sales.figures import FIGURES, document_differences, figures_computed
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder

DOCUMENT_MODELS = {"invoice": SalesInvoice, "receipt": Receipt, "order": SalesOrder}


@dataclass(frozen=True)
class Difference:
    """One stored value that disagrees with the documents."""

    kind: str  # "customer", or the kind of document: "invoice", "receipt", "order"
    key: str  # the customer's code or the document's number
    field: str
    stored: object
    recomputed: object


def balances_differences() -> list[Difference]:
    """Every cached amount of a document, then every customer figure, that differs."""
    found = [Difference(*row) for row in document_differences()]
    computed = figures_computed()
    stored = Customer.objects.order_by("code").values_list("pk", "code", *FIGURES)
    for pk, code, *values in stored.iterator(chunk_size=2000):
        for name, value in zip(FIGURES, values, strict=True):
            expected = computed[pk][name]
            if value != expected:
                found.append(Difference("customer", code, name, value, expected))
    return found


def balances_fix(differences: list[Difference]) -> None:
    """Store the recomputed values of ``differences``, audited as one operation."""
    with (
        transaction.atomic(),
        audit_context(operation_id=f"check-balances-{uuid.uuid4().hex}"),
    ):
        for kind, model in (("customer", Customer), *DOCUMENT_MODELS.items()):
            key = "code" if kind == "customer" else "number"
            changes: dict[str, dict] = {}
            for item in differences:
                if item.kind == kind:
                    changes.setdefault(item.key, {})[item.field] = (item.stored, item.recomputed)
            if not changes:
                continue
            rows = model._base_manager.select_for_update().filter(**{f"{key}__in": changes})
            events = []
            for row in rows.order_by("pk"):
                values = {name: new for name, (_old, new) in changes[getattr(row, key)].items()}
                model._base_manager.filter(pk=row.pk).update(**values)
                trail = {
                    name: [_json(old), _json(new)]
                    for name, (old, new) in changes[getattr(row, key)].items()
                }
                events.append((row, trail, row.pk if kind == "customer" else row.customer_id))
            events_record_many(action=AuditAction.UPDATE, items=events)


def _json(value):
    return None if value is None else str(value)
