import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.audit.models import AccessAction, AccessEntry, AuditEntry


class DateRangeFilter(django_filters.FilterSet):
    """From / to dates on the ``at`` time, shared by the audit and access-log searches."""

    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AuditEntryFilter(DateRangeFilter):
    actor = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="icontains", label=_("Actor")
    )
    action = django_filters.CharFilter(lookup_expr="startswith", label=_("Action code starts with"))
    content_type = django_filters.ModelChoiceFilter(
        queryset=ContentType.objects.filter(
            app_label__in=["accounts", "core", "customers", "products"]
        ).order_by("app_label", "model"),
        label=_("Object type"),
    )
    object_id = django_filters.CharFilter(label=_("Object id"))
    text = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", label=_("Object contains")
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "content_type", "object_id", "text", "since", "until"]


# The apps whose records the access log names (CUS-8: customer files, contracts, leads,
# return visits, surveys, complaints, hand-overs, orders' printed documents …).
ACCESS_LOGGED_APPS = [
    "charges",
    "complaints",
    "customers",
    "exchanges",
    "fieldwork",
    "followup",
    "leads",
    "products",
    "service",
]


class AccessEntryFilter(DateRangeFilter):
    """The access log's search (CUS-2, SEC-2); the page and the API share it."""

    person = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="icontains", label=_("Person")
    )
    content_type = django_filters.ModelChoiceFilter(
        queryset=ContentType.objects.filter(app_label__in=ACCESS_LOGGED_APPS).order_by(
            "app_label", "model"
        ),
        label=_("Object type"),
    )
    object_id = django_filters.CharFilter(label=_("Object id"))
    action = django_filters.ChoiceFilter(choices=AccessAction.choices, label=_("Action"))
    # A prefix, so "10.1." finds a whole office network.
    client_address = django_filters.CharFilter(
        lookup_expr="startswith", label=_("Client address starts with")
    )
    text = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = AccessEntry
        fields = [
            "person",
            "content_type",
            "object_id",
            "action",
            "since",
            "until",
            "client_address",
            "text",
        ]

    def filter_text(self, queryset, name, value):
        """The object, what was taken out, or the page address contains the text."""
        return queryset.filter(
            Q(object_repr__icontains=value) | Q(what__icontains=value) | Q(path__icontains=value)
        )
