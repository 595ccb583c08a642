"""Abstract bases shared by every app's models."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core.text import text_problem

# SQLite keeps decimals as floating-point numbers, exact to 15 significant digits (Django's
# converter reads them back at that precision). A longer value would come back changed, and one
# at the top of a field's range could not be read back at all.
EXACT_DIGITS = 15


def decimal_problem(value):
    """Return why a decimal cannot be stored exactly on every supported database, or None."""
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and len(value.normalize().as_tuple().digits) > EXACT_DIGITS
    ):
        return _("Ensure this number has at most %(max)d significant digits.") % {
            "max": EXACT_DIGITS
        }
    return None


class TimeStampedModel(models.Model):
    """A model that knows when it was created and last changed.

    ``clean_fields`` also refuses text that no database can store faithfully (NUL characters,
    lone surrogates) and decimals longer than every database keeps exactly, so such input is a
    field error instead of a server error or a silently changed amount.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            value = getattr(self, field.attname, None)
            problem = text_problem(value)
            if problem:
                errors.setdefault(field.name, []).append(ValidationError(problem, code="bad_text"))
            if isinstance(field, models.DecimalField) and field.name not in errors:
                problem = decimal_problem(value)
                if problem:
                    errors.setdefault(field.name, []).append(
                        ValidationError(problem, code="digits")
                    )
        if errors:
            raise ValidationError(errors)


class CodedItem(TimeStampedModel):
    """A row of a small coded list (industry, currency, credit grade...)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"
