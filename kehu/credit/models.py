"""Credit control (SPEC §5; decision 0009): policies, approvers, approval requests and the
record of every warning, refusal and approval.

The check itself is in ``kehu.credit.checks``; it runs inside the sales services, under the
lock of the customer's credit unit, so that every path that writes a document gets it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel
from kehu.credit.choices import (
    ApprovalStatus,
    CheckAction,
    CreditMode,
    DocumentKind,
    EventKind,
    PolicyScope,
)
from kehu.customers.models import MONEY, Customer
from kehu.masterdata.models import CreditGrade, CustomerClass
from kehu.sales.models import SalesInvoice, SalesOrder


class CreditPolicy(TimeStampedModel):
    """What the credit check does for the customers of a credit grade, of a customer class
    (and its subclasses), or for every customer (the default policy).

    A class policy wins over a grade policy, which wins over the default; without any, no
    check is made. ``cash_only`` (on a grade policy, for the lowest grade) refuses every
    document that leaves the customer owing anything, whatever policy applies.
    """

    scope = models.CharField(_("applies to"), max_length=10, choices=PolicyScope.choices)
    credit_grade = models.ForeignKey(
        CreditGrade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_policies",
        verbose_name=_("credit grade"),
    )
    customer_class = models.ForeignKey(
        CustomerClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_policies",
        verbose_name=_("customer class"),
    )
    mode = models.CharField(_("policy"), max_length=10, choices=CreditMode.choices)
    overdue_tolerance_days = models.PositiveIntegerField(
        _("overdue tolerance (days)"),
        default=0,
        validators=[MaxValueValidator(3650)],
        help_text=_("An invoice overdue by more days than this stops new documents."),
    )
    cash_only = models.BooleanField(
        _("cash only"),
        default=False,
        help_text=_("Only for the lowest credit grade: nothing may be sold on credit."),
    )

    class Meta:
        ordering = ["scope", "credit_grade__rank", "customer_class__code"]
        verbose_name = _("credit policy")
        verbose_name_plural = _("credit policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    scope=PolicyScope.DEFAULT,
                    credit_grade__isnull=True,
                    customer_class__isnull=True,
                )
                | Q(
                    scope=PolicyScope.GRADE, credit_grade__isnull=False, customer_class__isnull=True
                )
                | Q(
                    scope=PolicyScope.CLASS, credit_grade__isnull=True, customer_class__isnull=False
                ),
                name="creditpolicy_scope_matches_target",
            ),
            models.CheckConstraint(
                condition=Q(cash_only=False) | Q(scope=PolicyScope.GRADE),
                name="creditpolicy_cash_only_on_grade",
            ),
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(scope=PolicyScope.DEFAULT),
                name="creditpolicy_one_default",
                violation_error_code="unique",
                violation_error_message=_("There is a default policy already."),
            ),
            models.UniqueConstraint(
                fields=["credit_grade"],
                name="creditpolicy_one_per_grade",
                violation_error_code="unique",
                violation_error_message=_("This credit grade has a policy already."),
            ),
            models.UniqueConstraint(
                fields=["customer_class"],
                name="creditpolicy_one_per_class",
                violation_error_code="unique",
                violation_error_message=_("This customer class has a policy already."),
            ),
        ]

    def __str__(self):
        return f"{self.target_label}: {self.get_mode_display()}"

    @property
    def target_label(self) -> str:
        if self.scope == PolicyScope.GRADE and self.credit_grade_id:
            return str(self.credit_grade)
        if self.scope == PolicyScope.CLASS and self.customer_class_id:
            return str(self.customer_class)
        return str(_("Every customer (default)"))


class CreditApprover(TimeStampedModel):
    """A user's approval amount: the largest excess over the credit limit they may release.

    Approving also needs the permission ``credit.approve_creditapproval`` (the credit
    controller's role has it). A user with the permission and no approval amount set has no
    ceiling.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="credit_approver",
        verbose_name=_("user"),
    )
    approval_amount = models.DecimalField(
        _("approval amount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty means no ceiling."),
        **MONEY,
    )

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("credit approver")
        verbose_name_plural = _("credit approvers")
        constraints = [
            models.CheckConstraint(
                condition=Q(approval_amount__isnull=True) | Q(approval_amount__gte=0),
                name="creditapprover_amount_not_negative",
            )
        ]

    def __str__(self):
        return str(self.user)


class CreditApproval(TimeStampedModel):
    """An order held by the credit check, waiting for a credit controller's decision.

    The order stays "awaiting approval" (it counts in no exposure) until it is approved (the
    check is made again, under the lock, within the approver's approval amount), rejected or
    cancelled.
    """

    order = models.ForeignKey(
        SalesOrder,
        on_delete=models.PROTECT,
        related_name="credit_approvals",
        verbose_name=_("sales order"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="credit_approvals",
        verbose_name=_("customer"),
    )
    credit_unit = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("credit unit"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
    )
    amount = models.DecimalField(_("amount to release"), **MONEY)
    excess = models.DecimalField(_("excess over the limit"), **MONEY)
    details = models.JSONField(_("explanation"), default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit approval")
        verbose_name_plural = _("credit approvals")
        default_permissions = ("view",)
        permissions = [("approve_creditapproval", _("Can approve orders above the credit limit"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status=ApprovalStatus.PENDING),
                name="creditapproval_one_pending_per_order",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="creditapproval_queue")]

    def __str__(self):
        return f"{self.order.number}: {self.get_status_display()}"


class CreditEvent(models.Model):
    """One warning, refusal, hold, approval or rejection, with the figures that explain it.

    Append-only: written by ``kehu.credit`` only, never changed. ``details`` keeps what the
    check saw (limit, receivables, open orders, new amount, exposure, excess, the overdue
    invoices); the explanation is rendered from it in the reader's language.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=10, choices=CheckAction.choices)
    mode = models.CharField(_("policy"), max_length=10, choices=CreditMode.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="credit_events",
        verbose_name=_("customer"),
    )
    credit_unit = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("credit unit"),
    )
    document_kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    document_number = models.CharField(_("number"), max_length=30)
    order = models.ForeignKey(
        SalesOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_events",
        verbose_name=_("sales order"),
    )
    invoice = models.ForeignKey(
        SalesInvoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_events",
        verbose_name=_("sales invoice"),
    )
    approval = models.ForeignKey(
        CreditApproval,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("credit approval"),
    )
    amount = models.DecimalField(_("new amount"), **MONEY)
    excess = models.DecimalField(_("excess over the limit"), **MONEY)
    details = models.JSONField(_("explanation"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["customer", "created_at"], name="creditevent_customer"),
            models.Index(fields=["kind", "created_at"], name="creditevent_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.document_number}"

    @property
    def explanation(self) -> str:
        from kehu.credit.checks import explain

        return explain(self.details)
