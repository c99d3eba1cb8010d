"""The list-page pattern: reach queryset → filterset → paginate (NetBox-style)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django_filters.views import FilterView


class ReasonedPermissionMixin(PermissionRequiredMixin):
    """PermissionRequiredMixin whose 403 names the missing right."""

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return super().handle_no_permission()
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": ", ".join(self.get_permission_required())}
        )


def style_filter_form(filterset) -> None:
    """Bootstrap classes on a filter bar's widgets (small, as list pages are dense)."""
    for field in filterset.form.fields.values():
        css = "form-select" if hasattr(field.widget, "choices") else "form-control"
        field.widget.attrs["class"] = f"{css} form-control-sm"


class ReachListView(LoginRequiredMixin, ReasonedPermissionMixin, FilterView):
    """A filtered, paginated list that starts from ``model.objects.visible_to(user)``."""

    paginate_by = 25
    strict = False

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if getattr(self, "select_related", None):
            qs = qs.select_related(*self.select_related)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx.get("filter") is not None:
            style_filter_form(ctx["filter"])
        params = self.request.GET.copy()
        params.pop("page", None)
        encoded = params.urlencode()
        ctx["querystring_without_page"] = f"{encoded}&" if encoded else ""
        ctx["querystring"] = encoded
        return ctx
