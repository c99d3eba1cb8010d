from django.contrib.auth.mixins import LoginRequiredMixin
from django_filters.views import FilterView

from aftersales.audit.filtersets import AuditEntryFilter
from aftersales.audit.models import AuditEntry
from aftersales.core.listing import ReasonedPermissionMixin


class AuditSearchView(LoginRequiredMixin, ReasonedPermissionMixin, FilterView):
    """Administrators search the whole trail (SEC-1); read-only by construction."""

    permission_required = "audit.view_auditentry"
    model = AuditEntry
    filterset_class = AuditEntryFilter
    template_name = "audit/search.html"
    paginate_by = 50
    strict = False

    def get_queryset(self):
        return AuditEntry.objects.select_related("actor", "content_type")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        encoded = params.urlencode()
        ctx["querystring_without_page"] = f"{encoded}&" if encoded else ""
        for field in ctx["filter"].form.fields.values():
            css = "form-select" if hasattr(field, "queryset") else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"
        return ctx
