"""Applying a grade's service strategy: the suggested credit terms of a run (SPEC §6).

Nothing changes the archive until a credit controller applies the suggestion: the preview
only reads. The application writes through ``customer_update`` (field scope, data scope,
validation, the version and the audit trail all apply), every customer under one operation
id, in one transaction: all the selected customers change, or none.
"""

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.audit.context import audit_context
from kehu.core.errors import FieldPermissionError
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.customers.services import customer_update
from kehu.customers.services.customers import may_change_credit
from kehu.evaluation.models import CustomerEvaluation, EvaluationRun, GradeBand

CENT = Decimal("0.01")
MONTH_DAYS = Decimal("30")
MONTHS = Decimal("12")


@dataclass
class Suggestion:
    """The suggested credit terms of one customer, next to its current ones."""

    customer_id: int
    code: str
    name: str
    grade: str
    total: Decimal | None
    current: dict
    suggested: dict
    changes: dict = field(default_factory=dict)  # field -> (current, suggested)
    customer: Customer | None = field(default=None, repr=False)


def suggested_limit(sales_12m: Decimal, credit_days: int, coefficient: Decimal) -> Decimal:
    """Average monthly purchases × credit period in months × the grade's coefficient."""
    value = sales_12m / MONTHS * (Decimal(credit_days) / MONTH_DAYS) * coefficient
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _results(actor, run: EvaluationRun, codes: list[str] | None):
    visible = customers_visible_to(actor).values("pk") if actor is not None else None
    results = CustomerEvaluation.objects.filter(run=run).select_related(
        "customer", "customer__credit_grade"
    )
    if visible is not None:
        results = results.filter(customer__in=visible)
    if codes is not None:
        results = results.filter(customer__code__in=codes)
    latest = {}
    for result in results.order_by("pk"):
        latest[result.customer_id] = result
    if codes is not None:
        found = {r.customer.code for r in latest.values()}
        missing = [code for code in codes if code not in found]
        if missing:
            raise ValidationError(
                {
                    "customers": [
                        _("Not in this run (or not yours): %(codes)s.")
                        % {"codes": ", ".join(missing[:20])}
                    ]
                }
            )
    return sorted(latest.values(), key=lambda r: r.customer.code)


def strategy_preview(*, actor, run: EvaluationRun, codes: list[str] | None = None) -> list:
    """What applying the run's strategies would change for the customers ``codes`` (all of
    the run's customers that the actor sees by default). Reads only."""
    strategies = {
        band.grade: band.strategy
        for band in GradeBand.objects.filter(version=run.version).select_related(
            "strategy__credit_grade"
        )
    }
    found = []
    for result in _results(actor, run, codes):
        strategy = strategies.get(result.grade)
        if strategy is None:
            continue  # no total, so no grade: nothing to suggest
        customer = result.customer
        current = {
            "credit_grade": customer.credit_grade.code if customer.credit_grade else None,
            "credit_limit": customer.credit_limit,
            "credit_days": customer.credit_days,
            "discount_rate": customer.discount_rate,
        }
        suggested = {
            "credit_limit": suggested_limit(
                result.sales_12m, strategy.credit_days, strategy.limit_coefficient
            ),
            "credit_days": strategy.credit_days,
            "discount_rate": strategy.discount_rate,
        }
        if strategy.credit_grade is not None:
            suggested["credit_grade"] = strategy.credit_grade.code
        changes = {
            key: (current[key], value)
            for key, value in suggested.items()
            if current[key] is None or current[key] != value
        }
        found.append(
            Suggestion(
                customer_id=customer.pk,
                code=customer.code,
                name=customer.name,
                grade=result.grade,
                total=result.total,
                current=current,
                suggested=suggested,
                changes=changes,
                customer=customer,
            )
        )
    return found


def strategy_apply(*, actor, run: EvaluationRun, codes: list[str] | None = None) -> dict:
    """Apply the suggested credit terms to the customers ``codes`` (all by default) through
    the customer services, under one operation id; returns ``{operation_id, changed}``."""
    if actor is not None and not may_change_credit(actor):
        raise FieldPermissionError(
            {"customers": [_("Only credit controllers and administrators may change this field.")]}
        )
    operation_id = f"evaluation-strategy-{run.pk}-{uuid.uuid4().hex[:12]}"
    changed = []
    person = actor if getattr(actor, "pk", None) else None
    with transaction.atomic(), audit_context(actor=person, operation_id=operation_id):
        for item in strategy_preview(actor=actor, run=run, codes=codes):
            if not item.changes:
                continue
            data = {key: value for key, (_old, value) in item.changes.items()}
            try:
                customer_update(actor=actor, customer=item.customer, data=data)
            except ValidationError as error:
                raise ValidationError(
                    {
                        "customers": [
                            f"{item.code}: {field}: {' '.join(messages)}"
                            for field, messages in error.message_dict.items()
                        ]
                    }
                ) from error
            changed.append(item.code)
    return {"operation_id": operation_id, "changed": changed}
