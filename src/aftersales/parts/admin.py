"""Configuration screens of the parts app. Saves are audited (SEC-1).

Prices and labour rates are finance's (FEE-2) and are set on the catalogue pages through
``parts.catalogue``, which keeps their rules (no price in the past, same-day replace);
here they are read-only for everyone but a superuser.
"""

from django.contrib import admin

from aftersales.core.admin import AuditedAdminMixin
from aftersales.parts.models import LabourRate, Part, PartPrice, Warehouse


class ReadOnlyForStaffMixin:
    """Viewable by those with the view right; writable only by a superuser."""

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PartPriceInline(admin.TabularInline):
    model = PartPrice
    extra = 0
    can_delete = False
    fields = ["effective_from", "list_price", "cost", "updated_by", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Part)
class PartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_assembly", "is_valuable", "has_recovery_value", "is_active"]
    list_filter = ["is_active", "is_assembly", "is_valuable", "has_recovery_value"]
    search_fields = ["code", "name"]
    filter_horizontal = ["compatible_models"]
    inlines = [PartPriceInline]


@admin.register(PartPrice)
class PartPriceAdmin(ReadOnlyForStaffMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["part", "effective_from", "list_price", "cost", "updated_by"]
    list_filter = ["effective_from"]
    search_fields = ["part__code", "part__name"]
    raw_id_fields = ["part"]
    date_hierarchy = "effective_from"


@admin.register(LabourRate)
class LabourRateAdmin(ReadOnlyForStaffMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "basis", "rate", "effective_from"]
    list_filter = ["basis"]
    search_fields = ["code", "name"]


@admin.register(Warehouse)
class WarehouseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "org_unit", "technician", "is_active"]
    list_filter = ["kind", "is_active", "org_unit"]
    search_fields = ["code", "name"]
    raw_id_fields = ["technician"]
