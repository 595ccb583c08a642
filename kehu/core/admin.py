"""Read-only admin pages.

Writes to Kehu's data go through the services (and their rules); the admin only lets an
administrator look. Users, groups and tokens stay editable in Django's own admin.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
