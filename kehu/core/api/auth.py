"""Who is calling, and may they: bearer tokens, Django sessions and model permissions.

Each operation declares the permissions it needs with ``auth=requires("app.codename")``. The
check runs with authentication, before the request body is parsed, so a caller without the
permission learns nothing about the input rules (401 without credentials, 403 without rights).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kehu.accounts.services import token_authenticate


class CsrfFailed(PermissionDenied):
    """A session-authenticated write without a valid CSRF token."""


def authorize(user, perms: tuple[str, ...] | None):
    """Return ``user`` when it holds every permission in ``perms``; raise otherwise.

    ``None`` means the operation declared no permission: refused for everyone, so a new route
    is closed until someone decides who may use it.
    """
    if perms is None:
        raise PermissionDenied(_("This operation declares no permission and is closed."))
    missing = [perm for perm in perms if not user.has_perm(perm)]
    if missing:
        raise PermissionDenied(
            _("You do not have the permission for this: %(perms)s.") % {"perms": ", ".join(missing)}
        )
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``, a token made by ``kehu token create``."""

    def __init__(self, perms: tuple[str, ...] | None = ()):
        self.perms = perms
        super().__init__()

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is None:
            return None
        # The services and permission checks read request.user, as in the rest of Django.
        request.user = user
        return authorize(user, self.perms)


class SessionAuth(APIKeyCookie):
    """A logged-in Django session (the docs page in a browser); writes need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, perms: tuple[str, ...] | None = ()):
        self.perms = perms
        super().__init__(csrf=True)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed(_("CSRF check failed: reload the page and try again."))
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key):
        return authorize(request.user, self.perms)


def requires(*perms: str) -> list:
    """The ``auth`` of an operation that needs every permission in ``perms``.

    ``requires()`` with no permission: any signed-in user (e.g. ``/me``).
    """
    return [TokenAuth(perms), SessionAuth(perms)]


def undeclared() -> list:
    """The API's default ``auth``: authenticated, but refused until the operation declares
    its permissions with ``requires(...)``."""
    return [TokenAuth(None), SessionAuth(None)]


def declared_permissions(operation) -> list[str] | None:
    """The permissions an operation declared: a list (empty = any signed-in user), or None
    for a public operation (``auth=None``) or one that declared nothing."""
    for callback in operation.auth_callbacks:
        perms = getattr(callback, "perms", None)
        if perms is not None:
            return sorted(perms)
    return None
