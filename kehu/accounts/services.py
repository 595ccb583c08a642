"""Users, their data scopes and API tokens."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kehu.accounts.choices import ScopeKind
from kehu.accounts.models import ApiToken, DataScope
from kehu.accounts.roles import ROLES
from kehu.accounts.scopes import default_scope_kind, forget_scope
from kehu.masterdata.models import CustomerClass, Department, Region

TOKEN_PREFIX = "kehu_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str = "", expires_at=None) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=_hash(raw),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, raw


def token_authenticate(raw: str):
    """The active user a token belongs to, or None (unknown, revoked, expired, inactive)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # Record use coarsely, so that reads do not each turn into a write.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _scope_clean(
    *, kind: str, department: str | None, classes: Sequence[str], regions: Sequence[str]
) -> tuple[Department | None, list[CustomerClass], list[Region]]:
    """The rows a scope names by code, or field errors (``scope``, ``department``...)."""
    errors = {}
    if kind not in ScopeKind.values:
        errors["scope"] = [
            _("Unknown data scope %(scope)s; choose from: %(scopes)s.")
            % {"scope": kind, "scopes": ", ".join(ScopeKind.values)}
        ]
    found_department = None
    if department:
        found_department = Department.objects.filter(code=department).first()
        if found_department is None:
            errors["department"] = [_("Department %(code)s does not exist.") % {"code": department}]
        elif kind != ScopeKind.DEPARTMENT:
            errors["department"] = [_("A department is given only with the department scope.")]
    found = {}
    for key, model, wanted_kind, given in (
        ("classes", CustomerClass, ScopeKind.CLASSES, classes),
        ("regions", Region, ScopeKind.REGIONS, regions),
    ):
        if isinstance(given, str):  # "01,0203" as typed on a command line
            given = given.split(",")
        codes = list(dict.fromkeys(str(code).strip() for code in given if str(code).strip()))
        rows = list(model.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {row.code for row in rows})
        if missing:
            errors[key] = [
                _("%(model)s %(codes)s do not exist.")
                % {"model": capfirst(model._meta.verbose_name_plural), "codes": ", ".join(missing)}
            ]
        elif codes and kind != wanted_kind:
            errors[key] = [
                _("%(field)s are given only with the %(scope)s scope.")
                % {"field": capfirst(model._meta.verbose_name_plural), "scope": wanted_kind}
            ]
        elif not codes and kind == wanted_kind:
            errors[key] = [_("Choose at least one for this data scope.")]
        found[key] = rows
    if errors:
        raise ValidationError(errors)
    return found_department, found["classes"], found["regions"]


def _scope_save(user, kind, department, classes, regions) -> DataScope:
    scope, _created = DataScope.objects.update_or_create(
        user=user, defaults={"kind": kind, "department": department}
    )
    scope.classes.set(classes)
    scope.regions.set(regions)
    user.data_scope = scope  # the user object now reads the new row, not a cached old one
    forget_scope(user)
    return scope


@transaction.atomic
def data_scope_set(
    *,
    actor,
    user,
    kind: str,
    department: str | None = None,
    classes: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> DataScope:
    """Set which customers ``user`` sees; master data is named by code.

    ``department`` is only for the department scope (empty: the department of the user's own
    salesperson record); ``classes`` and ``regions`` only for theirs, at least one each.
    """
    found = _scope_clean(kind=kind, department=department, classes=classes, regions=regions)
    return _scope_save(user, kind, *found)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    roles: list[str] = (),
    is_superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    scope: str | None = None,
    scope_department: str | None = None,
    scope_classes: Sequence[str] = (),
    scope_regions: Sequence[str] = (),
):
    """Create a login with its roles and data scope; the password must pass the password
    validators. Without ``scope`` the user gets the default of their roles."""
    User = get_user_model()
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    errors = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = [
            _("Unknown role %(role)s; choose from: %(roles)s.")
            % {"role": ", ".join(unknown), "roles": ", ".join(ROLES)}
        ]
    kind = scope or default_scope_kind(roles=roles, is_superuser=is_superuser)
    try:
        found = _scope_clean(
            kind=kind, department=scope_department, classes=scope_classes, regions=scope_regions
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    if roles:
        user.groups.set(Group.objects.filter(name__in=roles))
    if "administrator" in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    _scope_save(user, kind, *found)
    return user
