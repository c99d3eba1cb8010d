"""Filters shared by list pages, their exports and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _


class ActiveFilter(django_filters.ChoiceFilter):
    """ "All / active / inactive" for an is_active flag, with words people use, not 未知/是/否."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Status"))
        kwargs.setdefault("choices", [("true", _("Active")), ("false", _("Inactive"))])
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("true", "false"):
            return qs.filter(**{self.field_name: value == "true"})
        return qs


def search_with_phone_digits(queryset, value: str, fields: list[str], phone_field: str):
    """Rows whose text fields contain the value; the phone also matches by its digits alone
    (phones are stored normalised, 0571-88001234, and people type 057188001234)."""
    from django.db.models import Q, Value
    from django.db.models.functions import Replace

    value = (value or "").strip()
    if not value:
        return queryset
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": value})
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 4:
        queryset = queryset.alias(_phone_digits=Replace(phone_field, Value("-"), Value("")))
        match |= Q(_phone_digits__icontains=digits)
    return queryset.filter(match)
