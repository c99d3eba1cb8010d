from django.contrib import admin

from aftersales.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched here but never changed (SEC-1)."""

    list_display = ["at", "actor_name", "action", "content_type", "object_id", "object_repr"]
    list_filter = ["content_type", "at"]
    search_fields = ["actor_name", "action", "object_repr", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
