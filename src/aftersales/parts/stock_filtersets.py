"""Filters of the stock pages and the stock API (PRT-8): levels, the ledger, counts."""

import json

import django_filters
from django import forms
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from aftersales.parts.models import CountStatus, MoveKind, StockCount, StockLevel, StockMove
from aftersales.parts.stock import warehouses_visible_to


def _warehouses(request):
    user = getattr(request, "user", None)
    return warehouses_visible_to(user).order_by("code")


def _part_text(queryset, value: str, prefix: str = "part__"):
    value = (value or "").strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(**{f"{prefix}code__icontains": value}) | Q(**{f"{prefix}name__icontains": value})
    )


@extend_schema_field(OpenApiTypes.INT)
class WarehouseFilter(django_filters.ModelChoiceFilter):
    """A location by id (the API) or from the select of those in reach (the pages)."""


class StockLevelFilter(django_filters.FilterSet):
    warehouse = django_filters.ModelChoiceFilter(
        queryset=_warehouses, label=_("Warehouse"), empty_label=_("All")
    )
    q = django_filters.CharFilter(method="search", label=_("Part"), help_text=_("Part no. or name"))
    below = django_filters.BooleanFilter(
        method="below_reorder_point",
        label=_("Below reorder point"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = StockLevel
        fields = ["warehouse", "q", "below"]

    def search(self, queryset, name, value):
        return _part_text(queryset, value)

    def below_reorder_point(self, queryset, name, value):
        return queryset.filter(on_hand__lt=F("reorder_point")) if value else queryset


class StockMoveFilter(django_filters.FilterSet):
    part = django_filters.CharFilter(
        method="search", label=_("Part"), help_text=_("Part no. or name")
    )
    warehouse = WarehouseFilter(
        queryset=_warehouses,
        method="at_warehouse",
        label=_("Warehouse"),
        empty_label=_("All"),
        help_text=_("Moves into or out of this location"),
    )
    kind = django_filters.ChoiceFilter(
        choices=MoveKind.choices, label=_("Kind"), empty_label=_("All")
    )
    order = django_filters.CharFilter(
        field_name="order__number", lookup_expr="icontains", label=_("Service order no.")
    )
    serial = django_filters.CharFilter(method="with_serial", label=_("Serial number"))

    class Meta:
        model = StockMove
        fields = ["part", "warehouse", "kind", "order", "serial"]

    def search(self, queryset, name, value):
        return _part_text(queryset, value)

    def at_warehouse(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(from_warehouse=value) | Q(to_warehouse=value))

    def with_serial(self, queryset, name, value):
        """PRT-2: the moves that carried this serial number (exact)."""
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.alias(_serials_text=Cast("serial_numbers", TextField())).filter(
            _serials_text__contains=json.dumps(value)
        )


class StockCountFilter(django_filters.FilterSet):
    warehouse = django_filters.ModelChoiceFilter(
        queryset=_warehouses, label=_("Warehouse"), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        choices=CountStatus.choices, label=_("Status"), empty_label=_("All")
    )

    class Meta:
        model = StockCount
        fields = ["warehouse", "status"]
