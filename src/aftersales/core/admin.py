"""Admin screens write through the audit trail too (SEC-1)."""

from django.contrib import admin

from aftersales.audit.services import record, snapshot


class AuditedAdminMixin:
    """Record every admin save and delete in the audit trail, with before → after."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = snapshot(old)
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
            if not change:
                obj.created_by = request.user
        super().save_model(request, obj, form, change)
        label = obj._meta.label_lower.replace(".", ".")
        record(
            obj,
            f"admin.{label}.{'changed' if change else 'created'}",
            actor=request.user,
            before=before,
        )

    def delete_model(self, request, obj):
        before = snapshot(obj)
        record(
            obj,
            f"admin.{obj._meta.label_lower}.deleted",
            actor=request.user,
            before=before,
            deleted=True,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


admin.site.site_header = "aftersales"


# --- the business calendar (CAL-1) -------------------------------------------
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours  # noqa: E402


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_default"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "is_default"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source", "calendar"]
    list_filter = ["calendar", "kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["calendar", "date", "kind", "name", "source"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["calendar", "weekday", "opens_at", "closes_at"]
    list_filter = ["calendar"]
    fields = ["calendar", "weekday", "opens_at", "closes_at"]
