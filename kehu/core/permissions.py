"""Who may use a web page: every view declares it, and one test reads every declaration.

A view declares its permissions in one of three ways:

- a class-based view with ``DeclaredPermissionsMixin`` implements ``declared_permissions(method,
  kwargs, mode)``; the mixin enforces exactly what it declares;
- a function view is wrapped in ``@requires_permissions({"GET": AnyOf(...), ...})``;
- a page anyone may open (the login page) is marked ``@public``.

``declared_permissions_of(callback, method, kwargs)`` reads the declaration of any resolved URL;
a route that declares nothing answers ``None`` and fails the permission-matrix test.
"""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "public"


class AnyOf(tuple):
    """Any one of these permissions suffices (a plain tuple needs all of them)."""


def has_permissions(user, perms) -> bool:
    if perms == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if isinstance(perms, AnyOf):
        return any(user.has_perm(perm) for perm in perms)
    return all(user.has_perm(perm) for perm in perms)


def public(view):
    """Mark a view (function or class) as open to everyone, signed in or not."""
    view.kehu_public = True
    return view


def requires_permissions(by_method: dict):
    """A function view's permissions per HTTP method; other methods answer 405 as usual.

    Anonymous users go to the login page, signed-in users without the permission get 403.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            perms = by_method.get(request.method, by_method.get("GET", ()))
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_permissions(request.user, perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = by_method
        return wrapped

    return decorate


class DeclaredPermissionsMixin(AccessMixin):
    """Checks, before anything else runs, the permissions the class declares for the request's
    method and URL arguments."""

    mode = None

    @classmethod
    def declared_permissions(cls, method: str, kwargs: dict, mode: str | None = None):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        perms = type(self).declared_permissions(request.method, kwargs, self.mode)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_permissions(request.user, perms):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def declared_permissions_of(callback, method: str, kwargs: dict):
    """What the resolved view ``callback`` declares for ``method``: a tuple of permissions (all
    needed), an ``AnyOf``, ``PUBLIC``, or None when it declares nothing."""
    if getattr(callback, "kehu_public", False):
        return PUBLIC
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        if getattr(view_class, "kehu_public", False):
            return PUBLIC
        if issubclass(view_class, DeclaredPermissionsMixin):
            mode = getattr(callback, "view_initkwargs", {}).get("mode", view_class.mode)
            return view_class.declared_permissions(method, kwargs, mode)
        return None
    by_method = getattr(callback, "required_permissions", None)
    if by_method is None:
        return None
    return by_method.get(method, by_method.get("GET", ()))
