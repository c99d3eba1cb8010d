"""Filters shared by the unit list page and the API (PRD-1, PRD-2)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit
from aftersales.core.filters import ActiveFilter
from aftersales.products.models import (
    MaintenanceContract,
    ProductCategory,
    ProductModel,
    Unit,
    Warranty,
)

STATUS_CHOICES = [
    ("warranty", _("In warranty")),
    ("contract", _("Under maintenance contract")),
    ("paid", _("Paid service")),
]


def with_cover(queryset, on_date=None):
    """Annotate ``in_warranty`` and ``under_contract`` on ``on_date`` (today) with EXISTS
    subqueries: one query for the whole page, none per row."""
    on_date = on_date or timezone.localdate()
    warranty = Warranty.objects.filter(
        unit=OuterRef("pk"), start_date__lte=on_date, end_date__gte=on_date
    )
    contract = MaintenanceContract.units.through.objects.filter(
        unit_id=OuterRef("pk"),
        maintenancecontract__is_cancelled=False,
        maintenancecontract__start_date__lte=on_date,
        maintenancecontract__end_date__gte=on_date,
    )
    return queryset.annotate(in_warranty=Exists(warranty), under_contract=Exists(contract))


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Serial no., customer or batch"))
    product_model = django_filters.ModelChoiceFilter(
        queryset=ProductModel.objects.all(), label=_("Model")
    )
    category = django_filters.ModelChoiceFilter(
        field_name="product_model__category",
        queryset=ProductCategory.objects.all(),
        label=_("Category"),
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Cover today")
    )
    owner_unit = django_filters.ModelChoiceFilter(
        field_name="owner__owner_unit",
        queryset=OrgUnit.objects.all(),
        label=_("Owning unit"),
    )

    owner = django_filters.NumberFilter(field_name="owner", widget=forms.HiddenInput)

    class Meta:
        model = Unit
        fields = ["q", "product_model", "category", "status", "owner_unit", "owner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(serial_number__icontains=value)
            | Q(owner__name__icontains=value)
            | Q(batch__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        if "in_warranty" not in queryset.query.annotations:
            queryset = with_cover(queryset)
        if value == "warranty":
            return queryset.filter(in_warranty=True)
        if value == "contract":
            return queryset.filter(in_warranty=False, under_contract=True)
        if value == "paid":
            return queryset.filter(in_warranty=False, under_contract=False)
        return queryset


class ProductModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))
    is_active = ActiveFilter(choices=[("true", _("In production")), ("false", _("Discontinued"))])

    class Meta:
        model = ProductModel
        fields = ["q", "category", "warranty_starts_from", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ContractFilter(django_filters.FilterSet):
    """The API's filter of maintenance contracts. ``units`` takes one unit's id: as a
    multiple choice it became an ``IN`` list, which SQLite cannot bind with an id past 64
    bits (a 500 instead of no match)."""

    units = django_filters.NumberFilter(field_name="units", distinct=True, label=_("unit"))

    class Meta:
        model = MaintenanceContract
        fields = ["customer", "units", "is_cancelled"]
