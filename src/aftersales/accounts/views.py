from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import services
from aftersales.accounts.filtersets import OrgUnitFilter, UserFilter
from aftersales.accounts.forms import LanguageForm
from aftersales.accounts.models import OrgUnit, User
from aftersales.core.listing import ReachListView


class OrgUnitListView(ReachListView):
    model = OrgUnit
    permission_required = "accounts.view_orgunit"
    filterset_class = OrgUnitFilter
    template_name = "accounts/orgunit_list.html"
    select_related = ["parent", "region", "calendar"]
    paginate_by = 100


class UserListView(ReachListView):
    model = User
    permission_required = "accounts.view_user"
    filterset_class = UserFilter
    template_name = "accounts/user_list.html"
    select_related = ["org_unit", "region"]

    def get_queryset(self):
        return super().get_queryset().filter(is_active=True).prefetch_related("groups").distinct()


@login_required
def profile(request):
    """My account: roles, unit, and the interface language."""
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        services.set_user_language(
            actor=request.user, user=request.user, language=form.cleaned_data["language"]
        )
        messages.success(request, _("Your language setting was saved."))
        return redirect("accounts:profile")
    from rest_framework.authtoken.models import Token

    has_token = Token.objects.filter(user=request.user).exists()
    return render(request, "accounts/profile.html", {"form": form, "has_token": has_token})


@login_required
@require_POST
def api_token(request):
    """Issue (shown once) or revoke the person's own API token (SEC-4)."""
    if request.POST.get("action") == "revoke":
        services.revoke_api_token(actor=request.user, user=request.user)
        messages.success(request, _("Your API token was revoked."))
        return redirect("accounts:profile")
    key = services.issue_api_token(actor=request.user, user=request.user)
    messages.success(request, _("Your new API token (shown only now): %(key)s") % {"key": key})
    return redirect("accounts:profile")
