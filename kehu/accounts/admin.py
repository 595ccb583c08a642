"""Users (with their data scope), groups (the roles) and tokens in Django's admin."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kehu.accounts.forms import AdminLoginForm
from kehu.accounts.models import ApiToken, DataScope
from kehu.accounts.scopes import default_scope_kind

# The admin's login page locks out repeated failures like the product's (see forms.py).
admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request):
        # A token's secret is shown once at creation: create them with `kehu token create`.
        return False


class DataScopeInline(admin.StackedInline):
    model = DataScope
    can_delete = True  # deleting the row returns the user to the default of their roles
    fields = ["kind", "department", "classes", "regions"]
    filter_horizontal = ["classes", "regions"]
    verbose_name_plural = _("data scope (none: the default of the user's roles)")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class KehuUserAdmin(UserAdmin):
    """Django's user admin with the data scope beside the roles (groups)."""

    inlines = [DataScopeInline]
    list_display = [*UserAdmin.list_display, "data_scope_kind"]
    list_select_related = ["data_scope"]

    @admin.display(description=_("data scope"))
    def data_scope_kind(self, user):
        if user.is_superuser:
            return _("all customers")
        scope = getattr(user, "data_scope", None)  # a missing row raises an AttributeError
        if scope is not None:
            return scope.get_kind_display()
        return _("%(scope)s (default)") % {
            "scope": default_scope_kind(roles=[g.name for g in user.groups.all()]).label
        }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")
