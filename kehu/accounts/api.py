"""The current user (``/me``)."""

from ninja import Field, Router, Schema

from kehu.accounts.choices import ScopeKind
from kehu.accounts.names import display_name
from kehu.accounts.scopes import effective_scope
from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors

router = Router(tags=["me"])


class ScopeOut(Schema):
    kind: ScopeKind = Field(description="Which customers the user sees.")
    department: str | None = Field(
        description="For the department scope: the department's code (none: sees nothing)."
    )
    classes: list[str] = Field(description="For the classes scope: class codes with subtrees.")
    regions: list[str] = Field(description="For the regions scope: region codes with subtrees.")
    is_default: bool = Field(description="No scope is set: the default of the user's roles.")


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    is_superuser: bool
    roles: list[str]
    permissions: list[str]
    scope: ScopeOut


@router.get("/me", response=with_errors({200: MeOut}), auth=requires(), summary="The calling user")
def me(request):
    user = request.user
    scope = effective_scope(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": display_name(user),
        "email": user.email,
        "is_superuser": user.is_superuser,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
        "scope": {
            "kind": scope.kind,
            "department": scope.department.code if scope.department else None,
            "classes": list(scope.class_codes),
            "regions": list(scope.region_codes),
            "is_default": scope.is_default,
        },
    }
