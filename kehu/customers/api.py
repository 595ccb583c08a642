"""Customer archive endpoints (SPEC §2): customers, their children, user-defined fields, tags.

Views parse with the schemas, read through the selectors (so data scopes apply) and write
through the services; they hold no rules of their own.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from ninja import Body, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from kehu.audit.api import AuditEventOut, event_out
from kehu.audit.selectors import events_for_customer
from kehu.core.api.auth import requires
from kehu.core.api.errors import etag, mark_read_only, with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import (
    CursorPageParams,
    PageParams,
    cursor_page_schema,
    cursor_paginate,
    page_schema,
    paginate,
)
from kehu.core.api.schemas import Bool, InputSchema, ObjectId, SafeStr
from kehu.customers import exports, fields, selectors, services, statistics
from kehu.customers.filters import CustomerFilter, filter_with_saved, saved_query_of
from kehu.customers.models import Customer, SavedQuery
from kehu.customers.schemas import (
    CHILD_INPUTS,
    CHILD_OUTPUTS,
    CHILD_PATCHES,
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    DeactivateIn,
    DocumentOut,
    ExpiringDocumentOut,
    TagOut,
    UserFieldIn,
    UserFieldOut,
    UserFieldPatch,
    customer_detail_out,
    customer_out,
)
from kehu.customers.services import saved_queries as saved_query_services
from kehu.customers.services.children import CHILD_KINDS
from kehu.quality.duplicates import ProbableDuplicateError, refuse_probable_duplicates
from kehu.quality.schemas import AllowDuplicates, ProbableDuplicateOut, probable_duplicate_out

mark_read_only(*fields.SYSTEM_FIELDS, "is_active")

router = Router()
customers = Router(tags=["customers"])


def _detail(request, customer: Customer) -> dict:
    """The customer as the caller sees it, re-read with every relation in a few queries."""
    return customer_detail_out(get_or_404(selectors.customer_detail(request.user), pk=customer.pk))


def _visible(request, id: int) -> Customer:
    return get_or_404(selectors.customers_visible_to(request.user), pk=id)


# Optimistic concurrency: a customer's ETag is its version; a change names it in If-Match.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')
_ETAG_HEADER = {
    "ETag": {
        "description": 'The customer\'s version as a strong entity tag (`"7"`): send it back in '
        "If-Match to change the customer.",
        "schema": {"type": "string"},
    }
}


def _if_match_parameter(required: bool) -> dict:
    text = (
        'The ETag of the customer as you read it (`"7"`). A customer changed meanwhile is '
        "refused with 412 `stale` and nothing is written"
    )
    if required:
        text += "; without If-Match (or with `*`) the change is refused with 428."
    else:
        text += "; without it the action applies to the current version."
    return {
        "parameters": [
            {
                "in": "header",
                "name": "If-Match",
                "required": required,
                "schema": {"type": "string"},
                "description": text,
            }
        ]
    }


# The ETag header of an operation's success response, for its OpenAPI description.
_WITH_ETAG = {"responses": {200: {"headers": _ETAG_HEADER}}}


def _expected_version(request, customer: Customer, *, required: bool) -> int | None:
    """The version named by If-Match, for the service to compare under its row lock.

    ``*`` would match any version, so it protects nothing: it is treated as missing. Weak tags
    never match (a change needs the strong comparison); a list matches if it holds the
    current version. A value that names no version of ours gives 0, which no customer has,
    and so the service's answer: 412 with the current version.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() in ("", "*"):
        if required:
            raise HttpError(428, "precondition_required")
        return None
    versions = set()
    for part in header.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match and not match.group(1) and match.group(2).isdigit():
            versions.add(int(match.group(2)))
    return customer.version if customer.version in versions else 0


def _set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


class SavedParam(BaseModel):
    saved: ObjectId | None = Field(
        None,
        description="The id of a saved query (yours or a shared one): its conditions apply, "
        "and the parameters given here override them. An id you may not use is refused "
        "with 422 naming `saved`.",
    )


def _conditions(request, saved: SavedParam) -> tuple[CustomerFilter, SavedQuery | None]:
    """The query's filter and the saved query it names: read from the request itself like the
    web list does, so that the ``uf_*`` conditions (not in the OpenAPI parameters, their
    names depend on the data) apply too. Ninja has already checked the documented ones."""
    query = None if saved.saved is None else saved_query_of(request.user, saved.saved)
    return filter_with_saved(request.GET, request.user, query), query


# The conditions' rules, in the description of every operation that takes them.
CONDITIONS_TEXT = (
    "Conditions combine with AND. Codes of master data (`class_code`, `region_code` with "
    "their subtrees, `industry`, `department`, `salesperson`, `credit_grade`) may be repeated "
    "or comma-separated: any of them matches. `tag` repeated: customers with every tag. "
    "Ranges include both ends (`*_from`/`*_to` dates as YYYY-MM-DD, `*_min`/`*_max` "
    "numbers); a customer without a value is outside any range; an end before the start is "
    "refused with 422 on the end's parameter.\n\n"
    "**User-defined fields** (keys as in `GET /user-fields`, active fields only): "
    "`uf_<key>=value` is an exact match for text, choice, yes/no (`true`/`false`, `1`/`0`, "
    "`是`/`否`), number and date fields (repeat it for several texts or choices: any of them); "
    "`uf_<key>_min` / `uf_<key>_max` bound a number field, `uf_<key>_from` / `uf_<key>_to` a "
    "date field. An unknown key, a value the field does not take or a reversed range is "
    "refused with 422 naming the parameter.\n\n"
    "`saved=<id>` applies a saved query; the parameters given override its conditions. A "
    "saved query whose stored conditions no longer parse (e.g. a user-defined field since "
    "deactivated) is refused with 422 on `saved`."
)


@customers.get(
    "",
    response=with_errors({200: cursor_page_schema(CustomerOut)}),
    auth=requires("customers.view_customer"),
    summary="Find customers",
    description=(
        "Page by `page` numbers, or follow the `next` and `previous` links (their `cursor`), "
        "which stay fast however deep the page: a cursor is the position of the row at the "
        "edge of a page in the current ordering.\n\n" + CONDITIONS_TEXT
    ),
)
def customer_list(
    request,
    filters: Query[CustomerFilter],
    page: Query[CursorPageParams],
    saved: Query[SavedParam],
):
    filters, _query = _conditions(request, saved)
    queryset = filters.apply(selectors.customer_list(request.user))
    return cursor_paginate(request, queryset, page, customer_out)


@customers.post(
    "",
    response={
        **with_errors({201: CustomerDetailOut}),
        409: ProbableDuplicateOut,  # duplicate detection (kehu.quality)
    },
    auth=requires("customers.add_customer"),
    summary="Create a customer with its contacts, addresses, bank accounts and documents",
    description=(
        "Credit terms other than the defaults need the credit permission: without it they are "
        "refused with 403 `field_forbidden` naming each field. A valid customer that is "
        "probably one you can already see (same credit code, phone or email, or a name equal "
        "or similar after normalising) is refused with 409 `probable_duplicate` listing the "
        "`candidates`; send it again with `?allow_duplicates=true` to create it anyway."
    ),
    openapi_extra={"responses": {201: {"headers": _ETAG_HEADER}}},
)
def customer_create(
    request,
    payload: CustomerIn,
    response: HttpResponse,
    allow_duplicates: Query[AllowDuplicates],
):
    data = payload.model_dump(exclude_unset=True)
    try:
        with transaction.atomic():
            customer = services.customer_create(actor=request.user, data=data)
            if not allow_duplicates.allow_duplicates:
                refuse_probable_duplicates(customer, user=request.user)
    except ProbableDuplicateError as exc:
        return Status(409, probable_duplicate_out(exc))
    _set_etag(response, customer.version)
    return Status(201, _detail(request, customer))


@customers.get(
    "/by-code/{code}",
    response=with_errors({200: CustomerDetailOut}),
    auth=requires("customers.view_customer"),
    summary="Get a customer by its code",
    openapi_extra=_WITH_ETAG,
)
def customer_by_code(request, code: SafeStr, response: HttpResponse):
    customer = get_or_404(selectors.customer_detail(request.user), code=code)
    _set_etag(response, customer.version)
    return customer_detail_out(customer)


_EXPORT_FILE = {"schema": {"type": "string", "format": "binary"}}


@customers.get(
    "/export",
    response=with_errors({200: None}),
    auth=requires("customers.view_customer"),
    summary="Export the customers of a query to XLSX or CSV",
    description=(
        "Every customer that the list endpoint finds with the same conditions (all pages, "
        "within the caller's data scope), as a file to download (Content-Disposition "
        "`attachment; filename=customers-YYYYMMDD-HHMM.xlsx`). Columns are SPEC §8's customer "
        "columns, headed in Chinese or English: references as codes, dates as YYYY-MM-DD, "
        "amounts as plain decimals. A text cell that a spreadsheet would run as a formula "
        "(starting with = + - @, a tab or a carriage return) starts with a `'`.\n\n"
        + CONDITIONS_TEXT
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The export file: an XLSX workbook with one sheet `customers` "
                "(`客户` with Chinese headers), or CSV in UTF-8 with a byte-order mark or in "
                "GB18030.",
                "content": {exports.CONTENT_TYPES["xlsx"]: _EXPORT_FILE, "text/csv": _EXPORT_FILE},
            }
        }
    },
)
def customer_export(
    request,
    filters: Query[CustomerFilter],
    params: Query[exports.ExportParams],
    saved: Query[SavedParam],
):
    filters, query = _conditions(request, saved)
    if params.columns is None and query is not None and query.columns:
        params = params.model_copy(update={"columns": ",".join(query.columns)})
    return exports.export_response(
        filters.apply(selectors.customers_visible_to(request.user)), params
    )


class StatisticsRowOut(Schema):
    code: str | None = Field(description='The group\'s code; null for the group "not set".')
    name: str
    count: int
    credit_limit: Decimal = Field(description="Sum of the customers' credit limits.")
    receivable_balance: Decimal = Field(description="Sum of their receivable balances.")
    share: Decimal = Field(description="Percentage of the customers, one decimal.")


class StatisticsOut(Schema):
    group_by: str
    level: int | None
    groups: list[StatisticsRowOut]
    total: StatisticsRowOut


@customers.get(
    "/statistics",
    response=with_errors({200: StatisticsOut}),
    auth=requires("customers.view_customer"),
    summary="Count and sum the customers of a query by class, region, grade, salesperson...",
    description=(
        "The customers that the list endpoint finds with the same conditions (within the "
        "caller's data scope), grouped by `group_by`: per group the customer count, the sums "
        "of credit limits and receivable balances and the share of the customers, plus a "
        "`total`. Groups come in code order; customers without a value form the group with "
        '`code` null ("not set"), last. `level` (class and region only) rolls the tree up: '
        "`level=1` groups by the top-level class or region. A `level` deeper than the tree's "
        "coding scheme, or on another grouping, is refused with 422.\n\n" + CONDITIONS_TEXT
    ),
)
def customer_statistics(
    request,
    filters: Query[CustomerFilter],
    params: Query[statistics.StatisticsParams],
    saved: Query[SavedParam],
):
    filters, _query = _conditions(request, saved)
    queryset = filters.apply(selectors.customers_visible_to(request.user))
    return statistics.customer_statistics(queryset, params.group_by, params.level)


@customers.get(
    "/{id}",
    response=with_errors({200: CustomerDetailOut}),
    auth=requires("customers.view_customer"),
    summary="Get a customer",
    openapi_extra=_WITH_ETAG,
)
def customer_get(request, id: ObjectId, response: HttpResponse):
    customer = get_or_404(selectors.customer_detail(request.user), pk=id)
    _set_etag(response, customer.version)
    return customer_detail_out(customer)


@customers.patch(
    "/{id}",
    response=with_errors({200: CustomerDetailOut}, preconditions=True),
    auth=requires("customers.change_customer"),
    summary="Change some fields of a customer",
    description=(
        'Send If-Match with the ETag of your last read (`If-Match: "7"`). The answer carries '
        "the new ETag. Credit terms (credit grade and limit, credit days, payment terms, "
        "discount, price level, credit controls) need the credit permission: a changed value "
        "without it is refused with 403 `field_forbidden` naming each field."
    ),
    openapi_extra={**_if_match_parameter(required=True), **_WITH_ETAG},
)
def customer_update(request, id: ObjectId, payload: CustomerPatch, response: HttpResponse):
    customer = _visible(request, id)
    customer = services.customer_update(
        actor=request.user,
        customer=customer,
        data=payload.model_dump(exclude_unset=True),
        expected_version=_expected_version(request, customer, required=True),
    )
    _set_etag(response, customer.version)
    return _detail(request, customer)


@customers.delete(
    "/{id}",
    response=with_errors({204: None}),
    auth=requires("customers.delete_customer"),
    summary="Delete a customer without documents or branches",
)
def customer_delete(request, id: ObjectId):
    services.customer_delete(actor=request.user, customer=_visible(request, id))
    return Status(204, None)


@customers.post(
    "/{id}/deactivate",
    response=with_errors({200: CustomerDetailOut}, preconditions=True),
    auth=requires("customers.change_customer"),
    summary="Deactivate a customer (it stays findable but takes no new documents)",
    openapi_extra={**_if_match_parameter(required=False), **_WITH_ETAG},
)
def customer_deactivate(
    request, id: ObjectId, response: HttpResponse, payload: Body[DeactivateIn | None] = None
):
    customer = _visible(request, id)
    customer = services.customer_deactivate(
        actor=request.user,
        customer=customer,
        on=payload.on if payload else None,
        expected_version=_expected_version(request, customer, required=False),
    )
    _set_etag(response, customer.version)
    return _detail(request, customer)


@customers.post(
    "/{id}/reactivate",
    response=with_errors({200: CustomerDetailOut}, preconditions=True),
    auth=requires("customers.change_customer"),
    summary="Reactivate a deactivated customer",
    openapi_extra={**_if_match_parameter(required=False), **_WITH_ETAG},
)
def customer_reactivate(request, id: ObjectId, response: HttpResponse):
    customer = _visible(request, id)
    customer = services.customer_reactivate(
        actor=request.user,
        customer=customer,
        expected_version=_expected_version(request, customer, required=False),
    )
    _set_etag(response, customer.version)
    return _detail(request, customer)


@customers.get(
    "/{id}/history",
    response=with_errors({200: page_schema(AuditEventOut)}),
    auth=requires("customers.view_customer"),
    summary="The customer's history: every change of it and of its records, newest first",
)
def customer_history(request, id: ObjectId, page: Query[PageParams]):
    customer = _visible(request, id)
    return paginate(events_for_customer(customer.pk), page, event_out)


# Children: one factory for contacts, addresses, bank accounts and documents ----------------


@dataclass(frozen=True)
class ChildEndpoint:
    kind: str  # the service's name of the list, as in CHILD_KINDS
    path: str  # its URL segment


CHILD_ENDPOINTS = (
    ChildEndpoint("contacts", "contacts"),
    ChildEndpoint("addresses", "addresses"),
    ChildEndpoint("bank_accounts", "bank-accounts"),
    ChildEndpoint("documents", "documents"),
)


def add_child_routes(parent: Router, spec: ChildEndpoint) -> None:
    """``/{id}/<path>`` (list, create) and ``/{id}/<path>/{child_id}`` (get, change, delete)."""
    kind = spec.kind
    model = CHILD_KINDS[kind][0]
    In, Patch, Out = CHILD_INPUTS[kind], CHILD_PATCHES[kind], CHILD_OUTPUTS[kind]
    with translation.override("en"):  # the OpenAPI document is written for developers
        label = str(model._meta.verbose_name)
        plural = str(model._meta.verbose_name_plural)
    tags = [f"customer {spec.path}"]

    def perm(action: str):
        return requires(f"{model._meta.app_label}.{action}_{model._meta.model_name}")

    def child(request, id: int, child_id: int):
        customer = _visible(request, id)
        return get_or_404(selectors.customer_children(customer, kind), pk=child_id)

    @parent.get(
        f"/{{id}}/{spec.path}",
        response=with_errors({200: page_schema(Out)}),
        auth=perm("view"),
        tags=tags,
        operation_id=f"customer_{kind}_list",
        summary=f"List a customer's {plural}",
    )
    def list_children(request, id: ObjectId, page: Query[PageParams]):
        return paginate(selectors.customer_children(_visible(request, id), kind), page)

    @parent.post(
        f"/{{id}}/{spec.path}",
        response=with_errors({201: Out}),
        auth=perm("add"),
        tags=tags,
        operation_id=f"customer_{kind}_create",
        summary=f"Add a {label}",
    )
    def create_child(request, id: ObjectId, payload: In):
        customer = _visible(request, id)
        row = services.customer_child_create(
            kind, actor=request.user, customer=customer, data=payload.model_dump(exclude_unset=True)
        )
        # Read back as a read gives it (a document with its expiry status).
        return Status(201, selectors.customer_children(customer, kind).get(pk=row.pk))

    @parent.get(
        f"/{{id}}/{spec.path}/{{child_id}}",
        response=with_errors({200: Out}),
        auth=perm("view"),
        tags=tags,
        operation_id=f"customer_{kind}_get",
        summary=f"Get a {label}",
    )
    def get_child(request, id: ObjectId, child_id: ObjectId):
        return child(request, id, child_id)

    @parent.patch(
        f"/{{id}}/{spec.path}/{{child_id}}",
        response=with_errors({200: Out}),
        auth=perm("change"),
        tags=tags,
        operation_id=f"customer_{kind}_update",
        summary=f"Change a {label}",
    )
    def update_child(request, id: ObjectId, child_id: ObjectId, payload: Patch):
        row = services.customer_child_update(
            kind,
            actor=request.user,
            row=child(request, id, child_id),
            data=payload.model_dump(exclude_unset=True),
        )
        return child(request, id, row.pk)

    @parent.delete(
        f"/{{id}}/{spec.path}/{{child_id}}",
        response=with_errors({204: None}),
        auth=perm("delete"),
        tags=tags,
        operation_id=f"customer_{kind}_delete",
        summary=f"Delete a {label}",
    )
    def delete_child(request, id: ObjectId, child_id: ObjectId):
        services.customer_child_delete(kind, actor=request.user, row=child(request, id, child_id))
        return Status(204, None)


for _spec in CHILD_ENDPOINTS:
    add_child_routes(customers, _spec)

router.add_router("/customers", customers)


# Qualification documents due for renewal ------------------------------------------------

documents = Router(tags=["customer documents"])


class ExpiringParams(BaseModel):
    status: Literal["all", "expired", "expiring"] = Field(
        "all",
        description="`expired` (valid_to has passed), `expiring` (valid_to within the "
        "document's warn_days, today included) or `all` of both.",
    )


@documents.get(
    "/expiring",
    response=with_errors({200: page_schema(ExpiringDocumentOut)}),
    auth=requires("customers.view_customer", "customers.view_qualificationdocument"),
    summary="Qualification documents that have expired or expire within their warning days",
    description=(
        "The documents of the customers you may see whose valid_to has passed or is at most "
        "warn_days away (valid_to - warn_days <= today), soonest expiry first. Documents "
        "without valid_to never expire and are not listed."
    ),
)
def expiring_document_list(request, params: Query[ExpiringParams], page: Query[PageParams]):
    today = timezone.localdate()

    def out(document) -> dict:
        return {
            **DocumentOut.from_orm(document).model_dump(),
            "customer": {key: getattr(document.customer, key) for key in ("id", "code", "name")},
            "days_left": (document.valid_to - today).days,
        }

    return paginate(selectors.expiring_documents(request.user, params.status, today), page, out)


router.add_router("/documents", documents)


# User-defined fields ---------------------------------------------------------------------

user_fields = Router(tags=["user-defined fields"])


@user_fields.get(
    "",
    response=with_errors({200: page_schema(UserFieldOut)}),
    auth=requires("customers.view_userfield"),
    summary="List the user-defined fields",
)
def user_field_list(request, page: Query[PageParams]):
    return paginate(selectors.user_fields(), page)


@user_fields.post(
    "",
    response=with_errors({201: UserFieldOut}),
    auth=requires("customers.add_userfield"),
    summary="Define a user-defined field",
)
def user_field_create(request, payload: UserFieldIn):
    return Status(201, services.user_field_create(actor=request.user, data=payload.model_dump()))


@user_fields.get(
    "/{id}",
    response=with_errors({200: UserFieldOut}),
    auth=requires("customers.view_userfield"),
    summary="Get a user-defined field",
)
def user_field_get(request, id: ObjectId):
    return get_or_404(selectors.user_fields(), pk=id)


@user_fields.patch(
    "/{id}",
    response=with_errors({200: UserFieldOut}),
    auth=requires("customers.change_userfield"),
    summary="Change a user-defined field",
)
def user_field_update(request, id: ObjectId, payload: UserFieldPatch):
    return services.user_field_update(
        actor=request.user,
        definition=get_or_404(selectors.user_fields(), pk=id),
        data=payload.model_dump(exclude_unset=True),
    )


@user_fields.delete(
    "/{id}",
    response=with_errors({204: None}),
    auth=requires("customers.delete_userfield"),
    summary="Delete a user-defined field that no customer has a value for",
)
def user_field_delete(request, id: ObjectId):
    services.user_field_delete(
        actor=request.user, definition=get_or_404(selectors.user_fields(), pk=id)
    )
    return Status(204, None)


router.add_router("/user-fields", user_fields)


# Tags ------------------------------------------------------------------------------------

tags_router = Router(tags=["tags"])


@tags_router.get(
    "",
    response=with_errors({200: page_schema(TagOut)}),
    auth=requires("customers.view_tag"),
    summary="List tags",
)
def tag_list(request, page: Query[PageParams], q: SafeStr | None = None):
    queryset = selectors.tags()
    if q:
        queryset = queryset.filter(name__icontains=q)
    return paginate(queryset, page)


router.add_router("/tags", tags_router)


# Saved queries ---------------------------------------------------------------------------

saved_queries = Router(tags=["saved queries"])

_PARAMS_TEXT = (
    "The conditions: parameters of `GET /customers` (`q`, `class_code`, `status`, "
    "`credit_limit_min`, `uf_<key>`…) as an object of texts (a list of texts for a condition "
    "given several times, e.g. `tag`); only parameters with a non-default value are kept."
)


class SavedQueryIn(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=100)]
    shared: Bool = Field(False, description="Visible to (and usable by) every user.")
    params: dict[str, Any] = Field(default_factory=dict, max_length=30, description=_PARAMS_TEXT)
    columns: Annotated[list[SafeStr], Field(max_length=200)] | None = Field(
        None,
        description="The columns of the list and the export, in order (names as in the "
        "export's `columns`); the export uses them when it is given no `columns`.",
    )
    ordering: SafeStr | None = Field(None, max_length=40, description="As `ordering`.")


class SavedQueryPatch(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=100)] | None = None
    shared: Bool | None = None
    params: dict[str, Any] | None = Field(None, max_length=30, description=_PARAMS_TEXT)
    columns: Annotated[list[SafeStr], Field(max_length=200)] | None = None
    ordering: SafeStr | None = Field(None, max_length=40)


class SavedQueryOut(Schema):
    id: int
    name: str
    owner: str
    shared: bool
    params: dict[str, Any]
    columns: list[str]
    ordering: str
    can_change: bool = Field(description="Whether you may change or delete it.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _saved_out(request, query: SavedQuery, administrator: bool | None = None) -> dict:
    return {
        "id": query.pk,
        "name": query.name,
        "owner": query.owner.get_username(),
        "shared": query.shared,
        "params": query.params,
        "columns": query.columns,
        "ordering": query.ordering,
        "can_change": saved_query_services.may_change(
            request.user, query, administrator=administrator
        ),
        "created_at": query.created_at,
        "updated_at": query.updated_at,
    }


def _saved(request, id: int) -> SavedQuery:
    return get_or_404(selectors.saved_queries_visible_to(request.user), pk=id)


@saved_queries.get(
    "",
    response=with_errors({200: page_schema(SavedQueryOut)}),
    auth=requires("customers.view_customer"),
    summary="List your saved customer queries and the shared ones",
)
def saved_query_list(request, page: Query[PageParams]):
    administrator = saved_query_services.is_administrator(request.user)
    return paginate(
        selectors.saved_queries_visible_to(request.user),
        page,
        lambda query: _saved_out(request, query, administrator),
    )


@saved_queries.post(
    "",
    response=with_errors({201: SavedQueryOut}),
    auth=requires("customers.view_customer"),
    summary="Save a customer query",
    description="Use it as `saved=<id>` in `GET /customers`, `GET /customers/export` and "
    "`GET /customers/statistics`.",
)
def saved_query_create(request, payload: SavedQueryIn):
    data = payload.model_dump(exclude_unset=True)
    query = services.saved_query_create(actor=request.user, data=data)
    return Status(201, _saved_out(request, query))


@saved_queries.get(
    "/{id}",
    response=with_errors({200: SavedQueryOut}),
    auth=requires("customers.view_customer"),
    summary="Get a saved customer query",
)
def saved_query_get(request, id: ObjectId):
    return _saved_out(request, _saved(request, id))


@saved_queries.patch(
    "/{id}",
    response=with_errors({200: SavedQueryOut}),
    auth=requires("customers.view_customer"),
    summary="Change a saved customer query (its owner or an administrator)",
)
def saved_query_update(request, id: ObjectId, payload: SavedQueryPatch):
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    query = services.saved_query_update(actor=request.user, query=_saved(request, id), data=data)
    return _saved_out(request, query)


@saved_queries.delete(
    "/{id}",
    response=with_errors({204: None}),
    auth=requires("customers.view_customer"),
    summary="Delete a saved customer query (its owner or an administrator)",
)
def saved_query_delete(request, id: ObjectId):
    services.saved_query_delete(actor=request.user, query=_saved(request, id))
    return Status(204, None)


router.add_router("/saved-queries", saved_queries)
