"""Resolving the codes in customer data to rows, with field-level errors.

One rule (``_resolve``), two ways to look rows up: queries (``resolve_reference``, what a form
or an API call does for one customer) or an in-memory index loaded once (``ReferenceIndex``,
what an import of many rows uses) — so both refuse the same values with the same messages.
"""

import functools
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.masterdata.models import TreeNode

# Besides the code, a row may be named by these fields when that is unambiguous; payment
# terms also by their terms (``2/10,n/30``), as documents write them.
ALIASES = ("name", "text")


@functools.cache
def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _resolve(model, value, current, by_code: Callable, by_alias: Callable):
    """The rule: ``by_code(text)`` -> row or None; ``by_alias(field, text)`` -> up to 2 rows."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int):
        raise ValidationError(_("Give the code as text."), code="invalid")
    text = str(value).strip()
    obj = by_code(text)
    if obj is None and current is not None and getattr(current, "code", None) == text:
        obj = current  # the row already referred to stays, visible to the actor or not
    for alias in ALIASES:
        if obj is not None or not _has_field(model, alias):
            continue
        found = by_alias(alias, text)
        if len(found) == 1:
            obj = found[0]
        elif len(found) > 1:
            raise ValidationError(
                _("“%(value)s” names several entries: give the code."),
                code="ambiguous",
                params={"value": text},
            )
    if obj is None:
        raise ValidationError(
            _("%(model)s “%(value)s” does not exist."),
            code="does_not_exist",
            params={"model": model._meta.verbose_name, "value": text},
        )
    if obj != current:
        if getattr(obj, "is_active", True) is False:
            raise ValidationError(
                _("%(model)s “%(value)s” is deactivated."),
                code="inactive",
                params={"model": model._meta.verbose_name, "value": text},
            )
        if isinstance(obj, TreeNode) and not obj.is_leaf:
            raise ValidationError(
                _("%(value)s is not a leaf: choose one of its sub-entries."),
                code="not_leaf",
                params={"value": obj.code},
            )
    return obj


def resolve_reference(model, value, *, current=None, queryset=None):
    """The row of ``model`` whose code (or, when unambiguous, name) is ``value``.

    Empty values clear the reference. An inactive row may stay where it is but is not chosen
    anew; a tree node must be a leaf. ``queryset`` limits the rows that can be named (the
    customers the actor may see): others answer exactly like an unknown code.
    """
    rows = model._default_manager.all() if queryset is None else queryset
    return _resolve(
        model,
        value,
        current,
        lambda text: rows.filter(code=text).first(),
        lambda alias, text: list(rows.filter(**{alias: text})[:2]),
    )


class ReferenceIndex:
    """The rows of one model by code and by alias, loaded once, to resolve many values
    without a query each. ``rows`` are model instances (possibly with only some fields)."""

    def __init__(self, model, rows):
        self.model = model
        self.by_code = {}
        self.by_alias: dict[str, dict[str, list]] = {a: {} for a in ALIASES}
        for row in rows:
            self.add(row)

    def add(self, row) -> None:
        self.by_code[row.code] = row
        for alias in ALIASES:
            value = row.__dict__.get(alias)
            if value:
                found = self.by_alias[alias].setdefault(value, [])
                if len(found) < 2:
                    found.append(row)

    def resolve(self, value, *, current=None):
        return _resolve(
            self.model,
            value,
            current,
            self.by_code.get,
            lambda alias, text: self.by_alias[alias].get(text, []),
        )
