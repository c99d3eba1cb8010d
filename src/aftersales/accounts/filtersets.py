import django_filters
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, User
from aftersales.accounts.roles import ROLE_CHOICES


class OrgUnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "region"]


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or user name"))
    role = django_filters.ChoiceFilter(
        field_name="groups__name", choices=ROLE_CHOICES, label=_("Role")
    )

    class Meta:
        model = User
        fields = ["q", "role", "org_unit"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value))
