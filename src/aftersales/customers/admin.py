from django.contrib import admin

from aftersales.core.admin import AuditedAdminMixin
from aftersales.customers.models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "position", "phone", "email", "is_primary"]
    # Contacts are edited on their own admin page so each save is audited.
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "entity",
        "service_tier",
        "relationship",
        "credit",
        "region",
        "owner_unit",
        "phone",
        "is_active",
    ]
    list_filter = [
        "kind",
        "entity",
        "service_tier",
        "relationship",
        "credit",
        "is_active",
        "region",
    ]
    search_fields = ["code", "name", "phone", "credit_code", "contacts__name", "contacts__phone"]
    list_select_related = ["region", "owner_unit"]
    readonly_fields = [
        "code",
        "anonymised_at",
        "anonymised_by",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    inlines = [ContactInline]

    def has_add_permission(self, request):
        # New customers are filed on the customer pages, which number and check them.
        return False

    def has_delete_permission(self, request, obj=None):
        # Customer files are deactivated, not deleted (their units and history stay).
        return False

    def has_change_permission(self, request, obj=None):
        # SEC-3: an anonymised file is not filled in again, here either.
        if obj is not None and obj.anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Contact)
class ContactAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "customer", "position", "phone", "is_primary"]
    list_filter = ["is_primary"]
    search_fields = ["name", "phone", "customer__name", "customer__code"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = ["anonymised_at", "created_at", "created_by", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        # Added on the customer page, where phone and primary-contact rules are checked.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)
