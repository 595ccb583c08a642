"""Data quality over the API: the duplicate report, the check before creating a customer, and
merging two customers (SPEC §7)."""

from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile

from kehu.core.api.auth import requires
from kehu.core.api.errors import ErrorOut, etag, with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import PageParams, page_schema
from kehu.customers.schemas import CustomerDetailOut, customer_detail_out
from kehu.customers.selectors import customer_detail, customers_visible_to
from kehu.quality.duplicates import duplicates_of, find_duplicates
from kehu.quality.import_jobs_api import router as import_jobs
from kehu.quality.importing import import_file
from kehu.quality.importing.template import import_template
from kehu.quality.importing.upload import (
    IMPORT_MAX_BYTES,
    SyncRowLimit,
    sync_size_check,
    uploaded_path,
)
from kehu.quality.merge import MERGE_PERMISSIONS, customer_merge, customer_merge_preview
from kehu.quality.schemas import (
    DuplicateCandidateOut,
    DuplicateCheckIn,
    DuplicatePairOut,
    DuplicateReportParams,
    ImportReportOut,
    MergeIn,
    MergePairIn,
    MergePreviewOut,
    candidate_out,
    import_report_out,
    merge_preview_out,
    pair_out,
)

_ETAG_HEADER = {
    "ETag": {
        "description": "The survivor's new version as a strong entity tag.",
        "schema": {"type": "string"},
    }
}

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


# Merging two customers ---------------------------------------------------------------------

_MERGE_RULES = (
    "You need the permissions to view, change and delete customers, and both customers must be "
    "in your data scope (otherwise 404, as for a missing one). "
)


def _merge_pair(request, payload: MergePairIn):
    visible = customers_visible_to(request.user)
    return get_or_404(visible, pk=payload.survivor), get_or_404(visible, pk=payload.other)


@checks.post(
    "/merge/preview",
    response=with_errors({200: MergePreviewOut}),
    auth=requires(*MERGE_PERMISSIONS),
    tags=["merge"],
    summary="Preview merging two customers (nothing is written)",
    description=(
        _MERGE_RULES + "The answer lists every field with both values and the default choice "
        "(the survivor's value unless it is empty), what would move to the survivor "
        "(contacts, addresses, bank accounts, documents, branches, other apps' records) and "
        "the conflicts with the rule that resolves each (`blocking`: the merge is refused as "
        "long as it stands). Send the versions it shows with the merge."
    ),
)
def merge_preview(request, payload: MergePairIn):
    survivor, other = _merge_pair(request, payload)
    preview = customer_merge_preview(actor=request.user, survivor=survivor, other=other)
    return merge_preview_out(preview)


@checks.post(
    "/merge",
    response=with_errors({200: CustomerDetailOut}, preconditions=True),
    auth=requires(*MERGE_PERMISSIONS),
    tags=["merge"],
    summary="Merge a customer into another and delete it",
    description=(
        _MERGE_RULES + "`other` is merged into `survivor`: the survivor keeps its code and, "
        "per field, the side named in `choices` (else the preview's default); tags are "
        "combined; contacts, addresses, bank accounts, qualification documents, branches and "
        "every record of other apps that refers to `other` move to the survivor; then `other` "
        "is deleted. All or nothing, audited under one operation id with a `merge` event on "
        "the survivor. A customer changed since the versions you send is refused with 412 "
        "`stale`; credit terms taken from `other` need the credit permission (403 "
        "`field_forbidden`); an unknown field or side is 422; a merge that would make the "
        "survivor its own head office is 409 `own_head_office`. The answer is the survivor."
    ),
    openapi_extra={"responses": {200: {"headers": _ETAG_HEADER}}},
)
def merge(request, payload: MergeIn, response: HttpResponse):
    survivor, other = _merge_pair(request, payload)
    survivor = customer_merge(
        actor=request.user,
        survivor=survivor,
        other=other,
        choices=payload.choices,
        expected_versions={
            survivor.pk: payload.survivor_version,
            other.pk: payload.other_version,
        },
    )
    response["ETag"] = etag(survivor.version)
    return customer_detail_out(get_or_404(customer_detail(request.user), pk=survivor.pk))


# Before the customers' router: /customers/{id} would otherwise answer for this path.
router.add_router("/customers", checks)
router.add_router("/duplicates", duplicates)
router.add_router("/import-jobs", import_jobs)


# Import (SPEC §7, §8) ----------------------------------------------------------------------

imports = Router(tags=["import"])
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@imports.post(
    "",
    response=with_errors({200: ImportReportOut, 413: ErrorOut}),
    auth=requires("customers.add_customer", "customers.change_customer"),
    summary="Import a workbook or CSV file (all or nothing, or skipping bad rows)",
    description=(
        "Upload the canonical workbook (.xlsx: sheets 客户分类/classes, 地区分类/regions, "
        "客户/customers, 联系人/contacts, 收货地址/addresses) or a CSV file of the customer "
        "sheet (UTF-8 with or without BOM, or GB18030) as `file` (multipart). Customers are "
        "upserted by code. All or nothing unless `skip_errors`; `dry_run` validates and lists "
        "the changes without writing. The answer is the report: counts per sheet, every "
        "refused row (sheet, line, column, reason), the changes, and the operation id that "
        "every audit event of the import carries. Sheets of sales documents are not imported "
        "yet (a warning says so). The import is done within the request: a file larger than "
        "10 MB or with more than 10,000 rows by default (`KEHU_IMPORT_SYNC_MAX_BYTES`, "
        "`KEHU_IMPORT_SYNC_MAX_ROWS`) is refused with 413 `too_large_for_sync_import`, "
        "nothing written: import it with `POST /api/v1/import-jobs`, which runs it in the "
        "background and reports the same errors."
    ),
)
def import_upload(
    request,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    skip_errors: Form[bool] = False,
):
    limit = getattr(settings, "KEHU_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if file.size and file.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": limit // (1 << 20)}}
        )
    sync_size_check(file.size)
    with uploaded_path(file) as path:
        report = import_file(
            path,
            actor=request.user,
            dry_run=dry_run,
            skip_errors=skip_errors,
            file_name=Path(file.name or "import").name,
            progress=SyncRowLimit(),
        )
    return import_report_out(report)


@imports.get(
    "/template",
    response=with_errors({200: None}),
    auth=requires("customers.add_customer"),
    summary="The import template (XLSX) with Chinese or English headers",
    description=(
        "A workbook with the import's sheets and headers (`lang=zh` or `en`), an example "
        "customer, and drop-down lists of the current master data for the coded columns."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The template workbook.",
                "content": {_XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def import_template_download(request, lang: Literal["zh", "en"] = "zh"):
    response = HttpResponse(import_template(lang), content_type=_XLSX)
    name = "导入模板.xlsx" if lang == "zh" else "import-template.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


router.add_router("/imports", imports)
