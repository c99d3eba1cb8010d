from django.contrib import admin

from aftersales.core.admin import AuditedAdminMixin
from aftersales.products.models import (
    DeliveryHandover,
    MaintenanceContract,
    ProductCategory,
    ProductModel,
    Unit,
    UnitServiceRecord,
    Warranty,
)


@admin.register(ProductCategory)
class ProductCategoryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProductModel)
class ProductModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "category", "warranty_months", "warranty_starts_from"]
    list_filter = ["category", "warranty_starts_from", "is_active"]
    search_fields = ["code", "name"]


class WarrantyInline(admin.TabularInline):
    model = Warranty
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "start_date", "end_date", "scope", "reference", "price"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["serial_number", "product_model", "owner", "batch", "delivery_date"]
    list_filter = ["product_model__category", "product_model"]
    search_fields = ["serial_number", "batch", "owner__name"]
    raw_id_fields = ["owner"]
    inlines = [WarrantyInline]


@admin.register(Warranty)
class WarrantyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "kind", "start_date", "end_date", "set_by_hand"]
    list_filter = ["kind", "set_by_hand"]
    search_fields = ["unit__serial_number", "reference"]
    raw_id_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        # Dates corrected here are kept: the standard warranty stops following the unit.
        if obj.kind == Warranty.Kind.STANDARD and {"start_date", "end_date"} & set(
            form.changed_data
        ):
            obj.set_by_hand = True
        super().save_model(request, obj, form, change)


@admin.register(MaintenanceContract)
class MaintenanceContractAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "customer", "start_date", "end_date", "is_cancelled"]
    list_filter = ["is_cancelled"]
    search_fields = ["number", "customer__name"]
    raw_id_fields = ["customer", "units"]


@admin.register(DeliveryHandover)
class DeliveryHandoverAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "delivered_on", "salesperson", "received_by"]
    search_fields = ["unit__serial_number", "received_by"]
    raw_id_fields = ["unit"]


@admin.register(UnitServiceRecord)
class UnitServiceRecordAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "date", "reference"]
    search_fields = ["unit__serial_number", "reference", "content"]
    raw_id_fields = ["unit"]
