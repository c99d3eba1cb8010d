from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_filters.views import FilterView

from aftersales.audit.filtersets import AccessEntryFilter, AuditEntryFilter
from aftersales.audit.models import AccessAction, AccessEntry, AuditEntry
from aftersales.audit.services import Counted, list_what, record_access
from aftersales.core import excel
from aftersales.core.listing import ReasonedPermissionMixin, style_filter_form
from aftersales.core.permissions import require_perm

VIEW_ACCESS_LOG = "audit.view_accessentry"


class _SearchView(LoginRequiredMixin, ReasonedPermissionMixin, FilterView):
    paginate_by = 50
    strict = False

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        encoded = params.urlencode()
        ctx["querystring_without_page"] = f"{encoded}&" if encoded else ""
        ctx["querystring"] = encoded
        style_filter_form(ctx["filter"])
        return ctx


class AuditSearchView(_SearchView):
    """Administrators search the whole trail (SEC-1); read-only by construction."""

    permission_required = "audit.view_auditentry"
    model = AuditEntry
    filterset_class = AuditEntryFilter
    template_name = "audit/search.html"

    def get_queryset(self):
        return AuditEntry.objects.select_related("actor", "content_type")


class AccessSearchView(_SearchView):
    """CUS-2, SEC-2: who viewed, exported, printed or downloaded which confidential record,
    when and from where. Read-only by construction."""

    permission_required = VIEW_ACCESS_LOG
    model = AccessEntry
    filterset_class = AccessEntryFilter
    template_name = "audit/access_search.html"

    def get_queryset(self):
        return AccessEntry.objects.select_related("actor", "content_type")


@login_required
@require_GET
def access_export(request):
    """The access log search as Excel, with the page's filters; the export is logged too."""
    require_perm(request.user, VIEW_ACCESS_LOG)
    queryset = AccessEntry.objects.select_related("content_type")
    filterset = AccessEntryFilter(request.GET or None, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset
    actions = dict(AccessAction.choices)
    entries = Counted(rows.iterator(chunk_size=1000))
    lines = (
        [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_name,
            actions.get(e.action, e.action),
            e.content_type.name if e.content_type_id else "",
            e.object_id,
            e.object_repr,
            e.what,
            e.client_address,
            e.path,
            e.user_agent,
        ]
        for e in entries
    )
    field = AccessEntry._meta.get_field
    headers = [
        field(name).verbose_name
        for name in [
            "at",
            "actor_name",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "what",
            "client_address",
            "path",
            "user_agent",
        ]
    ]
    wb = excel.new_workbook()
    excel.add_sheet(wb, _("Access log"), headers, lines)
    what = list_what(_("Access log"), entries.count, request)
    record_access(request, AccessAction.EXPORT, what=what)
    return excel.xlsx_response(wb, f"access-log-{timezone.localdate():%Y%m%d}.xlsx")
