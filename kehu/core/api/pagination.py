"""Page-number pagination shared by every list of the API."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from pydantic import BaseModel, Field, create_model

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


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
