"""Configuration screens of service orders: SLA policies and their clock rules (SVC-6),
fault types (EXC-5)."""

from django.contrib import admin

from aftersales.core.admin import AuditedAdminMixin
from aftersales.service.models import (
    FaultType,
    OrderClock,
    ServiceOrder,
    SlaClockRule,
    SlaPolicy,
    TechnicianProfile,
)


class SlaClockRuleInline(admin.TabularInline):
    model = SlaClockRule
    extra = 0
    fields = ["rule_id", "name", "amount", "unit", "start_event", "stop_event", "pausable"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "order_type",
        "service_tier",
        "region",
        "rank",
        "is_default",
        "is_active",
    ]
    list_filter = ["is_active", "order_type", "service_tier"]
    fields = ["name", "order_type", "service_tier", "region", "rank", "is_default", "is_active"]
    inlines = [SlaClockRuleInline]

    def save_formset(self, request, form, formset, change):
        """Rule changes are audited on the policy, like the policy's own fields."""
        from aftersales.audit.services import record, snapshot

        instances = formset.save(commit=False)
        for rule in formset.deleted_objects:
            record(
                rule,
                "admin.service.slaclockrule.deleted",
                actor=request.user,
                before=snapshot(rule),
                deleted=True,
            )
            rule.delete()
        for rule in instances:
            before = snapshot(SlaClockRule.objects.filter(pk=rule.pk).first()) if rule.pk else {}
            rule.save()
            record(rule, "admin.service.slaclockrule.saved", actor=request.user, before=before)
        formset.save_m2m()


class OrderClockInline(admin.TabularInline):
    model = OrderClock
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in OrderClock._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceOrder)
class ServiceOrderAdmin(admin.ModelAdmin):
    """Read-only here: orders change only through the workflow (pages and API)."""

    list_display = ["number", "status", "order_type", "customer", "org_unit", "received_at"]
    list_filter = ["status", "order_type", "channel", "org_unit"]
    search_fields = ["number", "contact_name", "contact_phone"]
    inlines = [OrderClockInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TechnicianProfile)
class TechnicianProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """SVC-8: the product categories each technician is trained for."""

    list_display = ["user", "notes"]
    search_fields = ["user__username", "user__display_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]


@admin.register(FaultType)
class FaultTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """EXC-5: the kinds of fault; only a performance fault entitles return or exchange.
    A fault type in use is deactivated, not deleted (orders keep it)."""

    list_display = ["code", "name", "performance_fault", "is_active"]
    list_filter = ["performance_fault", "is_active"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "performance_fault", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False
