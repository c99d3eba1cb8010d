"""CAL-1: writes on the business calendar — rights, validation, audit, seeding."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from aftersales.audit.models import AuditEntry
from aftersales.core import calendar as cal
from aftersales.core import services
from aftersales.core.exceptions import ServiceError
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(db):
    return BusinessCalendar.objects.get(is_default=True)


def test_cal_1_migration_creates_the_default_calendar_and_week(calendar):
    assert (calendar.code, calendar.name) == ("CN", "中国大陆")
    hours = {h.weekday: (h.opens_at, h.closes_at) for h in calendar.working_hours.all()}
    assert hours == {d: (dt.time(8, 30), dt.time(17, 30)) for d in range(5)}
    day = CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 10, 10))
    assert (day.kind, day.name, day.source) == ("workday", "国庆节", "official")
    # only exceptions are stored: no plain weekday of 2026 appears as a workday
    workdays = CalendarDay.objects.filter(calendar=calendar, kind="workday", date__year=2026)
    assert all(d.date.weekday() >= 5 for d in workdays)


def test_cal_1_admin_adds_a_day_with_an_audit_row(calendar, people):
    # when
    day = services.set_calendar_day(
        actor=people["admin"],
        calendar=calendar,
        date=dt.date(2027, 2, 8),
        kind="holiday",
        name="公司年假",
    )
    # then
    assert (day.source, day.kind, day.created_by) == ("manual", "holiday", people["admin"])
    entry = AuditEntry.objects.get(action="core.calendar_day.set", object_id=str(day.pk))
    assert entry.actor == people["admin"]
    assert entry.changes["name"] == [None, "公司年假"]
    assert not cal.get_calendar().is_working_day(dt.date(2027, 2, 8))


def test_cal_1_changing_an_official_day_makes_it_manual(calendar, people):
    # given the official holiday 2026-10-07
    services.set_calendar_day(
        actor=people["admin"], calendar=calendar, date=dt.date(2026, 10, 7), kind="workday"
    )
    day = CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 10, 7))
    assert (day.kind, day.source) == ("workday", "manual")
    entry = AuditEntry.objects.filter(action="core.calendar_day.set").latest("at")
    assert entry.changes["kind"] == ["holiday", "workday"]
    assert entry.changes["source"] == ["official", "manual"]


def test_cal_1_agent_may_not_add_change_or_remove_days(calendar, people):
    count = CalendarDay.objects.count()
    with pytest.raises(PermissionDenied, match="core.add_calendarday"):
        services.set_calendar_day(
            actor=people["agent"], calendar=calendar, date=dt.date(2027, 3, 1), kind="holiday"
        )
    with pytest.raises(PermissionDenied, match="core.change_calendarday"):
        services.set_calendar_day(
            actor=people["agent"], calendar=calendar, date=dt.date(2026, 10, 1), kind="workday"
        )
    with pytest.raises(PermissionDenied, match="core.delete_calendarday"):
        services.remove_calendar_day(
            actor=people["agent"], day=CalendarDay.objects.filter(calendar=calendar).first()
        )
    assert CalendarDay.objects.count() == count
    assert not AuditEntry.objects.filter(action__startswith="core.calendar_day").exists()


def test_cal_1_bad_day_input_is_a_field_error_and_nothing_is_written(calendar, people):
    count = CalendarDay.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.set_calendar_day(
            actor=people["admin"], calendar=calendar, date=dt.date(2027, 3, 1), kind="weekend"
        )
    assert "kind" in exc.value.error_dict
    assert CalendarDay.objects.count() == count


def test_cal_1_admin_removes_a_day_with_an_audit_row(calendar, people):
    day = CalendarDay.objects.get(calendar=calendar, date=dt.date(2026, 10, 10))
    services.remove_calendar_day(actor=people["admin"], day=day)
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    entry = AuditEntry.objects.get(action="core.calendar_day.removed")
    assert entry.changes["kind"] == ["workday", None]
    # Saturday 10-10 is a closed weekend day again
    assert not cal.get_calendar().is_working_day(dt.date(2026, 10, 10))


def test_cal_1_working_hours_are_set_and_audited(calendar, people):
    hours = services.set_working_hours(
        actor=people["admin"],
        calendar=calendar,
        weekday=4,
        opens_at=dt.time(9, 0),
        closes_at=dt.time(16, 0),
    )
    assert (hours.opens_at, hours.closes_at) == (dt.time(9), dt.time(16))
    entry = AuditEntry.objects.get(action="core.working_hours.set")
    assert entry.changes["opens_at"] == ["08:30:00", "09:00:00"]
    # Friday 2026-09-18 now closes at 16:00
    assert cal.add_working_days(
        dt.datetime(2026, 9, 17, 10, tzinfo=cal.local_tz()), 1, cal.get_calendar()
    ) == dt.datetime(2026, 9, 18, 16, tzinfo=cal.local_tz())


def test_cal_1_saturday_hours_make_saturday_a_working_day(calendar, people):
    services.set_working_hours(
        actor=people["admin"],
        calendar=calendar,
        weekday=5,
        opens_at=dt.time(9, 0),
        closes_at=dt.time(12, 0),
    )
    data = cal.get_calendar()
    assert data.hours_on(dt.date(2027, 1, 9)) == (dt.time(9), dt.time(12))
    # a make-up Saturday also uses the Saturday hours now
    assert data.hours_on(dt.date(2026, 10, 10)) == (dt.time(9), dt.time(12))


@pytest.mark.parametrize(
    "weekday, opens_at, closes_at, field",
    [
        (0, dt.time(18, 0), dt.time(9, 0), "opens_at"),
        (0, dt.time(9, 0), dt.time(9, 0), "opens_at"),
        (7, dt.time(9, 0), dt.time(17, 0), "weekday"),
        (-1, dt.time(9, 0), dt.time(17, 0), "weekday"),
    ],
)
def test_cal_1_invalid_working_hours_are_refused(
    calendar, people, weekday, opens_at, closes_at, field
):
    before = list(WorkingHours.objects.values_list("weekday", "opens_at", "closes_at"))
    with pytest.raises(ServiceError) as exc:
        services.set_working_hours(
            actor=people["admin"],
            calendar=calendar,
            weekday=weekday,
            opens_at=opens_at,
            closes_at=closes_at,
        )
    assert field in exc.value.error_dict
    assert list(WorkingHours.objects.values_list("weekday", "opens_at", "closes_at")) == before
    assert not AuditEntry.objects.filter(action="core.working_hours.set").exists()


def test_cal_1_agent_may_not_set_working_hours(calendar, people):
    with pytest.raises(PermissionDenied, match="core.change_workinghours"):
        services.set_working_hours(
            actor=people["agent"],
            calendar=calendar,
            weekday=0,
            opens_at=dt.time(9),
            closes_at=dt.time(17),
        )


def test_cal_1_seeding_is_idempotent(calendar, people):
    # given the migration already seeded everything
    rows = set(CalendarDay.objects.values_list("date", "kind", "name", "source"))
    # when
    counts = services.seed_official_days(actor=people["admin"], calendar=calendar)
    # then
    assert counts == {"created": 0, "updated": 0, "removed": 0, "kept_manual": 0}
    assert set(CalendarDay.objects.values_list("date", "kind", "name", "source")) == rows
    assert AuditEntry.objects.filter(action="core.calendar.seeded").count() == 1


def test_cal_1_seeding_repairs_official_entries_and_keeps_manual_ones(calendar, people):
    # given: a manual override of an official day, a deleted, an altered and a stale entry
    services.set_calendar_day(
        actor=people["admin"], calendar=calendar, date=dt.date(2026, 10, 7), kind="workday"
    )
    CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 10, 1)).delete()
    CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 10, 2)).update(name="x")
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2026, 3, 3), kind="holiday", source="official"
    )
    # when
    counts = services.seed_official_days(actor=people["admin"], calendar=calendar, year=2026)
    # then
    assert counts == {"created": 1, "updated": 1, "removed": 1, "kept_manual": 1}
    days = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__year=2026)}
    assert (days[dt.date(2026, 10, 7)].kind, days[dt.date(2026, 10, 7)].source) == (
        "workday",
        "manual",
    )
    assert days[dt.date(2026, 10, 1)].name == "国庆节"
    assert days[dt.date(2026, 10, 2)].name == "国庆节"
    assert dt.date(2026, 3, 3) not in days
    # and a second run changes nothing
    again = services.seed_official_days(actor=people["admin"], calendar=calendar, year=2026)
    assert again == {"created": 0, "updated": 0, "removed": 0, "kept_manual": 1}


def test_cal_1_seeding_a_year_without_official_schedule_is_refused(calendar, people):
    with pytest.raises(ServiceError) as exc:
        services.seed_official_days(actor=people["admin"], calendar=calendar, year=2030)
    assert "year" in exc.value.error_dict


def test_cal_1_agent_may_not_seed(calendar, people):
    with pytest.raises(PermissionDenied):
        services.seed_official_days(actor=people["agent"], calendar=calendar)


def test_cal_1_seed_command_restores_an_emptied_year(calendar, capsys):
    CalendarDay.objects.filter(calendar=calendar, date__year=2025).delete()
    call_command("seed_calendar", year=2025)
    assert "created" in capsys.readouterr().out
    assert CalendarDay.objects.filter(calendar=calendar, date__year=2025).count() == len(
        cal.official_schedule(2025)
    )
    assert cal.get_calendar().has_official_data(2025)


def test_cal_1_default_calendar_is_recreated_after_a_flush(db, org, people):
    BusinessCalendar.objects.all().delete()
    calendar = services.ensure_default_calendar(actor=people["admin"])
    assert calendar.is_default and calendar.code == "CN"
    assert calendar.working_hours.count() == 5
    assert AuditEntry.objects.filter(action="core.calendar.created").exists()
    # the demo loader seeds it again
    from aftersales.core import calendar_demo

    calendar_demo.load({**org, "admin": people["admin"]})
    data = cal.get_calendar()
    assert data.has_official_data(2026) and not data.has_official_data(2027)
    assert data.entry(dt.date(2027, 1, 1)) == cal.DayEntry("holiday", "元旦", "manual")
