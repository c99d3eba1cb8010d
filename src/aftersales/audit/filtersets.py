import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from aftersales.audit.models import AuditEntry


class AuditEntryFilter(django_filters.FilterSet):
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

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "content_type", "object_id", "text", "since", "until"]
