"""Exchange forms in the admin: to look up, never to change (every write goes through
``exchanges.services``, which checks the chain and writes the audit rows)."""

from django.contrib import admin

from aftersales.exchanges.models import ExchangeApproval, ExchangeRequest, LedgerEntry, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApprovalInline(admin.TabularInline):
    model = ExchangeApproval
    extra = 0
    can_delete = False
    fields = ["round", "step", "decision", "by", "at", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExchangeRequest)
class ExchangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "status", "customer", "unit", "org_unit", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "unit__serial_number", "customer__name"]
    inlines = [ApprovalInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["entry_date", "request", "returned_serial", "replacement_serial", "handler"]
    search_fields = ["request__number", "returned_serial", "replacement_serial"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["request", "amount", "method", "paid_at"]
