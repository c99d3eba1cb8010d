"""Notifications in the admin site: read-only, to check what was sent and delivered."""

from django.contrib import admin

from aftersales.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "topic",
        "title",
        "read_at",
        "emailed_at",
        "sms_sent_at",
        "wechat_sent_at",
    ]
    list_filter = ["topic"]
    search_fields = ["title", "recipient__username", "recipient__display_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
