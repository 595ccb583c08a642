"""Master data endpoints (SPEC §1): coding schemes, the class and region trees, small lists.

The trees and the small lists are each one router factory, instantiated per model.
"""

from dataclasses import dataclass

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


# Trees -----------------------------------------------------------------------------------


def tree_router(model: type[TreeNode], name: str) -> Router:
    """CRUD of one coded tree; parent and level derive from the code."""
    tree = Router(tags=[name])
    label = str(model._meta.verbose_name)
    Page = page_schema(TreeNodeOut)

    @tree.get(
        "",
        response=with_errors({200: Page}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_list",
        summary=f"List {model._meta.verbose_name_plural}",
    )
    def list_nodes(request, filters: Query[TreeNodeFilter], page: Query[PageParams]):
        return paginate(filters.apply(selectors.tree_nodes(model)), page)

    @tree.post(
        "",
        response=with_errors({201: TreeNodeOut}),
        auth=requires(_perm(model, "add")),
        operation_id=f"{name}_create",
        summary=f"Create a {label}",
    )
    def create_node(request, payload: TreeNodeIn):
        node = services.tree_node_create(model, actor=request.user, data=payload.model_dump())
        return Status(201, node)

    @tree.get(
        "/by-code/{code}",
        response=with_errors({200: TreeNodeOut}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_by_code",
        summary=f"Get a {label} by its code",
    )
    def get_by_code(request, code: SafeStr):
        return get_or_404(selectors.tree_nodes(model), code=code)

    @tree.get(
        "/{id}",
        response=with_errors({200: TreeNodeOut}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_get",
        summary=f"Get a {label}",
    )
    def get_node(request, id: ObjectId):
        return get_or_404(selectors.tree_nodes(model), pk=id)

    @tree.patch(
        "/{id}",
        response=with_errors({200: TreeNodeOut}),
        auth=requires(_perm(model, "change")),
        operation_id=f"{name}_update",
        summary=f"Rename or recode a {label}",
    )
    def update_node(request, id: ObjectId, payload: TreeNodePatch):
        node = get_or_404(selectors.tree_nodes(model), pk=id)
        return services.tree_node_update(
            model, actor=request.user, node=node, data=payload.model_dump(exclude_unset=True)
        )

    @tree.delete(
        "/{id}",
        response=with_errors({204: None}),
        auth=requires(_perm(model, "delete")),
        operation_id=f"{name}_delete",
        summary=f"Delete a {label} without children or users",
    )
    def delete_node(request, id: ObjectId):
        node = get_or_404(selectors.tree_nodes(model), pk=id)
        services.tree_node_delete(model, actor=request.user, node=node)
        return Status(204, None)

    return tree


router.add_router("/classes", tree_router(CustomerClass, "classes"))
router.add_router("/regions", tree_router(Region, "regions"))


# Small coded lists -----------------------------------------------------------------------


@dataclass(frozen=True)
class CodedList:
    """One small list: its model, URL segment and schemas."""

    model: type[CodedItem]
    path: str
    schema_in: type = CodedItemIn
    schema_out: type = CodedItemOut


CODED_LISTS = (
    CodedList(Industry, "industries"),
    CodedList(Department, "departments"),
    CodedList(Salesperson, "salespeople", SalespersonIn, SalespersonOut),
    CodedList(Currency, "currencies", CurrencyIn, CurrencyOut),
    CodedList(PaymentTerms, "payment-terms", PaymentTermsIn, PaymentTermsOut),
    CodedList(ShippingMethod, "shipping-methods"),
    CodedList(CreditGrade, "credit-grades", CreditGradeIn, CreditGradeOut),
)


def coded_list_router(spec: CodedList) -> Router:
    """CRUD and lookup by code of one small list, through ``coded_item_*`` services."""
    model, Out = spec.model, spec.schema_out
    In, Patch = spec.schema_in, CODED_ITEM_PATCHES[spec.schema_in]
    name = spec.path.replace("-", "_")
    label = str(model._meta.verbose_name)
    items = Router(tags=[spec.path])

    @items.get(
        "",
        response=with_errors({200: page_schema(Out)}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_list",
        summary=f"List {model._meta.verbose_name_plural}",
    )
    def list_items(request, filters: Query[CodedItemFilter], page: Query[PageParams]):
        return paginate(filters.apply(selectors.coded_items(model)), page)

    @items.post(
        "",
        response=with_errors({201: Out}),
        auth=requires(_perm(model, "add")),
        operation_id=f"{name}_create",
        summary=f"Create a {label}",
    )
    def create_item(request, payload: In):
        item = services.coded_item_create(
            model, actor=request.user, data=payload.model_dump(exclude_unset=True)
        )
        return Status(201, item)

    @items.get(
        "/by-code/{code}",
        response=with_errors({200: Out}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_by_code",
        summary=f"Get a {label} by its code",
    )
    def get_by_code(request, code: SafeStr):
        return get_or_404(selectors.coded_items(model), code=code)

    @items.get(
        "/{id}",
        response=with_errors({200: Out}),
        auth=requires(_perm(model, "view")),
        operation_id=f"{name}_get",
        summary=f"Get a {label}",
    )
    def get_item(request, id: ObjectId):
        return get_or_404(selectors.coded_items(model), pk=id)

    @items.patch(
        "/{id}",
        response=with_errors({200: Out}),
        auth=requires(_perm(model, "change")),
        operation_id=f"{name}_update",
        summary=f"Change a {label}",
    )
    def update_item(request, id: ObjectId, payload: Patch):
        item = get_or_404(selectors.coded_items(model), pk=id)
        return services.coded_item_update(
            model, actor=request.user, item=item, data=payload.model_dump(exclude_unset=True)
        )

    @items.delete(
        "/{id}",
        response=with_errors({204: None}),
        auth=requires(_perm(model, "delete")),
        operation_id=f"{name}_delete",
        summary=f"Delete a {label} that nothing uses",
    )
    def delete_item(request, id: ObjectId):
        item = get_or_404(selectors.coded_items(model), pk=id)
        services.coded_item_delete(model, actor=request.user, item=item)
        return Status(204, None)

    return items


for _spec in CODED_LISTS:
    router.add_router(f"/{_spec.path}", coded_list_router(_spec))
