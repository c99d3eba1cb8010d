"""The list-page pattern: reach queryset → filterset → paginate (NetBox-style)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.functional import cached_property
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


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows past the page asked for (issue 7): an exact COUNT(*) of a
    million orders costs more than the page itself, and "more than 1 000" tells the reader
    as much. Pages stay reachable one after the other; ``capped`` says the total is a floor.
    """

    cap = 1000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit = self.cap

    def page(self, number):
        # Count far enough to know whether the page asked for and the one after it exist.
        try:
            wanted = max(int(number), 1)
        except (TypeError, ValueError):
            wanted = 1
        # A page number past a million pages is empty anyway; keep LIMIT a sane integer.
        self._limit = max(self.cap, min(wanted + 1, 10**6) * self.per_page)
        return super().page(number)

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):
            return len(self.object_list)
        # Without the list's order: counting needs none, and with it the database must find
        # and sort every match (50 000 orders mentioning 漏水) before stopping at the cap.
        return self.object_list.order_by()[: self._limit + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self._limit

    @property
    def shown_count(self) -> int:
        """The count to print: exact, or the floor it is known to exceed."""
        return min(self.count, self._limit)


class ReachListView(LoginRequiredMixin, ReasonedPermissionMixin, FilterView):
    """A filtered, paginated list that starts from ``model.objects.visible_to(user)``."""

    paginate_by = 25
    paginator_class = CappedPaginator
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
