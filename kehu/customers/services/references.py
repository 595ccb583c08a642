"""Resolving the codes in customer data to rows, with field-level errors."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.masterdata.models import TreeNode


def resolve_reference(model, value, *, current=None, queryset=None):
    """The row of ``model`` whose code (or, when unambiguous, name) is ``value``.

    Empty values clear the reference. An inactive row may stay where it is but is not chosen
    anew; a tree node must be a leaf. ``queryset`` limits the rows that can be named (the
    customers the actor may see): others answer exactly like an unknown code.
    """
    rows = model._default_manager.all() if queryset is None else queryset
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int):
        raise ValidationError(_("Give the code as text."), code="invalid")
    text = str(value).strip()
    obj = rows.filter(code=text).first()
    if obj is None and current is not None and getattr(current, "code", None) == text:
        obj = current  # the row already referred to stays, visible to the actor or not
    # Then by name; payment terms also by their terms (``2/10,n/30``), as documents write them.
    for alias in ("name", "text"):
        if obj is not None or not _has_field(model, alias):
            continue
        by_alias = list(rows.filter(**{alias: text})[:2])
        if len(by_alias) == 1:
            obj = by_alias[0]
        elif len(by_alias) > 1:
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


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
