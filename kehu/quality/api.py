"""Duplicate detection over the API: the report and the check before creating a customer."""

from ninja import Query, Router

from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors
from kehu.core.api.pagination import PageParams, page_schema
from kehu.customers.selectors import customers_visible_to
from kehu.quality.duplicates import duplicates_of, find_duplicates
from kehu.quality.import_jobs_api import router as import_jobs
from kehu.quality.schemas import (
    DuplicateCandidateOut,
    DuplicateCheckIn,
    DuplicatePairOut,
    DuplicateReportParams,
    candidate_out,
    pair_out,
)

router = Router()
duplicates = Router(tags=["duplicates"])
checks = Router(tags=["customers"])


def _page(rows: list, params: PageParams, serialize) -> dict:
    offset = (params.page - 1) * params.page_size
    return {
        "count": len(rows),
        "page": params.page,
        "page_size": params.page_size,
        "results": [serialize(row) for row in rows[offset : offset + params.page_size]],
    }


@duplicates.get(
    "",
    response=with_errors({200: page_schema(DuplicatePairOut)}),
    auth=requires("customers.view_customer"),
    summary="Probable duplicate customers, best first",
    description=(
        "Pairs of customers you may see that are probably the same one, each with a score "
        "(0–100) and the reasons: the same credit code, phone, mobile or email (of the "
        "customer or its contacts), the same or similar names after normalising company "
        "forms, brackets, leading place names, widths and spaces."
    ),
)
def duplicate_report(request, params: Query[DuplicateReportParams], page: Query[PageParams]):
    pairs = find_duplicates(customers_visible_to(request.user), threshold=params.min_score)
    return _page(pairs, page, pair_out)


@checks.post(
    "/duplicate-check",
    response=with_errors({200: list[DuplicateCandidateOut]}),
    auth=requires("customers.view_customer"),
    summary="Active customers that are probably the one described (before creating it)",
    description=(
        "Send what you know of a new customer; the answer lists the active customers you may "
        "see that are probably the same, best first (empty: none). Nothing is written."
    ),
)
def duplicate_check(request, payload: DuplicateCheckIn):
    data = payload.model_dump(exclude_none=True)
    exclude = data.pop("exclude_id", None)
    return [candidate_out(c) for c in duplicates_of(data, user=request.user, exclude_pk=exclude)]


# Before the customers' router: /customers/{id} would otherwise answer for this path.
router.add_router("/customers", checks)
router.add_router("/duplicates", duplicates)
router.add_router("/import-jobs", import_jobs)
