"""Which other rows refer to a row: the basis of "cannot delete / recode while used"."""

from django.db import models


def usage_counts(obj, *, ignore: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """Rows that refer to ``obj`` through a foreign key, per referring model.

    Returns ``[(verbose_name_plural, count), ...]`` for every reverse relation that has rows,
    except the accessor names in ``ignore`` (e.g. a tree's own ``children``). One ``COUNT``
    query per relation, and the number of relations is fixed by the schema, not by the data.
    """
    found = []
    for rel in obj._meta.related_objects:
        if rel.many_to_many or rel.get_accessor_name() in ignore:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: obj}).count()
        if count:
            found.append((str(rel.related_model._meta.verbose_name_plural), count))
    return found


def is_used(obj, *, ignore: tuple[str, ...] = ()) -> bool:
    return bool(usage_counts(obj, ignore=ignore))


def describe_usage(found: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in found)


def protected_relations(model: type[models.Model]) -> list:
    """Reverse relations that protect ``model`` rows from deletion (``on_delete=PROTECT``)."""
    return [
        rel
        for rel in model._meta.related_objects
        if not rel.many_to_many and rel.on_delete in (models.PROTECT, models.RESTRICT)
    ]
