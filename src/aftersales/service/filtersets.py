"""The filter of the service-order work queue."""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.accounts.reach import reach_of
from aftersales.core.process_cache import KeptValues
from aftersales.service import search
from aftersales.service.models import OPEN_STATUSES, Channel, OrderType, ServiceOrder, Status
from aftersales.service.services import technicians

STATE_CHOICES = [("open", _("Open")), ("finished", _("Finished"))]
# SVC-6/7: the time-limit state of an open order, read from its stored next due time.
CLOCK_CHOICES = [
    ("overdue", _("Overdue")),
    ("due_soon", _("Due soon")),
    ("on_time", _("On time")),
    ("breached", _("A limit was breached")),
]


def _html_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html (a value through |stringformat:'s', then escaped)."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A select written in Python (issue 7): the same HTML as Django's select.html and
    select_option.html templates, whose rendering — a template include per option — was a
    good part of the work queue's time. Choices, selection and attributes are Django's."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        name_html, attrs_html = conditional_escape(widget["name"]), _html_attrs(widget["attrs"])
        parts = [f'<select name="{name_html}"{attrs_html}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{escape(option["value"])}"{_html_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every value above is escaped (tests/service/test_order_list_rendering.py).
        return mark_safe("".join(parts))  # nosec B308 B703


def _units_in_reach(request):
    if request is None or not getattr(request, "user", None):
        return OrgUnit.objects.all()
    return OrgUnit.objects.visible_to(request.user)


def _technicians_in_reach(request):
    # Only their names are shown (str(user)): no org unit row to select (issue 7).
    people = technicians().order_by("org_unit__code", "username")
    if request is None or not getattr(request, "user", None):
        return people
    if reach_of(request.user).everything:
        return people  # visible_to would add a filter that keeps everyone
    return people.filter(pk__in=User.objects.visible_to(request.user).values("pk"))


# --- the filter bar's lists, per process (issue 7) ---------------------------------------
# Regions, the handling units and the technicians in reach change rarely, and reading them
# was a good part of every queue page. The options shown (id, name) are kept in this
# process per list and reach, stamped with a *generation* kept in Django's cache that every
# write of a user, role, right, unit or region bumps once it commits — the scheme of
# core/process_cache.KeptValues (as core/calendar.cached_calendar). Each entry also expires after
# AFTERSALES_FILTER_CHOICES_TTL seconds (60; 0 turns the cache off), which bounds how long
# another process's change waits without a shared cache. What a filter accepts is still
# checked against the live queryset: only the options written into the page are kept.

kept_choices = KeptValues("order_filter_choices", "AFTERSALES_FILTER_CHOICES_TTL")


def choices_changed(*_args, **kwargs) -> None:
    """A person, role, right, unit or region changed: the kept lists are dropped once the
    write commits. Signature of a signal receiver; a login (last_login only) is no change."""
    if set(kwargs.get("update_fields") or ()) == {"last_login"}:
        return
    kept_choices.changed()


def connect_choices_signals() -> None:
    """Called by ServiceConfig.ready."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in (User, Group, Permission, OrgUnit, Region):
        uid = f"aftersales.order_filter_choices.{model._meta.label_lower}"
        post_save.connect(choices_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(choices_changed, sender=model, dispatch_uid=uid + ".delete")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        uid = f"aftersales.order_filter_choices.{through._meta.label_lower}"
        m2m_changed.connect(choices_changed, sender=through, dispatch_uid=uid)


def _kept_options(key: tuple, field) -> list:
    """The field's options without its empty one — [(id, label)] — kept per ``key`` and
    language."""
    return kept_choices.get(
        (*key, translation.get_language()),
        lambda: [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset],
    )


class ServiceOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        help_text=_("Order no., contact, phone, customer, serial number, fault words"),
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="in_state", label=_("Open or finished"), widget=QuickSelect
    )
    status = django_filters.ChoiceFilter(
        choices=Status.choices, label=_("Status"), widget=QuickSelect
    )
    order_type = django_filters.ChoiceFilter(
        choices=OrderType.choices, label=_("Type"), widget=QuickSelect
    )
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), widget=QuickSelect
    )
    org_unit = django_filters.ModelChoiceFilter(
        queryset=_units_in_reach, label=_("Handling unit"), widget=QuickSelect
    )
    technician = django_filters.ModelChoiceFilter(
        queryset=_technicians_in_reach, label=_("Technician"), widget=QuickSelect
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.order_by("code"),
        method="in_region",
        label=_("Region"),
        widget=QuickSelect,
    )
    clock = django_filters.ChoiceFilter(
        choices=CLOCK_CHOICES, method="by_clock", label=_("Time limits"), widget=QuickSelect
    )

    class Meta:
        model = ServiceOrder
        fields = [
            "q",
            "state",
            "status",
            "order_type",
            "channel",
            "org_unit",
            "region",
            "technician",
            "clock",
        ]

    @property
    def form(self):
        form = super().form
        if not getattr(self, "_options_kept", False):
            self._options_kept = True
            self._keep_options(form)
        return form

    def _keep_options(self, form) -> None:
        """The unit, technician and region lists from the process's kept copies."""
        user = getattr(self.request, "user", None)
        if user is None:
            return
        reach = reach_of(user)
        reached = "all" if reach.everything else tuple(sorted(reach.unit_ids))
        for name, key in (
            ("org_unit", ("org_unit", reached)),
            ("technician", ("technician", reached)),
            ("region", ("region",)),
        ):
            field = form.fields[name]
            if field.null_label is not None:
                continue
            empty = [] if field.empty_label is None else [("", field.empty_label)]
            field.widget.choices = empty + _kept_options(key, field)

    def in_region(self, queryset, name, value):
        """The customer's region, sub-regions included."""
        if not value:
            return queryset
        return queryset.filter(customer__region_id__in=value.descendant_ids())

    def by_clock(self, queryset, name, value):
        now = timezone.now()
        soon = now + dt.timedelta(hours=getattr(settings, "AFTERSALES_DUE_SOON_HOURS", 4))
        if value == "overdue":
            return queryset.filter(status__in=OPEN_STATUSES, next_due_at__lt=now)
        if value == "due_soon":
            return queryset.filter(
                status__in=OPEN_STATUSES, next_due_at__gte=now, next_due_at__lt=soon
            )
        if value == "on_time":
            return queryset.filter(status__in=OPEN_STATUSES).filter(
                Q(next_due_at__gte=soon) | Q(next_due_at__isnull=True)
            )
        if value == "breached":
            return queryset.filter(sla_breached=True)
        return queryset

    def search(self, queryset, name, value):
        """Number, contact, phone (or its digits), customer, serial, fault words: one indexed
        column (service/search.py)."""
        return search.matching(queryset, value)

    def in_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "finished":
            # Finished work is looked up, not worked through: newest first.
            return queryset.exclude(status__in=OPEN_STATUSES).order_by("-received_at", "-pk")
        return queryset
