from django.contrib import admin

from kehu.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail in the admin: to read, never to change."""

    list_display = ["at", "actor_name", "action", "content_type", "object_repr", "ip"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_name", "object_repr", "request_id", "operation_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
