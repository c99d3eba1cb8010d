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
