"""Pagination shared by the lists of the API: page numbers everywhere, and keyset cursors
where a list may be large (kehu/core/keyset.py)."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from pydantic import BaseModel, Field, create_model

from kehu.core import keyset

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# A list that may be large counts its rows only this far (``count_exact`` false beyond).
COUNT_LIMIT = keyset.COUNT_LIMIT


class PageParams(BaseModel):
    page: int = Field(1, ge=1, description="1-based page number.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")


_page_schemas: dict[type, type[BaseModel]] = {}


def page_schema(item: type[BaseModel]) -> type[BaseModel]:
    """The response schema of a list of ``item``: ``{count, page, page_size, results}``."""
    if item not in _page_schemas:
        _page_schemas[item] = create_model(
            f"{item.__name__}Page",
            count=(int, ...),
            page=(int, ...),
            page_size=(int, ...),
            results=(list[item], ...),
        )
    return _page_schemas[item]


def paginate(
    queryset: QuerySet,
    params: PageParams,
    serialize: Callable[[Any], Any] | None = None,
) -> dict:
    """One page of ``queryset``: a COUNT and, unless the page is past the end, one SELECT."""
    count = queryset.count()
    offset = (params.page - 1) * params.page_size
    rows: Iterable = [] if offset >= count else queryset[offset : offset + params.page_size]
    results = [serialize(row) for row in rows] if serialize else list(rows)
    return {"count": count, "page": params.page, "page_size": params.page_size, "results": results}


class CursorPageParams(PageParams):
    cursor: str | None = Field(
        None,
        max_length=2000,
        description="Where the page starts: the `next` or `previous` cursor of another page "
        "of the same query and ordering (then `page` is ignored). Deep pages are as fast "
        "as the first one this way; a cursor that does not fit is refused with 422.",
    )


_cursor_page_schemas: dict[type, type[BaseModel]] = {}


def cursor_page_schema(item: type[BaseModel]) -> type[BaseModel]:
    """The response schema of a list of ``item`` with cursors:
    ``{count, page, page_size, next, previous, next_cursor, previous_cursor, results}``."""
    if item not in _cursor_page_schemas:
        link = "URL of the %s page (the same query with its cursor); null when there is none."
        value = "The `cursor` of the %s page; null when there is none."
        _cursor_page_schemas[item] = create_model(
            f"{item.__name__}CursorPage",
            count=(
                int,
                Field(
                    description=f"Rows of the whole query when `count_exact` is true; else "
                    f"the query has more than {COUNT_LIMIT:,} rows and this is {COUNT_LIMIT}: "
                    "lists that large are not counted on every page (follow `next` to the end)."
                ),
            ),
            count_exact=(bool, Field(description="Whether `count` is the exact number.")),
            page=(
                int | None,
                Field(description="The page number; null for a page reached by a cursor."),
            ),
            page_size=(int, ...),
            next=(str | None, Field(description=link % "next")),
            previous=(str | None, Field(description=link % "previous")),
            next_cursor=(str | None, Field(description=value % "next")),
            previous_cursor=(str | None, Field(description=value % "previous")),
            results=(list[item], ...),
        )
    return _cursor_page_schemas[item]


def cursor_paginate(
    request,
    queryset: QuerySet,
    params: CursorPageParams,
    serialize: Callable[[Any], Any] | None = None,
    *,
    values: tuple[str, ...] | None = None,
    serialize_rows: Callable[[list], list] | None = None,
) -> dict:
    """One page of ``queryset`` (ordered, ending with the primary key) by its page number or
    by a cursor: a COUNT that stops at ``COUNT_LIMIT`` and the page's ids, then its rows. A
    cursor that does not fit the query's ordering raises a field error on ``cursor``.

    The rows are model instances, each given to ``serialize``; or, with ``values``, dicts of
    those fields given together to ``serialize_rows`` (cheaper: no model instances)."""
    keys = keyset.sort_keys(queryset)
    if params.cursor:
        cursor = keyset.decode_cursor(params.cursor, keys)
    # counted first: a result known to be small is read whole before it is sorted (keyset._ids)
    count, exact = keyset.count_up_to(queryset, COUNT_LIMIT)
    if params.cursor:
        window = keyset.window_at_cursor(
            queryset, keys, cursor, params.page_size, values, counted=exact
        )
        page = None
    else:
        offset = (params.page - 1) * params.page_size
        window = keyset.window_at_offset(
            queryset, keys, offset, params.page_size, values, counted=exact
        )
        page = params.page
    next_cursor = window.next.encode() if window.next else None
    previous_cursor = window.previous.encode() if window.previous else None
    rows = window.rows
    return {
        "count": count,
        "count_exact": exact,
        "page": page,
        "page_size": params.page_size,
        "next": _link(request, next_cursor),
        "previous": _link(request, previous_cursor),
        "next_cursor": next_cursor,
        "previous_cursor": previous_cursor,
        "results": (
            serialize_rows(rows)
            if serialize_rows
            else [serialize(row) for row in rows]
            if serialize
            else rows
        ),
    }


def _link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    query[keyset.CURSOR_PARAM] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
