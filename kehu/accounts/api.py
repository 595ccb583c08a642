"""The current user (``/me``)."""

from ninja import Router, Schema

from kehu.accounts.names import display_name
from kehu.core.api.auth import requires
from kehu.core.api.errors import with_errors

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    is_superuser: bool
    roles: list[str]
    permissions: list[str]


@router.get("/me", response=with_errors({200: MeOut}), auth=requires(), summary="The calling user")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": display_name(user),
        "email": user.email,
        "is_superuser": user.is_superuser,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
    }
