"""The filter of the lead list, shared by the page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.leads.models import Lead, LeadStatus


def _reporters(request):
    """The people who reported a lead the person may read."""
    user = getattr(request, "user", None)
    leads = Lead.objects.readable_by(user) if user is not None else Lead.objects.none()
    return User.objects.filter(pk__in=leads.values("reporter_id")).order_by("username")


def _salespeople(request):
    user = getattr(request, "user", None)
    leads = Lead.objects.readable_by(user) if user is not None else Lead.objects.none()
    return User.objects.filter(pk__in=leads.values("salesperson_id")).order_by("username")


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Lead no., customer, what they want")
    )
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, label=_("Status"))
    reporter = django_filters.ModelChoiceFilter(queryset=_reporters, label=_("Reported by"))
    salesperson = django_filters.ModelChoiceFilter(queryset=_salespeople, label=_("Salesperson"))

    class Meta:
        model = Lead
        fields = ["q", "status", "reporter", "salesperson"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(product_interest__icontains=value)
            | Q(order__number__icontains=value)
        )
