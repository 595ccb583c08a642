"""Users and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import ApiToken
from kehu.accounts.roles import ROLES

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
):
    """Create a login with its roles; the password must pass the password validators."""
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
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    if roles:
        user.groups.set(Group.objects.filter(name__in=roles))
    if "administrator" in roles:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
