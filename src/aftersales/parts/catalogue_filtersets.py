"""Filters of the parts catalogue, shared by the list page and the API (PRT-8, FEE-2)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.filters import ActiveFilter
from aftersales.parts.models import LabourBasis, LabourRate, Part, PartPrice
from aftersales.products.models import ProductModel

YES_NO = [("true", _("Yes")), ("false", _("No"))]


class FlagFilter(ActiveFilter):
    """All / yes / no for a boolean flag (in words, not 未知/是/否)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", YES_NO)
        super().__init__(*args, **kwargs)


class PartFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Part no. or name"))
    is_active = ActiveFilter()
    is_assembly = FlagFilter(label=_("Assembly"))
    is_valuable = FlagFilter(label=_("Valuable (serial-tracked)"))
    fits = django_filters.ModelChoiceFilter(
        field_name="compatible_models",
        queryset=ProductModel.objects.all(),
        label=_("Fits model"),
    )

    class Meta:
        model = Part
        fields = ["q", "is_active", "is_assembly", "is_valuable", "fits"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        # Chinese names match by any substring (水温 finds 水温传感器).
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class PartPriceFilter(django_filters.FilterSet):
    class Meta:
        model = PartPrice
        fields = ["part"]


class LabourRateFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(method="by_code", label=_("Code"))
    basis = django_filters.ChoiceFilter(choices=LabourBasis.choices, label=_("Basis"))

    class Meta:
        model = LabourRate
        fields = ["code", "basis"]

    def by_code(self, queryset, name, value):
        value = (value or "").strip().upper()
        return queryset.filter(code=value) if value else queryset
