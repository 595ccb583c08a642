"""Logins, failed logins and logouts as audit events."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from kehu.audit import services


def _logged_in(sender, request, user, **kwargs):
    services.login_record(user=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.logout_record(user=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    services.login_failed_record(username=str(username or ""), request=request)


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="kehu.audit.login")
    user_logged_out.connect(_logged_out, dispatch_uid="kehu.audit.logout")
    user_login_failed.connect(_login_failed, dispatch_uid="kehu.audit.login_failed")
