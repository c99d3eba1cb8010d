from django.contrib import admin

from aftersales.audit.models import AccessEntry, AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: the rows can be searched here but never changed (SEC-1, CUS-2)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "content_type", "object_id", "object_repr"]
    list_filter = ["content_type", "at"]
    search_fields = ["actor_name", "action", "object_repr", "object_id"]
    date_hierarchy = "at"


@admin.register(AccessEntry)
class AccessEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "actor_name",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "what",
        "client_address",
    ]
    list_filter = ["action", "content_type", "at"]
    search_fields = ["actor_name", "object_repr", "object_id", "what", "path", "client_address"]
    date_hierarchy = "at"
