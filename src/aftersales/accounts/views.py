from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

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
    select_related = ["parent", "region"]
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
    return render(request, "accounts/profile.html", {"form": form})
