"""Master data endpoints (SPEC §1): coding schemes, the class and region trees, small lists.

The trees and the small lists share one router factory, instantiated per model.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from ninja import Query, Router, Status

from kehu.core.api.auth import requires
from kehu.core.api.errors import mark_read_only, with_errors
from kehu.core.api.lookup import get_or_404
from kehu.core.api.pagination import PageParams, page_schema, paginate
from kehu.core.api.schemas import ObjectId, SafeStr
from kehu.core.models import CodedItem
from kehu.masterdata import selectors, services
from kehu.masterdata.models import (
    CodingScheme,
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
    ShippingMethod,
    TreeNode,
)
from kehu.masterdata.schemas import (
    CODED_ITEM_PATCHES,
    CodedItemFilter,
    CodedItemIn,
    CodedItemOut,
    CodingSchemeIn,
    CodingSchemeOut,
    CreditGradeIn,
    CreditGradeOut,
    CurrencyIn,
    CurrencyOut,
    PaymentTermsIn,
    PaymentTermsOut,
    SalespersonIn,
    SalespersonOut,
    TreeName,
    TreeNodeFilter,
    TreeNodeIn,
    TreeNodeOut,
    TreeNodePatch,
)

mark_read_only("net_days", "discounts", "level", "is_leaf", "parent_code")

router = Router()


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


# Coding schemes --------------------------------------------------------------------------

schemes = Router(tags=["coding schemes"])


@schemes.get(
    "",
    response=with_errors({200: list[CodingSchemeOut]}),
    auth=requires(_perm(CodingScheme, "view")),
    summary="List the coding schemes",
)
def coding_scheme_list(request):
    return selectors.coding_schemes()


@schemes.get(
    "/{tree}",
    response=with_errors({200: CodingSchemeOut}),
    auth=requires(_perm(CodingScheme, "view")),
    summary="Get the coding scheme of a tree",
)
def coding_scheme_get(request, tree: TreeName):
    return selectors.coding_scheme(tree)


@schemes.put(
    "/{tree}",
    response=with_errors({200: CodingSchemeOut}),
    auth=requires(_perm(CodingScheme, "change")),
    summary="Change a coding scheme (only lengthened once codes exist)",
)
def coding_scheme_put(request, tree: TreeName, payload: CodingSchemeIn):
    return services.coding_scheme_update(actor=request.user, tree=tree, segments=payload.segments)


router.add_router("/coding-schemes", schemes)


# Trees and small lists --------------------------------------------------------------------


@dataclass(frozen=True)
class CodedResource:
    """One coded table exposed as CRUD plus lookup by code: a tree or a small list."""

    model: type[TreeNode] | type[CodedItem]
    path: str
    schema_in: type
    schema_patch: type
    schema_out: type
    filter: type
    queryset: Callable
    create: Callable
    update: Callable
    delete: Callable


def _tree(model: type[TreeNode], path: str) -> CodedResource:
    return CodedResource(
        model,
        path,
        TreeNodeIn,
        TreeNodePatch,
        TreeNodeOut,
        TreeNodeFilter,
        queryset=selectors.tree_nodes,
        create=services.tree_node_create,
        update=lambda model, *, actor, obj, data: services.tree_node_update(
            model, actor=actor, node=obj, data=data
        ),
        delete=lambda model, *, actor, obj: services.tree_node_delete(model, actor=actor, node=obj),
    )


def _list(model: type[CodedItem], path: str, schema_in=CodedItemIn, schema_out=CodedItemOut):
    return CodedResource(
        model,
        path,
        schema_in,
        CODED_ITEM_PATCHES[schema_in],
        schema_out,
        CodedItemFilter,
        queryset=selectors.coded_items,
        create=services.coded_item_create,
        update=lambda model, *, actor, obj, data: services.coded_item_update(
            model, actor=actor, item=obj, data=data
        ),
        delete=lambda model, *, actor, obj: services.coded_item_delete(
            model, actor=actor, item=obj
        ),
    )


CODED_RESOURCES = (
    _tree(CustomerClass, "classes"),
    _tree(Region, "regions"),
    _list(Industry, "industries"),
    _list(Department, "departments"),
    _list(Salesperson, "salespeople", SalespersonIn, SalespersonOut),
    _list(Currency, "currencies", CurrencyIn, CurrencyOut),
    _list(PaymentTerms, "payment-terms", PaymentTermsIn, PaymentTermsOut),
    _list(ShippingMethod, "shipping-methods"),
    _list(CreditGrade, "credit-grades", CreditGradeIn, CreditGradeOut),
)


def coded_router(spec: CodedResource) -> Router:
    """List, create, get (by id or code), change and delete rows of one coded table, through
    its services; the rules (tree placement, usage, recoding) live there."""
    model, Out = spec.model, spec.schema_out
    name = spec.path.replace("-", "_")
    with translation.override("en"):  # the OpenAPI document is written for developers
        label = str(model._meta.verbose_name)
        plural = str(model._meta.verbose_name_plural)
    items = Router(tags=[spec.path])

    def operation(method, path, status, action, suffix, summary):
        return getattr(items, method)(
            path,
            response=with_errors({status: Out if status != 204 else None}),
            auth=requires(_perm(model, action)),
            operation_id=f"{name}_{suffix}",
            summary=summary,
        )

    @items.get(
        "",
        response=with_errors({200: page_schema(Out)}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_list",
        summary=f"List {plural}",
    )
    def list_rows(request, filters: Query[spec.filter], page: Query[PageParams]):
        return paginate(filters.apply(spec.queryset(model)), page)

    @operation("post", "", 201, "add", "create", f"Create a {label}")
    def create_row(request, payload: spec.schema_in):
        data = payload.model_dump(exclude_unset=True)
        return Status(201, spec.create(model, actor=request.user, data=data))

    @operation("get", "/by-code/{code}", 200, "view", "by_code", f"Get a {label} by its code")
    def get_by_code(request, code: SafeStr):
        return get_or_404(spec.queryset(model), code=code)

    @operation("get", "/{id}", 200, "view", "get", f"Get a {label}")
    def get_row(request, id: ObjectId):
        return get_or_404(spec.queryset(model), pk=id)

    @operation("patch", "/{id}", 200, "change", "update", f"Change a {label}")
    def update_row(request, id: ObjectId, payload: spec.schema_patch):
        obj = get_or_404(spec.queryset(model), pk=id)
        data = payload.model_dump(exclude_unset=True)
        return spec.update(model, actor=request.user, obj=obj, data=data)

    @operation("delete", "/{id}", 204, "delete", "delete", f"Delete a {label} nothing uses")
    def delete_row(request, id: ObjectId):
        spec.delete(model, actor=request.user, obj=get_or_404(spec.queryset(model), pk=id))
        return Status(204, None)

    return items


for _spec in CODED_RESOURCES:
    router.add_router(f"/{_spec.path}", coded_router(_spec))
