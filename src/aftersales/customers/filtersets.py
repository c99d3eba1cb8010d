"""The customer filter shared by the overview page, its Excel export and the API (CUS-1)."""

import django_filters
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, Region
from aftersales.core.filters import ActiveFilter
from aftersales.customers.models import Contact, Customer


def with_key_figures(queryset):
    """Annotate units_count and contacts_count (subqueries: no row multiplication)."""
    unit_model = Customer._meta.get_field("units").related_model

    def count_of(model, fk: str):
        sub = (
            model.objects.filter(**{fk: OuterRef("pk")})
            .order_by()
            .values(fk)
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))

    return queryset.select_related("region", "owner_unit").annotate(
        units_count=count_of(unit_model, "owner"),
        contacts_count=count_of(Contact, "customer"),
    )


def _units_in_reach(request):
    if request is None or not getattr(request, "user", None):
        return OrgUnit.objects.all()
    return OrgUnit.objects.visible_to(request.user)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        help_text=_("Name, customer no., phone, contact, credit code"),
    )
    kind = django_filters.ChoiceFilter(choices=Customer.Kind.choices, label=_("Kind"))
    entity = django_filters.ChoiceFilter(
        choices=Customer.Entity.choices, label=_("Person or company")
    )
    relationship = django_filters.ChoiceFilter(
        choices=Customer.Relationship.choices, label=_("Relationship")
    )
    service_tier = django_filters.ChoiceFilter(
        choices=Customer.Tier.choices, label=_("Service tier")
    )
    credit = django_filters.ChoiceFilter(choices=Customer.Credit.choices, label=_("Credit"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="in_region", label=_("Region")
    )
    owner_unit = django_filters.ModelChoiceFilter(queryset=_units_in_reach, label=_("Owning unit"))
    is_active = ActiveFilter()

    class Meta:
        model = Customer
        fields = [
            "q",
            "kind",
            "entity",
            "relationship",
            "service_tier",
            "credit",
            "region",
            "owner_unit",
            "is_active",
        ]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        # Phones are stored normalised (13812345678, 0571-88001234): match digits too.
        digits = "".join(c for c in value if c.isdigit())
        contact_q = Q(name__icontains=value) | Q(phone__icontains=value)
        match = (
            Q(name__icontains=value)
            | Q(code__icontains=value)
            | Q(phone__icontains=value)
            | Q(credit_code__icontains=value)
        )
        if len(digits) >= 4 and digits != value:
            match |= Q(phone__icontains=digits)
            contact_q |= Q(phone__icontains=digits)
        # A subquery, not a join: one row per customer and unchanged key figures.
        match |= Q(pk__in=Contact.objects.filter(contact_q).values("customer_id"))
        return queryset.filter(match)

    def in_region(self, queryset, name, value):
        """A region includes its sub-regions (华东 → 浙江, 江苏)."""
        if not value:
            return queryset
        return queryset.filter(region_id__in=value.descendant_ids())
