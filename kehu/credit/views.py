"""Web pages of credit control: the approval queue, one request's page (approve / reject),
the record of the credit check, and the policies with the approvers' amounts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import ConflictError
from kehu.core.permissions import requires_permissions
from kehu.credit import selectors, services
from kehu.credit.checks import CreditRefused, explanation_lines
from kehu.credit.choices import ApprovalStatus, EventKind
from kehu.credit.forms import ApproverForm, DecisionForm, PolicyForm
from kehu.credit.models import CreditApprover
from kehu.sales.forms import show_errors

PAGE_SIZE = 50
APPROVE = "credit.approve_creditapproval"


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@requires_permissions({"GET": ("credit.view_creditapproval",)})
def approval_list(request):
    status = request.GET.get("status", ApprovalStatus.PENDING)
    queryset = selectors.approvals_visible_to(request.user)
    if status in ApprovalStatus.values:
        queryset = queryset.filter(status=status)
    page = _page(request, queryset)
    for approval in page.object_list:
        approval.lines = explanation_lines(approval.details)
    return render(
        request,
        "credit/approval_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": ApprovalStatus.choices,
            "tab": "approvals",
        },
    )


@requires_permissions({"GET": ("credit.view_creditapproval",), "POST": (APPROVE,)})
def approval_detail(request, pk):
    approval = selectors.approvals_visible_to(request.user).filter(pk=pk).first()
    if approval is None:
        raise Http404(_("There is no such approval request."))
    form = DecisionForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        try:
            services.approval_decide(
                actor=request.user,
                approval=approval,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        except CreditRefused as exc:
            refusal = exc.errors["__all__"]
        except ConflictError as exc:
            refusal = [str(exc)]
        else:
            done = _("Order %(number)s approved.") if approve else _("Order %(number)s rejected.")
            messages.success(request, done % {"number": approval.order.number})
            return redirect("credit:approval_list")
    events = selectors.events_visible_to(request.user).filter(order=approval.order_id)
    ceiling = services.approval_ceiling(request.user)
    return render(
        request,
        "credit/approval_detail.html",
        {
            "approval": approval,
            "lines": explanation_lines(approval.details),
            "events": [(event, explanation_lines(event.details)) for event in events],
            "form": form,
            "refusal": refusal,
            "ceiling": ceiling,
            "can_decide": request.user.has_perm(APPROVE)
            and approval.status == ApprovalStatus.PENDING,
            "tab": "approvals",
        },
    )


@requires_permissions({"GET": ("credit.view_creditevent",)})
def event_list(request):
    kind = request.GET.get("kind", "")
    queryset = selectors.events_visible_to(request.user)
    if kind in EventKind.values:
        queryset = queryset.filter(kind=kind)
    page = _page(request, queryset)
    for event in page.object_list:
        event.lines = explanation_lines(event.details)
    return render(
        request,
        "credit/event_list.html",
        {"page_obj": page, "kind": kind, "kinds": EventKind.choices, "tab": "events"},
    )


@requires_permissions({"GET": ("credit.view_creditpolicy",), "POST": ("credit.add_creditpolicy",)})
def policy_list(request):
    form = PolicyForm(request.POST or None, prefix="policy")
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_save(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Policy added."))
            return redirect("credit:policy_list")
    return _policies_page(request, policy_form=form)


def _policies_page(request, *, policy_form=None, approver_form=None):
    return render(
        request,
        "credit/policy_list.html",
        {
            "policies": selectors.policies(),
            "approvers": CreditApprover.objects.select_related("user"),
            "policy_form": policy_form or PolicyForm(prefix="policy"),
            "approver_form": approver_form or ApproverForm(prefix="approver"),
            "tab": "policies",
        },
    )


@requires_permissions(
    {"GET": ("credit.delete_creditpolicy",), "POST": ("credit.delete_creditpolicy",)}
)
def policy_delete(request, pk):
    policy = selectors.policies().filter(pk=pk).first()
    if policy is None:
        raise Http404(_("There is no such policy."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.policy_delete(actor=request.user, policy=policy)
    messages.success(request, _("Policy deleted: %(policy)s.") % {"policy": policy.target_label})
    return redirect("credit:policy_list")


APPROVER_PERMS = ("credit.add_creditapprover", "credit.change_creditapprover")


@requires_permissions({"GET": ("credit.view_creditapprover",), "POST": APPROVER_PERMS})
def approver_set(request):
    if request.method != "POST":
        return redirect("credit:policy_list")
    form = ApproverForm(request.POST, prefix="approver")
    if form.is_valid():
        try:
            services.approver_set(
                actor=request.user,
                user=form.cleaned_data["username"],
                approval_amount=form.cleaned_data["approval_amount"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Approval amount set."))
            return redirect("credit:policy_list")
    return _policies_page(request, approver_form=form)
