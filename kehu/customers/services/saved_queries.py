"""Saved queries of the customer list (SPEC §3): the conditions of a ``CustomerFilter`` under a
name, private or shared. Only the owner or an administrator changes or deletes one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kehu.customers.columns import parse_columns
from kehu.customers.filters import ConditionError, CustomerFilter, is_condition, parse_conditions
from kehu.customers.models import SavedQuery

FIELDS = ("name", "shared", "params", "columns", "ordering")
CONDITIONS = tuple(key for key in CustomerFilter.model_fields if key != "ordering")


def _is_stored_condition(key: str) -> bool:
    return key in CONDITIONS or (key != "ordering" and is_condition(key))


def is_administrator(user) -> bool:
    return user.is_superuser or user.groups.filter(name="administrator").exists()


def may_change(user, query: SavedQuery, *, administrator: bool | None = None) -> bool:
    """The owner, or an administrator."""
    if query.owner_id == user.pk:
        return True
    return is_administrator(user) if administrator is None else administrator


def clean_query(params, ordering) -> tuple[dict, str]:
    """(conditions, ordering) as stored: parsed like the list's parameters, only known keys
    (``uf_*`` ones included) with non-default values. ``ordering`` may also come inside
    ``params``."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Give an object of query parameters.")})
    params = {key: value for key, value in params.items() if value is not None and value != ""}
    if "ordering" in params and not ordering:
        ordering = params.pop("ordering")
    params.pop("ordering", None)
    unknown = sorted(key for key in params if not _is_stored_condition(key))
    if unknown:
        raise ValidationError(
            {f"params.{key}": _("This is not a parameter of the customer list.") for key in unknown}
        )
    data = dict(params)
    if ordering:
        data["ordering"] = ordering
    try:
        parsed = parse_conditions(data)
    except ConditionError as error:
        raise ValidationError(
            {
                key if key == "ordering" else f"params.{key}": messages
                for key, messages in error.message_dict.items()
            }
        ) from error
    default = CustomerFilter.model_fields["ordering"].default
    return parsed.params(), "" if parsed.ordering == default else parsed.ordering


def _clean_columns(columns) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        columns = [name for name in columns.split(",") if name.strip()]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValidationError({"columns": _("Give a list of column names.")})
    if columns:
        try:
            parse_columns(columns)
        except ValueError as error:
            raise ValidationError({"columns": str(error)}) from error
    return [name.strip() for name in columns]


def _save(query: SavedQuery, data: dict) -> SavedQuery:
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError({key: _("Unknown field.") for key in sorted(unknown)})
    for key in ("name", "shared"):
        if key in data:
            value = data[key]
            setattr(query, key, value.strip() if isinstance(value, str) else value)
    if "params" in data or "ordering" in data:
        params = data.get("params", query.params)
        if "ordering" in data:
            ordering = data["ordering"]
        elif isinstance(params, dict) and params.get("ordering"):
            ordering = None  # the one inside params
        else:
            ordering = query.ordering
        query.params, query.ordering = clean_query(params, ordering)
    if "columns" in data:
        query.columns = _clean_columns(data["columns"])
    query.full_clean(exclude=["owner"], validate_constraints=False)
    taken = SavedQuery.objects.filter(owner_id=query.owner_id, name=query.name)
    if taken.exclude(pk=query.pk).exists():
        raise ValidationError(
            {"name": ValidationError(_("You already have a query of this name."), code="unique")}
        )
    query.save()
    return query


@transaction.atomic
def saved_query_create(*, actor, data: dict) -> SavedQuery:
    """Save a query for ``actor``; ``params`` are the list's parameters."""
    return _save(SavedQuery(owner=actor), data)


@transaction.atomic
def saved_query_update(*, actor, query: SavedQuery, data: dict) -> SavedQuery:
    query = SavedQuery.objects.select_for_update().get(pk=query.pk)
    if not may_change(actor, query):
        raise PermissionDenied(_("Only its owner or an administrator may change this query."))
    return _save(query, data)


@transaction.atomic
def saved_query_delete(*, actor, query: SavedQuery) -> None:
    if not may_change(actor, query):
        raise PermissionDenied(_("Only its owner or an administrator may delete this query."))
    query.delete()
