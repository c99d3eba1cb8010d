from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftersales.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from aftersales.accounts.models import OrgUnit
        from aftersales.core import maintenance  # noqa: F401  (registers its periodic job)
        from aftersales.core.calendar import calendar_changed
        from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours

        # Issue 7: the deadline engine caches the calendars per process (core/calendar.py);
        # every write of what a deadline depends on drops that cache when it commits.
        for model in (BusinessCalendar, CalendarDay, WorkingHours, OrgUnit):
            uid = f"aftersales.calendar_changed.{model._meta.label_lower}"
            post_save.connect(calendar_changed, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=uid + ".delete")
