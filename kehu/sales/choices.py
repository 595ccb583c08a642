"""The states of the sales documents (SPEC §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    OPEN = "open", _("open")
    # Held by the credit check until a credit controller approves it (kehu.credit): it
    # counts in no figure meanwhile.
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting credit approval")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class InvoiceStatus(models.TextChoices):
    POSTED = "posted", _("posted")
    CANCELLED = "cancelled", _("cancelled")


class ReceiptStatus(models.TextChoices):
    POSTED = "posted", _("posted")
    REVERSED = "reversed", _("reversed")


class SettlementStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    REVERSED = "reversed", _("reversed")
