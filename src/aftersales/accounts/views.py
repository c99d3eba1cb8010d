from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.accounts import services
from aftersales.accounts.filtersets import OrgUnitFilter, UserFilter
from aftersales.accounts.forms import ApiTokenForm, LanguageForm
from aftersales.accounts.models import ApiToken, OrgUnit, User
from aftersales.core.exceptions import ServiceError
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


def _profile_page(request, *, form=None, token_form=None, new_key="", new_token=None):
    tokens = ApiToken.objects.filter(user=request.user).select_related("revoked_by")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form or LanguageForm(initial={"language": request.user.language}),
            "token_form": token_form or ApiTokenForm(prefix="token"),
            "tokens": tokens[:50],
            "token_days": settings.AFTERSALES_API_TOKEN_DAYS,
            "new_key": new_key,
            "new_token": new_token,
        },
    )


@login_required
def profile(request):
    """My account: roles, unit, the interface language and API tokens."""
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        services.set_user_language(
            actor=request.user, user=request.user, language=form.cleaned_data["language"]
        )
        messages.success(request, _("Your language setting was saved."))
        return redirect("accounts:profile")
    return _profile_page(request, form=form)


@never_cache
@login_required
@require_POST
def api_token(request):
    """Issue a new API token (SEC-4). The key is shown in this response only: it is neither
    stored nor put in a message, which would keep it in a cookie or the session."""
    token_form = ApiTokenForm(request.POST, prefix="token")
    if token_form.is_valid():
        try:
            token, key = services.issue_api_token(
                actor=request.user, user=request.user, name=token_form.cleaned_data["name"]
            )
        except ServiceError as exc:
            token_form.add_service_error(exc)
        else:
            return _profile_page(request, new_key=key, new_token=token)
    return _profile_page(request, token_form=token_form)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    """Revoke one of one's API tokens (SEC-4)."""
    token = get_object_or_404(ApiToken, pk=pk)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(
        request, _("The API token %(prefix)s… was revoked.") % {"prefix": token.prefix}
    )
    return redirect("accounts:profile")
