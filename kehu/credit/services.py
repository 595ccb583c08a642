"""Writes of credit control: the decision on a document (called by the sales services), the
record of every warning, refusal and hold, approvals, policies and approvers.

``credit_control`` and ``credit_decision_record`` run inside a sales service's transaction,
under the locks it took; a refusal is recorded by ``credit_refusal_record`` after that
transaction has been rolled back (``kehu.sales.services`` does it), and kept through the
rollback of the caller's transactions too (``kehu.credit.refusals``).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.credit.checks import CreditCheck, CreditRefused, credit_check, explain
from kehu.credit.choices import (
    ApprovalStatus,
    CheckAction,
    CreditMode,
    DocumentKind,
    EventKind,
    PolicyScope,
)
from kehu.credit.models import CreditApproval, CreditApprover, CreditEvent, CreditPolicy
from kehu.credit.refusals import refusal_keep
from kehu.masterdata.models import CreditGrade
from kehu.sales.choices import OrderStatus
from kehu.sales.models import SalesOrder

APPROVE_PERMISSION = "credit.approve_creditapproval"
PASS, WARN, HOLD = "pass", "warn", "hold"


@dataclass(frozen=True)
class CreditDecision:
    """What the check decided for a document it let through: pass, warn (saved with the
    warning) or hold (an order saved awaiting approval)."""

    outcome: str
    check: CreditCheck | None = None

    @property
    def message(self) -> str:
        return explain(self.check.details()) if self.check and self.outcome != PASS else ""


PASSED = CreditDecision(PASS)


def credit_control(
    *,
    customer,
    amount: Decimal,
    action: str,
    document_kind: str,
    number: str,
    can_hold: bool,
) -> CreditDecision:
    """Decide on a document that adds ``amount`` to the customer's exposure; raise
    ``CreditRefused`` when the policy refuses it. The customer must be locked already."""
    if amount <= 0:
        return PASSED  # nothing added: nothing to check
    check = credit_check(
        customer=customer,
        amount=amount,
        action=action,
        document_kind=document_kind,
        number=number,
    )
    if not check.found:
        return PASSED
    if check.cash_only_broken:
        raise CreditRefused(
            check,
            code="credit_cash_only",
            lead=_("Refused: the customer buys for cash only, and no one can approve this."),
        )
    mode = check.policy.mode
    if mode == CreditMode.NONE:
        return PASSED
    if mode == CreditMode.WARN:
        return CreditDecision(WARN, check)
    if mode == CreditMode.APPROVAL:
        if can_hold:
            return CreditDecision(HOLD, check)
        raise CreditRefused(
            check,
            code="credit_approval_required",
            lead=_(
                "Refused: this needs a credit controller's approval, and an invoice cannot "
                "wait for it. Enter an order for it instead, have it approved, and invoice "
                "the order."
            ),
        )
    raise CreditRefused(check, lead=_("Refused by the credit check."))


def _event(*, kind, check: CreditCheck, actor, details=None, **links) -> CreditEvent:
    details = details or check.details()
    return CreditEvent.objects.create(
        kind=kind,
        action=check.action,
        mode=check.policy.mode,
        customer=check.customer,
        credit_unit=check.unit,
        document_kind=check.document_kind,
        document_number=check.number,
        amount=check.amount,
        excess=Decimal(details["excess"]),
        details=details,
        actor=_user(actor),
        **links,
    )


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def credit_decision_record(
    *, actor, decision: CreditDecision, order=None, invoice=None
) -> CreditApproval | None:
    """Record a warning or a hold (with its approval request) for the saved document."""
    if decision.outcome == PASS:
        return None
    check = decision.check
    approval = None
    if decision.outcome == HOLD:
        approval = CreditApproval.objects.create(
            order=order,
            customer=check.customer,
            credit_unit=check.unit,
            amount=check.amount,
            excess=check.excess,
            details=check.details(),
            requested_by=_user(actor),
        )
    _event(
        kind=EventKind.HELD if approval else EventKind.WARNING,
        check=check,
        actor=actor,
        order=order,
        invoice=invoice,
        approval=approval,
    )
    return approval


def credit_refusal_record(*, actor, refusal: CreditRefused, order=None, approval=None) -> None:
    """Record a refusal; called after the refused write was rolled back. The record stays
    when the refusal rolls back the caller's transactions too (``kehu.credit.refusals``)."""

    def write():
        return _event(
            kind=EventKind.REFUSAL,
            check=refusal.check,
            actor=actor,
            details=refusal.details,
            order=order,
            approval=approval,
        )

    refusal_keep(write)


# --- approvals ------------------------------------------------------------------------------


def approval_ceiling(actor) -> Decimal | None:
    """The largest excess the actor may release; None: no ceiling."""
    row = CreditApprover.objects.filter(user=actor).first()
    return None if row is None else row.approval_amount


def approval_decide(*, actor, approval: CreditApproval, approve: bool, note: str = ""):
    """Approve (the order opens) or reject (the order is cancelled) an order held by the
    credit check. Approving checks again, under the credit unit's lock: the excess now must be
    within the approver's approval amount, and a cash-only customer is never released."""
    if actor is None or not actor.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("At most 500 characters.")}, code="max_length")
    try:
        return _decide(actor, approval, approve, note)
    except CreditRefused as refusal:
        credit_refusal_record(actor=actor, refusal=refusal, order=approval.order, approval=approval)
        raise


def _decide(actor, approval, approve, note):
    from kehu.sales.figures import figures_refresh
    from kehu.sales.services import customer_locked

    with transaction.atomic():
        customer = customer_locked(actor, approval.customer_id)
        approval = CreditApproval.objects.select_for_update().get(pk=approval.pk)
        order = SalesOrder.objects.select_for_update().get(pk=approval.order_id)
        if approval.status != ApprovalStatus.PENDING:
            raise ConflictError(
                _("This request was decided already (%(status)s)."),
                code="approval_decided",
                params={"status": approval.get_status_display()},
            )
        check = credit_check(
            customer=customer,
            amount=order.amount - order.invoiced_amount,
            action=CheckAction.APPROVE,
            document_kind=DocumentKind.ORDER,
            number=order.number,
        )
        if approve:
            if check.cash_only_broken:
                raise CreditRefused(
                    check,
                    code="credit_cash_only",
                    lead=_("The customer buys for cash only: no one can approve this."),
                )
            ceiling = approval_ceiling(actor)
            if ceiling is not None and check.excess > ceiling:
                raise CreditRefused(
                    check,
                    code="approval_above_amount",
                    lead=_(
                        "The excess %(excess)s is above your approval amount %(ceiling)s: "
                        "someone with a larger approval amount must approve it."
                    )
                    % {"excess": check.excess, "ceiling": ceiling},
                )
        order.status = OrderStatus.OPEN if approve else OrderStatus.CANCELLED
        fields = ["status", "updated_at"]
        if not approve:
            order.cancelled_on, order.cancelled_by = timezone.localdate(), actor
            fields += ["cancelled_on", "cancelled_by"]
        order.save(update_fields=fields)  # a status the check constraints guard
        figures_refresh(customer)
        approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.decided_by = actor
        approval.decided_at = timezone.now()
        approval.note = note
        approval.credit_unit = check.unit
        approval.details = check.details()
        approval.excess = check.excess
        approval.save()
        event = _event(
            kind=EventKind.APPROVED if approve else EventKind.REJECTED,
            check=check,
            actor=actor,
            order=order,
            approval=approval,
        )
        event.note = note
        event.save(update_fields=["note"])
    return approval


def approval_withdraw(*, actor, order: SalesOrder) -> None:
    """The held order is cancelled: its pending request is withdrawn (inside the caller's
    transaction, under its locks)."""
    for approval in CreditApproval.objects.select_for_update().filter(
        order=order, status=ApprovalStatus.PENDING
    ):
        approval.status = ApprovalStatus.WITHDRAWN
        approval.decided_by = _user(actor)
        approval.decided_at = timezone.now()
        approval.save()
        CreditEvent.objects.create(
            kind=EventKind.WITHDRAWN,
            action=CheckAction.UPDATE,
            mode=approval.details.get("mode", CreditMode.APPROVAL),
            customer=approval.customer,
            credit_unit_id=approval.credit_unit_id,
            document_kind=DocumentKind.ORDER,
            document_number=order.number,
            order=order,
            approval=approval,
            amount=approval.amount,
            excess=approval.excess,
            details=approval.details,
            actor=_user(actor),
        )


# --- policies and approvers -----------------------------------------------------------------

POLICY_FIELDS = ("scope", "credit_grade", "customer_class", "mode", "overdue_tolerance_days")


def _lowest_grade_rank() -> int | None:
    return CreditGrade.objects.aggregate(lowest=Max("rank"))["lowest"]


def _policy_validate(policy: CreditPolicy) -> None:
    errors = {}
    if policy.scope == PolicyScope.GRADE and policy.credit_grade_id is None:
        errors["credit_grade"] = _("Choose the credit grade.")
    if policy.scope == PolicyScope.CLASS and policy.customer_class_id is None:
        errors["customer_class"] = _("Choose the customer class.")
    if policy.scope != PolicyScope.GRADE:
        policy.credit_grade = None
    if policy.scope != PolicyScope.CLASS:
        policy.customer_class = None
    if policy.cash_only:
        if policy.scope != PolicyScope.GRADE:
            errors["cash_only"] = _("Only a credit grade's policy can be cash only.")
        elif policy.credit_grade and policy.credit_grade.rank != _lowest_grade_rank():
            errors["cash_only"] = _("Only the lowest credit grade can be cash only.")
    if errors:
        raise ValidationError(errors)
    policy.full_clean()


def policy_save(*, actor, policy: CreditPolicy | None = None, data: dict) -> CreditPolicy:
    """Create (``policy=None``) or change a credit policy. ``data`` holds model values
    (``credit_grade`` and ``customer_class`` as objects or None)."""
    with transaction.atomic():
        policy = policy or CreditPolicy()
        for name in (*POLICY_FIELDS, "cash_only"):
            if name in data:
                setattr(policy, name, data[name])
        _policy_validate(policy)
        policy.save()
    return policy


def policy_delete(*, actor, policy: CreditPolicy) -> None:
    with transaction.atomic():
        policy.delete()


def approver_set(*, actor, user, approval_amount: Decimal | None) -> CreditApprover:
    """Set a user's approval amount (None: no ceiling)."""
    with transaction.atomic():
        row, _created = CreditApprover.objects.get_or_create(user=user)
        row.approval_amount = approval_amount
        row.full_clean()
        row.save()
    return row
