"""Credit control endpoints (SPEC §5): policies, the approval queue and the record of checks.

Reads go through ``kehu.credit.selectors`` (a hold or an event of a customer the caller may
not see answers 404 like a missing one); writes through ``kehu.credit.services``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import PageParams, page_schema, paginate
from kehu.core.api.schemas import ObjectId
from kehu.credit import selectors, services
from kehu.credit.schemas import (
    ApprovalFilter,
    ApprovalOut,
    DecisionIn,
    EventFilter,
    EventOut,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    approval_out,
    event_out,
    policy_out,
)
from kehu.masterdata.models import CreditGrade, CustomerClass

router = Router()
policies = Router(tags=["credit policies"])
approvals = Router(tags=["credit approvals"])
events = Router(tags=["credit events"])


# Policies -----------------------------------------------------------------------------------


def _reference(model, code: str | None, field: str):
    if not code:
        return None
    row = model.objects.filter(code=code).first()
    if row is None:
        raise ValidationError({field: _("There is no %(code)s.") % {"code": code}}, code="invalid")
    return row


@policies.get(
    "",
    response=with_errors({200: list[PolicyOut]}),
    auth=requires("credit.view_creditpolicy"),
    summary="List the credit policies",
)
def policy_list(request):
    return [policy_out(p) for p in selectors.policies()]


@policies.post(
    "",
    response=with_errors({201: PolicyOut}),
    auth=requires("credit.add_creditpolicy"),
    summary="Add a credit policy for every customer, a credit grade or a customer class",
)
def policy_create(request, payload: PolicyIn):
    data = payload.model_dump()
    data["credit_grade"] = _reference(CreditGrade, payload.credit_grade, "credit_grade")
    data["customer_class"] = _reference(CustomerClass, payload.customer_class, "customer_class")
    policy = services.policy_save(actor=request.user, data=data)
    return Status(201, policy_out(policy))


def _policy(id: int):
    return get_or_404(selectors.policies(), pk=id)


@policies.get(
    "/{id}",
    response=with_errors({200: PolicyOut}),
    auth=requires("credit.view_creditpolicy"),
    summary="Get a credit policy",
)
def policy_get(request, id: ObjectId):
    return policy_out(_policy(id))


@policies.patch(
    "/{id}",
    response=with_errors({200: PolicyOut}),
    auth=requires("credit.change_creditpolicy"),
    summary="Change a credit policy's mode, tolerance or cash-only switch",
)
def policy_patch(request, id: ObjectId, payload: PolicyPatch):
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return policy_out(services.policy_save(actor=request.user, policy=_policy(id), data=data))


@policies.delete(
    "/{id}",
    response=with_errors({204: None}),
    auth=requires("credit.delete_creditpolicy"),
    summary="Delete a credit policy",
)
def policy_delete(request, id: ObjectId):
    services.policy_delete(actor=request.user, policy=_policy(id))
    return Status(204, None)


# Approvals ----------------------------------------------------------------------------------


def _approval(request, id: int):
    return get_or_404(selectors.approvals_visible_to(request.user), pk=id)


@approvals.get(
    "",
    response=with_errors({200: page_schema(ApprovalOut)}),
    auth=requires("credit.view_creditapproval"),
    summary="List orders held by the credit check (status=pending: the approval queue)",
)
def approval_list(request, filters: Query[ApprovalFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.approvals_visible_to(request.user))
    return paginate(queryset, page, approval_out)


@approvals.get(
    "/{id}",
    response=with_errors({200: ApprovalOut}),
    auth=requires("credit.view_creditapproval"),
    summary="Get a credit approval request",
)
def approval_get(request, id: ObjectId):
    return approval_out(_approval(request, id))


def _decide(request, id: int, payload: DecisionIn | None, approve: bool):
    services.approval_decide(
        actor=request.user,
        approval=_approval(request, id),
        approve=approve,
        note=payload.note if payload else "",
    )
    return approval_out(_approval(request, id))


@approvals.post(
    "/{id}/approve",
    response=with_errors({200: ApprovalOut}),
    auth=requires("credit.approve_creditapproval"),
    summary="Approve a held order: checked again, within your approval amount",
)
def approval_approve(request, id: ObjectId, payload: DecisionIn | None = None):
    return _decide(request, id, payload, True)


@approvals.post(
    "/{id}/reject",
    response=with_errors({200: ApprovalOut}),
    auth=requires("credit.approve_creditapproval"),
    summary="Reject a held order: it is cancelled",
)
def approval_reject(request, id: ObjectId, payload: DecisionIn | None = None):
    return _decide(request, id, payload, False)


# Events -------------------------------------------------------------------------------------


@events.get(
    "",
    response=with_errors({200: page_schema(EventOut)}),
    auth=requires("credit.view_creditevent"),
    summary="List the credit check's warnings, refusals, holds and decisions, newest first",
)
def event_list(request, filters: Query[EventFilter], page: Query[PageParams]):
    queryset = filters.apply(selectors.events_visible_to(request.user))
    return paginate(queryset, page, event_out)


router.add_router("/credit-policies", policies)
router.add_router("/credit-approvals", approvals)
router.add_router("/credit-events", events)
