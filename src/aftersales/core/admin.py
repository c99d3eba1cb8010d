"""Admin screens write through the audit trail too (SEC-1)."""

from django.contrib import admin

from aftersales.audit.services import record, snapshot


def _relations(obj) -> dict[str, list[str]]:
    """Many-to-many values (a person's roles, say), which snapshot() leaves out."""
    if obj is None or obj.pk is None:
        return {}
    return {
        f.name: sorted(str(v) for v in getattr(obj, f.name).all()) for f in obj._meta.many_to_many
    }


class AuditedAdminMixin:
    """Record every admin save and delete in the audit trail, with before → after.

    Many-to-many changes (roles are groups) are saved after the object, in
    save_related, and recorded there as a second row.
    """

    def save_model(self, request, obj, form, change):
        before = {}
        old = None
        if change and obj.pk:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = snapshot(old)
        request._audit_relations_before = _relations(old)
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
            if not change:
                obj.created_by = request.user
        super().save_model(request, obj, form, change)
        label = obj._meta.label_lower
        record(
            obj,
            f"admin.{label}.{'changed' if change else 'created'}",
            actor=request.user,
            before=before,
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_audit_relations_before", {})
        after = _relations(obj)
        changed = {k for k in after if before.get(k, []) != after[k]}
        if changed:
            record(
                obj,
                f"admin.{obj._meta.label_lower}.relations_changed",
                actor=request.user,
                before={k: before.get(k, []) for k in changed},
                after={k: after[k] for k in changed},
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
