"""The filter of the service-order work queue."""

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, User
from aftersales.service.models import OPEN_STATUSES, Channel, OrderType, ServiceOrder, Status
from aftersales.service.services import technicians

STATE_CHOICES = [("open", _("Open")), ("finished", _("Finished"))]


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
        help_text=_("Order no., contact, phone, customer, serial number"),
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

    class Meta:
        model = ServiceOrder
        fields = ["q", "state", "status", "order_type", "channel", "org_unit", "technician"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        match = (
            Q(number__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(contact_phone__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(unit__serial_number__icontains=value)
        )
        # Phones are stored normalised (0571-88001234): match the digits alone too.
        digits = "".join(c for c in value if c.isdigit())
        if len(digits) >= 4:
            queryset = queryset.alias(phone_digits=Replace("contact_phone", Value("-"), Value("")))
            match |= Q(phone_digits__icontains=digits)
        return queryset.filter(match)

    def in_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "finished":
            # Finished work is looked up, not worked through: newest first.
            return queryset.exclude(status__in=OPEN_STATUSES).order_by("-received_at", "-pk")
        return queryset
