from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.accounts.services import org_unit_placement_errors
from aftersales.core.admin import AuditedAdminMixin


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent", "region", "calendar", "address", "phone"]
        fields += ["is_active"]

    def clean(self):
        data = super().clean()
        unit = self.instance
        unit.kind, unit.parent = data.get("kind", unit.kind), data.get("parent")
        for field, message in org_unit_placement_errors(unit).items():
            self.add_error(field, message)
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = OrgUnitAdminForm
    list_display = ["code", "name", "kind", "parent", "region", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "display_name", "org_unit", "region", "is_active"]
    list_filter = ["org_unit", "groups", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Organisation"),
            {"fields": ("display_name", "org_unit", "region", "phone", "wechat_id", "language")},
        ),
    )
