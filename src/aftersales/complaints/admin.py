"""Configuration screen of the complaint classes (CMP-4): content and severity, each with
its deadlines, whether the company manager is told at once and whether a written reply is
required. Complaints themselves are worked on their own pages, never here."""

from django.contrib import admin

from aftersales.complaints.models import ComplaintClass
from aftersales.core.admin import AuditedAdminMixin


@admin.register(ComplaintClass)
class ComplaintClassAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "severity",
        "report_hours",
        "resolve_working_days",
        "notify_company_manager",
        "written_reply_required",
        "is_active",
    ]
    list_filter = ["severity", "is_active"]
    search_fields = ["name"]
    fields = [
        "name",
        "severity",
        "report_hours",
        "resolve_working_days",
        "notify_company_manager",
        "written_reply_required",
        "is_active",
    ]

    def has_delete_permission(self, request, obj=None):
        # Complaints keep their class; a class no longer used is made inactive.
        return False
