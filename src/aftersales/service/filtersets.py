"""The filter of the service-order work queue."""

import datetime as dt

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, Region, User
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


def _units_in_reach(request):
    if request is None or not getattr(request, "user", None):
        return OrgUnit.objects.all()
    return OrgUnit.objects.visible_to(request.user)


def _technicians_in_reach(request):
    people = technicians().select_related("org_unit").order_by("org_unit__code", "username")
    if request is None or not getattr(request, "user", None):
        return people
    return people.filter(pk__in=User.objects.visible_to(request.user).values("pk"))


class ServiceOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        help_text=_("Order no., contact, phone, customer, serial number, fault words"),
    )
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="in_state", label=_("Open or finished")
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    order_type = django_filters.ChoiceFilter(choices=OrderType.choices, label=_("Type"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    org_unit = django_filters.ModelChoiceFilter(queryset=_units_in_reach, label=_("Handling unit"))
    technician = django_filters.ModelChoiceFilter(
        queryset=_technicians_in_reach, label=_("Technician")
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.order_by("code"),
        method="in_region",
        label=_("Region"),
    )
    clock = django_filters.ChoiceFilter(
        choices=CLOCK_CHOICES, method="by_clock", label=_("Time limits")
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
