from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.accounts import services
from aftersales.accounts.models import ApiToken, LoginThrottle, OrgUnit, Region, User
from aftersales.accounts.services import org_unit_placement_errors
from aftersales.core.admin import AuditedAdminMixin
from aftersales.core.forms import AdminLoginForm

# The admin site's login counts failures and says when a name is locked, like the login page.
admin.site.login_form = AdminLoginForm


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
    actions = ["lift_login_lock", "revoke_api_tokens"]
    list_display = ["username", "display_name", "org_unit", "region", "is_active"]
    list_filter = ["org_unit", "groups", "is_active"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Organisation"),
            {"fields": ("display_name", "org_unit", "region", "phone", "wechat_id", "language")},
        ),
    )

    @admin.action(description=_("Lift the sign-in lock"), permissions=["unlock_login"])
    def lift_login_lock(self, request, queryset):
        count = sum(services.unlock_user_login(actor=request.user, user=u) for u in queryset)
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Revoke all their API tokens"), permissions=["revoke_apitoken"])
    def revoke_api_tokens(self, request, queryset):
        count = sum(services.revoke_all_api_tokens(actor=request.user, user=u) for u in queryset)
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_unlock_login_permission(self, request):
        return request.user.has_perm("accounts.unlock_login")

    def has_revoke_apitoken_permission(self, request):
        return request.user.has_perm("accounts.revoke_apitoken")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin lists them and runs the services' actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LockedFilter(admin.SimpleListFilter):
    title = _("locked")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdmin):
    list_display = ["scope", "key", "failures", "last_failure_at", "locked_until", "locks"]
    list_filter = ["scope", LockedFilter]
    search_fields = ["key"]
    actions = ["unlock"]

    @admin.action(description=_("Lift the sign-in lock"), permissions=["unlock_login"])
    def unlock(self, request, queryset):
        count = sum(services.unlock_login(actor=request.user, throttle=t) for t in queryset)
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", count) % {"count": count},
            messages.SUCCESS,
        )

    def has_unlock_login_permission(self, request):
        return request.user.has_perm("accounts.unlock_login")


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(ApiToken.STATUS_LABELS.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [TokenStatusFilter]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username", "user__display_name"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["revoke_apitoken"])
    def revoke(self, request, queryset):
        tokens = list(queryset.active())
        for token in tokens:
            services.revoke_api_token(actor=request.user, token=token)
        self.message_user(
            request,
            ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )

    def has_revoke_apitoken_permission(self, request):
        return request.user.has_perm("accounts.revoke_apitoken")
