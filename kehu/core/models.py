"""Abstract bases shared by every app's models."""

import copy
import datetime
import re
from decimal import Decimal

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from kehu.core.text import text_is_clean, text_problem

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
        exclude = set(exclude or ())
        # Values a field's compiled check accepts (see ``_compiled_checks``) would pass every
        # check below unchanged: only the others go through the full field validation.
        for field, accepts in _compiled_checks(type(self)):
            if field.name not in exclude and accepts(getattr(self, field.attname)):
                exclude.add(field.name)
        if self._only_blank_left(exclude):
            return  # every check below would skip every field left
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in exclude:
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

    def _only_blank_left(self, exclude) -> bool:
        """True when every field not excluded is a blank-allowed field with an empty value
        (Django's ``clean_fields`` skips those, and empty values have no text problem)."""
        for field in _checked_fields(type(self)):
            if field.name in exclude:
                continue
            if not field.blank:
                return False
            try:
                value = getattr(self, field.attname)
            except AttributeError:
                return False
            if value not in field.empty_values:
                return False
        return True


_CHECKS: dict[type, list] = {}
_CHECKED: dict[type, list] = {}


def _checked_fields(model) -> list:
    """The fields either check of ``clean_fields`` looks at (Django's ``fields``, ours the
    concrete ones)."""
    if model not in _CHECKED:
        seen = {}
        for field in [*model._meta.fields, *model._meta.concrete_fields]:
            seen.setdefault(id(field), field)
        _CHECKED[model] = list(seen.values())
    return _CHECKED[model]


_INTEGER_FIELDS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)


def _compiled_checks(model) -> list:
    """``(field, accepts)`` for the fields of ``model`` whose rules can be resolved once: a
    text field whose only validators are its length (and NUL) checks, an integer field with
    fixed bounds, a boolean field. ``accepts(value)`` is True only for a value that the
    field's own ``clean`` and the checks of ``TimeStampedModel.clean_fields`` would accept and
    leave as it is; any other value (an error, or one to convert) takes the full path, which
    gives the error and its message. So the rules stay the fields' own, read from them here
    once per model instead of once per value (imports validate 100,000 rows)."""
    if model not in _CHECKS:
        checks = []
        for field in model._meta.concrete_fields:
            accepts = _field_check(field)
            if accepts is not None:
                checks.append((field, accepts))
        _CHECKS[model] = checks
    return _CHECKS[model]


def _plain_regex(validator):
    """``validator`` with its lazily compiled patterns resolved once (a copy whose pattern
    attributes are the compiled patterns themselves): the same checks, the same errors,
    without the lazy object's indirection on every call. A ``RegexValidator`` (exactly that
    class) becomes a function raising what it raises."""
    if type(validator) is validators.RegexValidator:
        pattern = re.compile(validator.regex.pattern, validator.regex.flags)
        inverse = validator.inverse_match

        def check(value):
            if (pattern.search(str(value)) is not None) == inverse:
                validator(value)  # refused: the validator's own error

        return check
    resolved = None
    for name in dir(validator):
        if name.startswith("__"):
            continue
        value = getattr(validator, name, None)
        if type(value) is SimpleLazyObject and isinstance(value, re.Pattern):
            resolved = resolved or copy.copy(validator)
            setattr(resolved, name, re.compile(value.pattern, value.flags))
    return resolved or validator


def _field_check(field):
    if field.generated or field.primary_key or field.is_relation:
        return None
    choices = {value for value, _label in field.flatchoices} if field.choices else None
    blank = field.blank
    if type(field) in (models.CharField, models.TextField, models.EmailField, models.URLField):
        # (None of these converts a text: ``to_python`` gives back any ``str``.)
        own = validators.MaxLengthValidator | validators.ProhibitNullCharactersValidator
        others = [_plain_regex(v) for v in field.validators if not isinstance(v, own)]
        longest = field.max_length or float("inf")

        def accepts(value):
            if value is None or value == "":
                return blank
            if not (
                isinstance(value, str)
                and len(value) <= longest
                and (choices is None or value in choices)
                and text_is_clean(value)
            ):
                return False
            for validator in others:
                try:
                    validator(value)
                except ValidationError:
                    return False
            return True

        return accepts
    if type(field) is models.DecimalField:
        rules = list(field.validators)  # the digits and places, and any bounds

        def accepts(value):
            if value is None:
                return blank
            if not (
                type(value) is Decimal
                and value.is_finite()
                and (choices is None or value in choices)
                and decimal_problem(value) is None
            ):
                return False
            for validator in rules:
                try:
                    validator(value)
                except ValidationError:
                    return False
            return True

        return accepts
    if isinstance(field, _INTEGER_FIELDS) and not isinstance(field, models.AutoField):
        low, high = float("-inf"), float("inf")
        for validator in field.validators:
            kind = type(validator)
            if kind not in (validators.MinValueValidator, validators.MaxValueValidator):
                return None
            limit = validator.limit_value
            if callable(limit):
                return None
            if kind is validators.MinValueValidator:
                low = max(low, limit)
            else:
                high = min(high, limit)

        def accepts(value):
            if value is None:
                return blank
            return (
                type(value) is int
                and low <= value <= high
                and (choices is None or value in choices)
            )

        return accepts
    if type(field) is models.BooleanField and choices is None:
        return lambda value: type(value) is bool
    if type(field) is models.DateField and choices is None and not field.validators:
        return lambda value: type(value) is datetime.date or (value is None and blank)
    return None


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
