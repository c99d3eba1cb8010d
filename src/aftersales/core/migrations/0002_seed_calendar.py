"""Seed the default business calendar (CAL-1).

Creates the calendar "CN" (中国大陆), working hours Monday–Friday 08:30–17:30
(no rows for Saturday and Sunday: a weekday without working hours is closed),
and the official holidays and make-up working days (调休) of every year the
``chinese_calendar`` package covers. Holidays are stored even when they fall on
a weekend (they carry the festival's name for the calendar page); make-up
working days are stored as kind "workday". Self-contained on purpose: a
migration must not depend on application code that may change later.
"""

import datetime

from django.db import migrations

DEFAULT_OPENS = datetime.time(8, 30)
DEFAULT_CLOSES = datetime.time(17, 30)


def _chinese_name(english: str) -> str:
    from chinese_calendar.constants import Holiday

    try:
        return Holiday(english).chinese
    except ValueError:
        return english


def seed(apps, schema_editor):
    from chinese_calendar import constants

    BusinessCalendar = apps.get_model("core", "BusinessCalendar")
    CalendarDay = apps.get_model("core", "CalendarDay")
    WorkingHours = apps.get_model("core", "WorkingHours")

    calendar, _created = BusinessCalendar.objects.get_or_create(
        code="CN", defaults={"name": "中国大陆", "is_default": True}
    )
    for weekday in range(5):
        WorkingHours.objects.get_or_create(
            calendar=calendar,
            weekday=weekday,
            defaults={"opens_at": DEFAULT_OPENS, "closes_at": DEFAULT_CLOSES},
        )
    existing = set(CalendarDay.objects.filter(calendar=calendar).values_list("date", flat=True))
    rows = []
    for kind, source in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, english in sorted(source.items()):
            if day in existing:
                continue
            existing.add(day)
            rows.append(
                CalendarDay(
                    calendar=calendar,
                    date=day,
                    kind=kind,
                    name=_chinese_name(english),
                    source="official",
                )
            )
    CalendarDay.objects.bulk_create(rows, batch_size=500)


def unseed(apps, schema_editor):
    BusinessCalendar = apps.get_model("core", "BusinessCalendar")
    BusinessCalendar.objects.filter(code="CN").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
