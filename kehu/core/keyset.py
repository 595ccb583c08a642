"""Keyset (cursor) paging: a page is the rows just after, or just before, a position in the
ordering, so that page 20,000 costs what page 2 costs — no OFFSET that the database must
count through.

The position is the sort values and the primary key of the row at the page's edge, sent to
the client as an opaque cursor. It works with any queryset whose ordering is a list of
columns (``F``/``OrderBy`` or names, with explicit null placement for nullable ones) ending
with the primary key, which makes every position unique. See docs/architecture.md, "Keyset
paging".
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

CURSOR_PARAM = "cursor"
# A list that may be large counts its rows only this far (``count_up_to``).
COUNT_LIMIT = 10_000
FORWARD, BACKWARD = "next", "previous"
_BAD_CURSOR = _("This cursor is not valid for this list; start again from the first page.")


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering, as the keyset conditions need it."""

    path: str  # a lookup path from the model, e.g. "region__code"
    descending: bool
    nulls_first: bool
    nullable: bool  # the column, or a relation on the way to it, can be empty
    field: object  # the model field at the end of the path, which parses cursor values

    @property
    def label(self) -> str:
        return f"-{self.path}" if self.descending else self.path


@dataclass(frozen=True)
class Cursor:
    """A position in an ordering: after (``next``) or before (``previous``) ``values``.
    ``values`` None is the end of the list: a ``previous`` cursor without values is the
    last page."""

    ordering: tuple[str, ...]
    direction: str
    values: tuple | None

    def encode(self) -> str:
        data = {"o": list(self.ordering), "d": self.direction, "v": self.values}
        text = json.dumps(data, default=_json_value, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _json_value(value):
    # every digit of a time and an amount: a rounded position would repeat or skip rows
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(value)


@dataclass
class Window:
    """The rows of one page and the cursors of its neighbours (None at either end)."""

    rows: list
    next: Cursor | None
    previous: Cursor | None


def sort_keys(queryset: QuerySet) -> list[SortKey]:
    """The ordering of ``queryset``; it must end with the primary key."""
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            path, descending, nulls_first = item.removeprefix("-"), item.startswith("-"), None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            path, descending = item.expression.name, item.descending
            nulls_first = True if item.nulls_first else False if item.nulls_last else None
        else:
            raise ValueError(f"keyset paging cannot order by {item!r}")
        keys.append(_key(queryset.model, path, descending, nulls_first))
    if not keys or keys[-1].field is not queryset.model._meta.pk:
        raise ValueError("keyset paging needs an ordering that ends with the primary key")
    return keys


def _key(model, path: str, descending: bool, nulls_first: bool | None) -> SortKey:
    parts = path.split("__")
    nullable = False
    for part in parts[:-1]:
        relation = model._meta.get_field(part)
        nullable = nullable or relation.null
        model = relation.related_model
    field = model._meta.pk if parts[-1] == "pk" else model._meta.get_field(parts[-1])
    nullable = nullable or field.null
    if nulls_first is None:
        # the database's own placement: PostgreSQL sorts empty values as the largest,
        # SQLite as the smallest
        nulls_first = descending if connection.vendor == "postgresql" else not descending
    return SortKey(path, descending, nulls_first, nullable, field)


def decode_cursor(text: str, keys: list[SortKey]) -> Cursor:
    """The cursor ``text`` for the ordering ``keys``; a field error on ``cursor`` when it was
    not made by ``Cursor.encode`` for this ordering."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw.decode())
        ordering, direction, values = data["o"], data["d"], data["v"]
        if ordering != [key.label for key in keys] or direction not in (FORWARD, BACKWARD):
            raise ValueError(ordering)
        if values is None:
            if direction != BACKWARD:
                raise ValueError(values)
            return Cursor(tuple(ordering), direction, None)
        if not isinstance(values, list) or len(values) != len(keys) or values[-1] is None:
            raise ValueError(values)
        parsed = tuple(
            None if value is None else _parse(key, value)
            for key, value in zip(keys, values, strict=True)
        )
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({CURSOR_PARAM: _BAD_CURSOR}) from None
    return Cursor(tuple(ordering), direction, parsed)


def _parse(key: SortKey, value):
    if isinstance(value, bool):
        # a yes/no column's position; anywhere else a bool is not a value
        if not isinstance(key.field, BooleanField):
            raise ValueError(value)
        return value
    if not isinstance(value, str | int):
        raise ValueError(value)
    try:
        parsed = key.field.to_python(value)
    except (ValidationError, FieldDoesNotExist) as exc:
        raise ValueError(value) from exc
    if parsed is None:
        raise ValueError(value)
    if isinstance(parsed, int | Decimal):
        # numbers the column cannot hold would fail in the database, not here
        if isinstance(parsed, Decimal) and not parsed.is_finite():
            raise ValueError(value)
        try:
            key.field.run_validators(parsed)
        except ValidationError as exc:
            raise ValueError(value) from exc
    return parsed


def cursor_at(row, keys: list[SortKey], direction: str) -> Cursor:
    """The position of ``row``: the rows after it (``next``) or before it (``previous``)."""
    values = []
    for key in keys:
        if isinstance(row, dict):  # a values() row holds every sort key (``_rows``)
            values.append(row[key.path])
            continue
        value = row
        for part in key.path.split("__"):
            value = None if value is None else getattr(value, part)
        values.append(value)
    return Cursor(tuple(key.label for key in keys), direction, tuple(values))


def window_at_cursor(
    queryset: QuerySet,
    keys: list[SortKey],
    cursor: Cursor,
    size: int,
    values=None,
    *,
    counted: bool = False,
):
    """The ``size`` rows after or before ``cursor``; reading ``size + 1`` ids tells whether
    a further page exists. With ``values`` (field names) the rows are dicts (``_rows``);
    ``counted``: ``queryset`` is known to hold at most ``COUNT_LIMIT`` rows (``_ids``)."""
    if cursor.direction == FORWARD:
        ids = _ids(
            queryset.filter(_beyond(keys, cursor.values, after=True)), keys, size + 1, 0, counted
        )
        rows = _rows(queryset, ids[:size], keys, values)
        return Window(
            rows,
            next=cursor_at(rows[-1], keys, FORWARD) if len(ids) > size and rows else None,
            previous=cursor_at(rows[0], keys, BACKWARD) if rows else None,
        )
    if cursor.values is not None:
        queryset = queryset.filter(_beyond(keys, cursor.values, after=False))
    ids = _ids(queryset.reverse(), keys, size + 1, 0, counted)
    rows = _rows(queryset, ids[:size][::-1], keys, values)
    return Window(
        rows,
        next=cursor_at(rows[-1], keys, FORWARD) if rows and cursor.values is not None else None,
        previous=cursor_at(rows[0], keys, BACKWARD) if len(ids) > size and rows else None,
    )


def window_at_offset(
    queryset: QuerySet,
    keys: list[SortKey],
    offset: int,
    size: int,
    values=None,
    *,
    counted: bool = False,
):
    """The ``size`` rows from ``offset`` (page numbers), with cursors to go on from there;
    reading ``size + 1`` ids tells whether a further page exists (no count needed). With
    ``values`` (field names) the rows are dicts (``_rows``); ``counted``: ``queryset`` is
    known to hold at most ``COUNT_LIMIT`` rows (``_ids``)."""
    # beyond what a 64-bit OFFSET holds there are no rows (and the database would refuse it)
    fits = offset + size < 2**63
    ids = _ids(queryset, keys, size + 1, offset, counted) if fits else []
    rows = _rows(queryset, ids[:size], keys, values)
    return Window(
        rows,
        next=cursor_at(rows[-1], keys, FORWARD) if rows and len(ids) > size else None,
        previous=cursor_at(rows[0], keys, BACKWARD) if rows and offset > 0 else None,
    )


def count_up_to(queryset: QuerySet, limit: int) -> tuple[int, bool]:
    """How many rows ``queryset`` has, counting no further than ``limit``: (the count, True)
    up to ``limit``, else (``limit``, False). One ``COUNT`` over a ``LIMIT limit + 1``
    subquery of the bare table: counting a million matches exactly costs more than the page
    itself (docs/architecture.md, "Counting").

    A queryset whose one and only condition counts its own rows (a ``count_up_to(limit)``
    method: SQLite's keyword, from its index alone, ``kehu.customers.search.SqliteMatches``)
    is counted by it."""
    condition = _sole_condition(queryset)
    if condition is not None and hasattr(condition, "count_up_to"):
        counted = condition.count_up_to(limit + 1)
    else:
        counted = queryset.order_by()[: limit + 1].count()
    return (counted, True) if counted <= limit else (limit, False)


def _sole_condition(queryset: QuerySet):
    """The one condition of ``queryset`` when it has no other (no DISTINCT, slice, set
    operation, join, or extra condition either); else None."""
    query = queryset.query
    where = query.where
    if (
        len(where.children) != 1
        or where.negated
        or query.distinct
        or query.is_sliced
        or query.combinator
        or query.extra
        or query.extra_tables
        or len(query.alias_map) > 1
    ):
        return None
    child = where.children[0]
    # a conditional expression given to filter() stands as "expression = True"
    if isinstance(child, Exact) and child.rhs is True:
        return child.lhs
    return child


def _ids(
    queryset: QuerySet, keys: list[SortKey], limit: int, offset: int = 0, counted: bool = False
) -> list:
    """The primary keys of a slice: the conditions and the ordering without the joins that
    only fetch related rows for display.

    A column that cannot be empty is sorted without NULLS FIRST/LAST: the same order, but
    PostgreSQL walks an ascending index backwards only for a plain DESC.

    ``counted``: the query is known to hold at most ``COUNT_LIMIT`` rows (its capped count
    said so). On PostgreSQL its matches are then read first, as a subquery of their own
    (``LIMIT COUNT_LIMIT + 1``, which the planner does not merge into the sorted query) with
    their sort keys, and only they are sorted (``_ids_of_matches``). Otherwise, for a first
    page sorted by an indexed column, PostgreSQL estimates that walking the column's index
    and testing each row stops early — with a keyword of a few thousand matches among a
    million customers it tests tens of thousands of rows, each a look at the row's search
    words (9 µs): 150–300 ms, where reading the matches through the search index and
    sorting them takes 10–40 ms."""
    if counted and connection.vendor == "postgresql" and queryset.query.where:
        return _ids_of_matches(queryset, keys, limit, offset)
    ordering = [
        order if key.nullable else _plain(key)
        for key, order in zip(keys, queryset.query.order_by, strict=True)
    ]
    # order_by keeps a reverse() already applied
    ordered = queryset.order_by(*ordering)
    return list(ordered.values_list("pk", flat=True)[offset : offset + limit])


def _ids_of_matches(queryset: QuerySet, keys: list[SortKey], limit: int, offset: int) -> list:
    """``_ids`` of a query known to hold at most ``COUNT_LIMIT`` rows, on PostgreSQL: its
    rows' sort keys read by a subquery of their own, then sorted."""
    names = [f"kehu_key_{n}" for n in range(len(keys))]
    matches = queryset.order_by().values(
        **{name: F(key.path) for name, key in zip(names, keys, strict=True)}
    )[: COUNT_LIMIT + 1]
    try:
        sql, params = matches.query.sql_with_params()
    except EmptyResultSet:  # a condition that can match nothing (``pk__in=[]``)
        return []
    reverse = not queryset.query.standard_ordering  # reverse(): the previous pages
    order = ", ".join(
        f"{name} {'DESC' if key.descending != reverse else 'ASC'}"
        f" NULLS {'FIRST' if key.nulls_first != reverse else 'LAST'}"
        for name, key in zip(names, keys, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names[-1]} FROM ({sql}) matches ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608 - the ORM's own SQL and our names
            [*params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]


def _plain(key: SortKey):
    return F(key.path).desc() if key.descending else F(key.path).asc()


def _rows(queryset: QuerySet, ids: list, keys: list[SortKey], values=None) -> list:
    """The rows ``ids``, in that order, with the related rows ``queryset`` asks for; with
    ``values`` (field names, lookups across relations allowed) dicts of those values and of
    the sort keys — no model instances, for pages that only serialise their rows.

    Read by primary key on their own: in one query with the page's conditions, PostgreSQL
    joins every related table to every matching customer before it sorts (a dozen joins is
    past its join_collapse_limit), which at a million customers is seconds."""
    if not ids:
        return []
    fetch = queryset.model._base_manager.filter(pk__in=ids)
    if values:
        names = [*values, *(k.path for k in keys if k.path not in values)]
        pk = keys[-1].path  # sort_keys: the ordering ends with the primary key
        by_pk = {row[pk]: row for row in _values_rows(fetch, names)}
        return [by_pk[pk] for pk in ids if pk in by_pk]
    fetch.query.select_related = queryset.query.select_related
    fetch.query.deferred_loading = queryset.query.deferred_loading  # only() / defer()
    fetch = fetch.prefetch_related(*queryset._prefetch_related_lookups)
    by_pk = {row.pk: row for row in fetch}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _values_rows(fetch: QuerySet, names: list[str]) -> list[dict]:
    """``fetch.values(*names)``. On PostgreSQL the joins of the related rows are planned in
    the order written: a page's rows name a dozen related rows, each a LEFT JOIN on its
    primary key from the page's 50 customers, and PostgreSQL otherwise plans them by trying
    their orders (``join_collapse_limit``) — 10 to 50 ms of planning for a page it then
    reads in 2. (One subquery per value instead costs as much again in Django's compiling
    of the subqueries.)"""
    if connection.vendor != "postgresql":
        return list(fetch.values(*names))
    with transaction.atomic(using=fetch.db), connection.cursor() as cursor:
        # SET LOCAL lasts until the end of the whole transaction: put it back after the read
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        rows = list(fetch.values(*names))
        cursor.execute("SET LOCAL join_collapse_limit = DEFAULT")
    return rows


def last_page_cursor(keys: list[SortKey]) -> Cursor:
    return Cursor(tuple(key.label for key in keys), BACKWARD, None)


def _beyond(keys: list[SortKey], values: tuple, *, after: bool) -> Q:
    """The rows strictly after (or before) the position ``values`` in the order of ``keys``:
    for some key, equal on every key before it and beyond on it."""
    terms, equal = [], Q()
    for key, value in zip(keys, values, strict=True):
        beyond = _beyond_value(key, value, after=after)
        if beyond is not None:
            terms.append(equal & beyond)
        equal &= Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})
    condition = reduce(or_, terms) if terms else Q(pk__in=[])
    first, value = keys[0], values[0]
    if not first.nullable and value is not None:
        # Redundant, but a plain range on the first column lets an index seek to the position
        # instead of reading the list from its start.
        lookup = "gte" if after != first.descending else "lte"
        condition &= Q(**{f"{first.path}__{lookup}": value})
    return condition


def _beyond_value(key: SortKey, value, *, after: bool) -> Q | None:
    """The rows whose ``key`` sorts strictly after (or before) ``value``; None for none."""
    if value is None:
        # the empty values stand together at one end; the others are all on one side of them
        return Q(**{f"{key.path}__isnull": False}) if after == key.nulls_first else None
    lookup = "gt" if after != key.descending else "lt"
    condition = Q(**{f"{key.path}__{lookup}": value})
    if key.nullable and after != key.nulls_first:
        condition |= Q(**{f"{key.path}__isnull": True})
    return condition
