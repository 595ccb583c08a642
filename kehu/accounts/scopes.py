"""A user's data scope as it applies (SPEC §9): their ``DataScope`` row, or their roles' default.

``customers_visible_to`` turns it into a condition on customers; ``/me`` and ``kehu user list``
show it. Everything here reads relations through the model accessors, so a caller that
prefetched them (the user list) issues no further queries.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from kehu.accounts.choices import ScopeKind

# The scope a role gets when none is set. A user with several roles gets the widest of them;
# a user without a role sees only their own customers (none, unless a salesperson record
# names them as its login).
ROLE_DEFAULT_SCOPES = {
    "administrator": ScopeKind.ALL,
    "sales manager": ScopeKind.DEPARTMENT,
    "salesperson": ScopeKind.OWN,
    "credit controller": ScopeKind.ALL,
    "auditor": ScopeKind.ALL,
}
_WIDTH = (ScopeKind.OWN, ScopeKind.DEPARTMENT, ScopeKind.ALL)
_CACHE = "_kehu_effective_scope"


def default_scope_kind(*, roles: Iterable[str], is_superuser: bool = False) -> ScopeKind:
    """The scope of a user without a ``DataScope`` row, and of a new user given none."""
    if is_superuser:
        return ScopeKind.ALL
    kinds = [ROLE_DEFAULT_SCOPES[role] for role in roles if role in ROLE_DEFAULT_SCOPES]
    return max(kinds, key=_WIDTH.index, default=ScopeKind.OWN)


@dataclass(frozen=True)
class EffectiveScope:
    """What a user sees. ``kind`` None: nothing at all (anonymous or inactive)."""

    kind: ScopeKind | None
    department: object | None = None  # a masterdata Department, for the department scope
    class_codes: tuple[str, ...] = field(default=())
    region_codes: tuple[str, ...] = field(default=())
    is_default: bool = False  # no DataScope row: the roles' default applies


NOTHING = EffectiveScope(kind=None)


def _related(obj, name: str):
    """``obj.<name>`` for a one-to-one that may be missing: the row or None."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def effective_scope(user) -> EffectiveScope:
    """The scope that applies to ``user`` now; remembered on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    scope = _compute(user)
    setattr(user, _CACHE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the remembered scope (after it was changed)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def _compute(user) -> EffectiveScope:
    if user.is_superuser:
        return EffectiveScope(kind=ScopeKind.ALL)
    row = _related(user, "data_scope")
    if row is None:
        kind = default_scope_kind(roles=[group.name for group in user.groups.all()])
        is_default, department = True, None
    else:
        kind, is_default, department = ScopeKind(row.kind), False, row.department
    if kind == ScopeKind.DEPARTMENT:
        if department is None:
            salesperson = _related(user, "salesperson")
            department = salesperson.department if salesperson is not None else None
        return EffectiveScope(kind=kind, department=department, is_default=is_default)
    if kind == ScopeKind.CLASSES:
        codes = tuple(sorted(node.code for node in row.classes.all()))
        return EffectiveScope(kind=kind, class_codes=codes)
    if kind == ScopeKind.REGIONS:
        codes = tuple(sorted(node.code for node in row.regions.all()))
        return EffectiveScope(kind=kind, region_codes=codes)
    return EffectiveScope(kind=kind, is_default=is_default)


def describe_scope(scope: EffectiveScope) -> str:
    """``department 01``, ``classes 01, 0203``, ``own``... for the command line."""
    if scope.kind is None:
        return "none"
    if scope.kind == ScopeKind.DEPARTMENT:
        text = f"department {scope.department.code if scope.department else '-'}"
    elif scope.kind == ScopeKind.CLASSES:
        text = f"classes {', '.join(scope.class_codes) or '-'}"
    elif scope.kind == ScopeKind.REGIONS:
        text = f"regions {', '.join(scope.region_codes) or '-'}"
    else:
        text = str(scope.kind.value)
    return f"{text} (default)" if scope.is_default else text
