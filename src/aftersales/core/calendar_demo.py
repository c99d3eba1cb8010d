"""Demo data for the business calendar (CAL-1).

The seeding migration already holds the official schedule; after a database
flush (``aftersales demo``) it is restored here. One administrator entry shows
how a year without an official schedule (2027) is completed by hand. The
Hangzhou branch keeps its own calendar (a copy with its annual stock-taking day
off), which its service centre in Ningbo inherits.
"""

import datetime as dt

from aftersales.core import services
from aftersales.core.models import CalendarDay


def load(ctx: dict) -> None:
    admin = ctx["admin"]
    calendar = services.ensure_default_calendar(actor=admin)
    if not CalendarDay.objects.filter(
        calendar=calendar, source=CalendarDay.Source.OFFICIAL
    ).exists():
        services.seed_official_days(actor=admin, calendar=calendar)
    services.set_calendar_day(
        actor=admin,
        calendar=calendar,
        date=dt.date(2027, 1, 1),
        kind=CalendarDay.Kind.HOLIDAY,
        name="元旦",
    )
    ctx["calendar"] = calendar

    from aftersales.accounts import services as accounts_services

    hangzhou = services.create_calendar(actor=admin, code="HZ", name="杭州分公司日历")
    services.set_calendar_day(
        actor=admin,
        calendar=hangzhou,
        date=dt.date(2026, 12, 31),
        kind=CalendarDay.Kind.HOLIDAY,
        name="年终盘点",
    )
    accounts_services.save_org_unit(actor=admin, unit=ctx["units"]["BR-HZ"], calendar=hangzhou)
