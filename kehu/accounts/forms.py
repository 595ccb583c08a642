"""The login forms of the web UI and the admin, with the lockout of SPEC §9 / issue 4.6."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.audit.context import client_ip
from kehu.audit.services import (
    LOGIN_LOCK_WINDOW,
    LOGIN_MAX_FAILURES,
    login_failed_record,
    login_locked,
)

# One message for every refusal — unknown name, wrong password, locked pair — so that the
# answer tells an attacker neither which names exist nor whether a guess was right.
INVALID_LOGIN = _(
    "The user name or the password is not right. After %(count)d failed attempts, logging in "
    "with this name from this address pauses for %(minutes)d minutes."
)


class LockoutMixin:
    """Refuse a locked (user name, address) pair before the password is even checked."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            ip = client_ip(self.request)
            if login_locked(username, ip):
                # A refused attempt is a failure too: the lock lasts while the attempts go on.
                login_failed_record(username=username, request=self.request, locked=True)
                raise self.get_invalid_login_error()
        return super().clean()

    def get_invalid_login_error(self):
        return ValidationError(
            INVALID_LOGIN,
            code="invalid_login",
            params={
                "count": LOGIN_MAX_FAILURES,
                "minutes": int(LOGIN_LOCK_WINDOW.total_seconds() // 60),
            },
        )


class LoginForm(LockoutMixin, AuthenticationForm):
    """The product's login page."""


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """``/admin/login/``: the same lockout (non-staff users are refused as by Django)."""
