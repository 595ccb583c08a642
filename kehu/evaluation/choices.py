"""Enumerations of the customer evaluation (SPEC §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DimensionKey(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    CAPABILITY = "capability", _("Business capability")
    REPUTATION = "reputation", _("Credit reputation")
    RELATIONS = "relations", _("Social relations")


class IndicatorSource(models.TextChoices):
    COMPUTED = "computed", _("computed from the data")
    MANUAL = "manual", _("manual rating (1–5)")


class ComputedKey(models.TextChoices):
    """The indicators computed from the archive and the sales documents (``indicators.py``)."""

    RECENCY_DAYS = "recency_days", _("days since the last invoice")
    INVOICES_12M = "invoices_12m", _("invoices in the last 12 months")
    SALES_GROWTH = "sales_growth", _("sales growth, last 12 months vs the 12 before (%)")
    SALES_PERCENTILE = "sales_percentile", _("sales of the last 12 months, percentile")
    CAPITAL = "capital", _("registered capital, else annual revenue")
    YEARS_IN_BUSINESS = "years_in_business", _("years in business")
    PAID_ON_TIME = "paid_on_time", _("share of the invoiced amount paid by its due date (%)")
    DAYS_OVERDUE = "days_overdue", _("average days overdue, amount-weighted")
    OVERDUE_SHARE = "overdue_share", _("overdue share of the receivable balance (%)")
    CREDIT_USE = "credit_use", _("credit-limit utilisation (%)")
    DOUBTFUL_SHARE = "doubtful_share", _("share of the balance overdue more than 180 days (%)")


class InsufficientData(models.TextChoices):
    """What an indicator without data counts for (SPEC §6)."""

    NEUTRAL = "neutral", _("scores neutral (50)")
    RENORMALISE = "renormalise", _("left out, the other weights re-normalised")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class RfmSegment(models.TextChoices):
    """RFM segments from the recency (R), frequency (F) and monetary (M) scores 1–5."""

    CHAMPIONS = "champions", _("champions")
    LOYAL = "loyal", _("loyal")
    NEW = "new", _("new")
    AT_RISK = "at_risk", _("at risk")
    HIBERNATING = "hibernating", _("hibernating")
    PROMISING = "promising", _("promising")
    INACTIVE = "inactive", _("inactive (no invoice in 12 months)")
