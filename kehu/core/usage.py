"""Which other rows refer to a row: the basis of "cannot delete / recode while used"."""

from django.db import models
from django.utils.translation import gettext as _


def reverse_foreign_keys(model: type[models.Model]) -> list:
    """Every foreign key (or one-to-one) of any model that points at ``model``, including
    those declared with ``related_name="+"``, which ``_meta.related_objects`` leaves out.

    The hidden tables of plain many-to-many fields are left out: membership in such a set
    (e.g. the classes of a user's data scope) is not a use that blocks a change; the row
    simply leaves the set when it is deleted."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and (field.one_to_many or field.one_to_one)
        and not field.related_model._meta.auto_created
    ]


def usage_counts(obj, *, ignore: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """Rows that refer to ``obj`` through a foreign key, per referring model.

    Returns ``[(verbose_name_plural, count), ...]`` for every reverse relation that has rows,
    except the accessor names in ``ignore`` (e.g. a tree's own ``children``). One ``COUNT``
    query per relation, and the number of relations is fixed by the schema, not by the data.
    """
    found = []
    for rel in reverse_foreign_keys(type(obj)):
        if rel.related_name in ignore:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: obj}).count()
        if count:
            found.append((str(rel.related_model._meta.verbose_name_plural), count))
    return found


def is_used(obj, *, ignore: tuple[str, ...] = ()) -> bool:
    return bool(usage_counts(obj, ignore=ignore))


def describe_usage(found: list[tuple[str, int]]) -> str:
    """``customers (3), delivery addresses (1)`` for a refusal message."""
    return ", ".join(
        _("%(name)s (%(count)d)") % {"name": name, "count": count} for name, count in found
    )


def protected_relations(model: type[models.Model]) -> list:
    """Reverse relations that protect ``model`` rows from deletion (``on_delete=PROTECT``)."""
    return [
        rel
        for rel in reverse_foreign_keys(model)
        if rel.on_delete in (models.PROTECT, models.RESTRICT)
    ]
