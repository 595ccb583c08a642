"""Assembles the NinjaAPI: authentication, error handlers and each app's router."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router
from ninja.renderers import JSONRenderer

from kehu.core.api.auth import declared_permissions, undeclared
from kehu.core.api.errors import register_error_handlers


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as characters, not ``\\uXXXX`` escapes: readable in logs and
    curl, and a third smaller."""

    json_dumps_params = {"ensure_ascii": False}


def build_api() -> NinjaAPI:
    """The ``/api/v1/`` API. Every operation needs authentication; the OpenAPI document and
    the docs page do not."""
    from kehu.accounts.api import router as accounts_router
    from kehu.audit.api import router as audit_router
    from kehu.credit.api import router as credit_router
    from kehu.customers.api import router as customers_router
    from kehu.evaluation.api import router as evaluation_router
    from kehu.masterdata.api import router as masterdata_router
    from kehu.quality.api import router as quality_router
    from kehu.sales.api import router as sales_router
    from kehu.sales.receivables_api import router as receivables_router

    api = NinjaAPI(
        title="Kehu API",
        version="1",
        description=(
            "Customer management for ERP sales: master data, the customer archive and the "
            "sales documents."
        ),
        urls_namespace="api-v1",
        auth=undeclared(),
        renderer=Utf8JSONRenderer(),
    )
    register_error_handlers(api)
    api.add_router("", accounts_router)
    api.add_router("", masterdata_router)
    api.add_router("", quality_router)  # before customers: /customers/duplicate-check
    api.add_router("", customers_router)
    api.add_router("", sales_router)
    api.add_router("", evaluation_router)
    api.add_router("", receivables_router)
    api.add_router("", credit_router)
    api.add_router("", audit_router)
    api.add_router("", _unknown_paths())  # last: only what no other route matches
    _document_permissions(api)
    return api


def _document_permissions(api: NinjaAPI) -> None:
    """Write each operation's permissions into the OpenAPI document as ``x-permissions``
    (``x-public`` for an operation without authentication), so that clients and the
    permission-matrix test read who may call what from the document itself."""
    for bound_router in api._get_bound_routers():  # binds the routers: add none after this
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                extra = dict(operation.openapi_extra or {})
                if not operation.auth_callbacks:
                    extra["x-public"] = True
                else:
                    perms = declared_permissions(operation)
                    if perms is not None:
                        extra["x-permissions"] = perms
                operation.openapi_extra = extra


def _unknown_paths() -> Router:
    """A JSON 404 for any other path under the API, instead of Django's HTML page."""
    router = Router()

    @router.api_operation(
        ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "/{path:rest}",
        auth=None,
        include_in_schema=False,
    )
    def unknown_path(request, rest: str):
        raise Http404(_("There is no such path in the API."))

    return router
