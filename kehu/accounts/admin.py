from django.contrib import admin

from kehu.accounts.forms import AdminLoginForm
from kehu.accounts.models import ApiToken

# The admin's login page locks out repeated failures like the product's (see forms.py).
admin.site.login_form = AdminLoginForm


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request):
        # A token's secret is shown once at creation: create them with `kehu token create`.
        return False
