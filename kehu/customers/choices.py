from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL = "individual", _("Individual")
    GOVERNMENT = "government", _("Government")
    INSTITUTION = "institution", _("Public institution")
    OTHER = "other", _("Other")


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    OPERATING_PERMIT = "operating_permit", _("Operating permit")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
    TAX_REGISTRATION = "tax_registration", _("Tax registration")
    QUALITY_CERTIFICATE = "quality_certificate", _("Quality certificate")
    OTHER = "other", _("Other")


class UserFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes / no")


class ArchiveGroup(models.TextChoices):
    BASIC = "basic", _("Basic")
    CONTACT = "contact", _("Contact")
    CREDIT = "credit", _("Credit")
    OTHER = "other", _("Other")


class ExpiryStatus(models.TextChoices):
    """Where a qualification document stands against its expiry date and warning days."""

    EXPIRED = "expired", _("Expired")
    EXPIRING = "expiring", _("Expiring soon")
    VALID = "valid", _("Valid")
    NO_EXPIRY = "no_expiry", _("No expiry date")
