"""Signing in and out of the web UI: Django's views with Kehu's page."""

from django.contrib.auth import views as auth_views

from kehu.accounts.forms import LoginForm
from kehu.core.permissions import public


@public
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


@public
class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (a link could be followed by a prefetching browser)."""
