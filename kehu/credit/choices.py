"""The choices of credit control (SPEC §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyScope(models.TextChoices):
    """What a policy applies to; the credit check chooses among them
    (``kehu.credit.checks._CHECK``)."""

    DEFAULT = "default", _("every customer")
    GRADE = "grade", _("a credit grade")
    CLASS = "class", _("a customer class")


class CreditMode(models.TextChoices):
    """What happens to a document that breaks the limit or finds long-overdue invoices."""

    NONE = "none", _("no check")
    WARN = "warn", _("warn")
    BLOCK = "block", _("block")
    APPROVAL = "approval", _("block unless approved")


class EventKind(models.TextChoices):
    WARNING = "warning", _("warning")
    REFUSAL = "refusal", _("refusal")
    HELD = "held", _("held for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class DocumentKind(models.TextChoices):
    ORDER = "order", _("sales order")
    INVOICE = "invoice", _("sales invoice")


class CheckAction(models.TextChoices):
    """The write that grew the exposure and so ran the check."""

    CREATE = "create", _("entered")
    UPDATE = "update", _("amount raised")
    REOPEN = "reopen", _("reopened")
    APPROVE = "approve", _("approval")
