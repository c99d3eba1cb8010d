"""CAL-1 / CAL-2: the deadline engine, by properties and by worked examples.

The property tests run on an in-memory calendar built from the official
schedule (no database); the worked examples use the calendar the seeding
migration stored, so they also check the seed.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.core import calendar as cal

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(y, m, d, hh=0, mm=0, tz=SHANGHAI):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def official_only() -> cal.BusinessCalendarData:
    """The default calendar as the migration seeds it, in memory."""
    entries = {
        day: cal.DayEntry(kind, name, cal.OFFICIAL)
        for day, (kind, name) in cal.official_schedule().items()
    }
    return cal.BusinessCalendarData(entries=entries, official_years=cal.official_years_covered())


CAL = official_only()
PROPS = settings(max_examples=150, deadline=None)

starts = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2028, 6, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
day_counts = st.integers(min_value=1, max_value=40)
hour_amounts = st.one_of(
    st.integers(min_value=1, max_value=200),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2),
)


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def working_days_between(after: dt.date, upto: dt.date) -> int:
    """Working days d with after < d <= upto."""
    count, day = 0, after
    while day < upto:
        day += dt.timedelta(days=1)
        count += CAL.is_working_day(day)
    return count


# --- properties ----------------------------------------------------------------
@PROPS
@given(start=starts, n=day_counts)
def test_cal_1_working_days_end_at_close_of_business_of_the_nth_working_day(start, n):
    # given a start and N
    # when
    due = cal.add_working_days(start, n, CAL)
    # then: aware, after start, at closing time of a working day, N working days later
    assert due.tzinfo is not None and due > start
    due_day = local(due).date()
    assert CAL.is_working_day(due_day)
    assert local(due).time() == CAL.hours_on(due_day)[1]
    assert working_days_between(local(start).date(), due_day) == n


@PROPS
@given(a=starts, b=starts, n=day_counts, m=day_counts)
def test_cal_1_working_days_are_monotonic_in_start_and_n(a, b, n, m):
    a, b = sorted([a, b])
    n, m = sorted([n, m])
    assert cal.add_working_days(a, n, CAL) <= cal.add_working_days(b, n, CAL)
    assert cal.add_working_days(a, n, CAL) <= cal.add_working_days(a, m, CAL)


@PROPS
@given(start=starts, hours=hour_amounts)
def test_cal_1_hours_limit_is_exact_wall_clock_time(start, hours):
    due = cal.add_hours(start, hours, CAL)
    assert due.tzinfo is not None
    assert due - start == dt.timedelta(microseconds=int(Decimal(hours) * 3_600_000_000))


@PROPS
@given(start=starts, hours=hour_amounts)
def test_cal_1_working_hours_land_inside_working_hours_and_count_exactly(start, hours):
    # when
    due = cal.add_working_hours(start, hours, CAL)
    # then: inside (opening, closing] of a working day, with exactly `hours` of work between
    assert due.tzinfo is not None and due > start
    opens_closes = CAL.hours_on(local(due).date())
    assert opens_closes is not None
    assert opens_closes[0] < local(due).time() <= opens_closes[1]
    expected = dt.timedelta(microseconds=int(Decimal(hours) * 3_600_000_000))
    assert cal.working_time_between(start, due, CAL) == expected


@PROPS
@given(a=starts, b=starts, h=st.integers(1, 100), k=st.integers(1, 100))
def test_cal_1_working_hours_are_monotonic(a, b, h, k):
    a, b = sorted([a, b])
    h, k = sorted([h, k])
    assert cal.add_working_hours(a, h, CAL) <= cal.add_working_hours(b, h, CAL)
    assert cal.add_working_hours(a, h, CAL) <= cal.add_working_hours(a, k, CAL)


@PROPS
@given(start=starts, n=day_counts)
def test_cal_1_days_limit_ends_at_close_of_business_n_calendar_days_later(start, n):
    due = cal.add_days(start, n, CAL)
    assert due > start
    assert local(due).date() == local(start).date() + dt.timedelta(days=n)
    # closing time of that day; the standard 17:30 when the day is not a working day
    assert local(due).time() == dt.time(17, 30)


@PROPS
@given(day=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2030, 12, 28)))
def test_cal_1_end_of_the_nth_day_is_its_last_instant(day):
    due = cal.end_of_nth_day_of_month(day.year, day.month, day.day)
    assert local(due).date() == day
    assert (due + dt.timedelta(microseconds=1)).astimezone(SHANGHAI) == at(
        *(day + dt.timedelta(days=1)).timetuple()[:3]
    )


@PROPS
@given(start=starts, n=day_counts, unit=st.sampled_from(cal.UNITS))
def test_cal_1_deadline_dispatches_to_the_unit(start, n, unit):
    function = {
        "hours": cal.add_hours,
        "working_hours": cal.add_working_hours,
        "working_days": cal.add_working_days,
        "days": cal.add_days,
    }[unit]
    assert cal.deadline(start, n, unit, CAL) == function(start, n, CAL)


@PROPS
@given(day=st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_cal_1_years_without_official_data_fall_back_to_monday_to_friday(day):
    assert not CAL.has_official_data(day.year)
    assert CAL.is_working_day(day) == (day.weekday() < 5)
    assert CAL.fallback_note(day.year)


def test_cal_1_rejects_naive_datetimes_and_bad_amounts():
    with pytest.raises(ValueError):
        cal.add_working_days(dt.datetime(2026, 9, 30, 10), 3, CAL)
    with pytest.raises(ValueError):
        cal.add_hours(at(2026, 9, 30), 0, CAL)
    with pytest.raises(ValueError):
        cal.add_days(at(2026, 9, 30), 0, CAL)
    with pytest.raises(ValueError):
        cal.add_working_days(at(2026, 9, 30), 1.5, CAL)
    with pytest.raises(ValueError):
        cal.deadline(at(2026, 9, 30), 1, "weeks", CAL)


def test_cal_1_a_calendar_without_any_working_day_stops_with_an_error():
    closed = cal.BusinessCalendarData(
        hours={0: (dt.time(8, 30), dt.time(17, 30))},
        entries={
            dt.date(2030, 1, 7) + dt.timedelta(weeks=w): cal.DayEntry(cal.HOLIDAY)
            for w in range(600)
        },
    )
    with pytest.raises(ValueError):
        cal.add_working_days(at(2030, 1, 1), 1, closed)


# --- worked examples on the seeded calendar ----------------------------------------
# 2026 National Day: 10-01 (Thu) … 10-07 (Wed) off; make-up working days 09-20 (Sun)
# and 10-10 (Sat). Mid-autumn 09-25 (Fri) … 09-27 (Sun) off. 2027 has no official data.


@pytest.fixture
def seeded(db):
    return cal.get_calendar()


def test_cal_1_the_migration_seeded_the_2026_national_day(seeded):
    assert seeded.has_official_data(2026)
    assert seeded.entry(dt.date(2026, 10, 1)).name == "国庆节"
    assert not seeded.is_working_day(dt.date(2026, 10, 1))
    assert not seeded.is_working_day(dt.date(2026, 10, 7))
    assert seeded.is_working_day(dt.date(2026, 9, 20))  # Sunday, make-up day
    assert seeded.hours_on(dt.date(2026, 10, 10)) == (dt.time(8, 30), dt.time(17, 30))
    assert seeded.hours_on(dt.date(2026, 10, 11)) is None  # plain Sunday


def test_cal_1_three_working_days_across_national_day(seeded):
    # given the clock starts Wed 2026-09-30 10:00 (09-30 itself never counts)
    start = at(2026, 9, 30, 10)
    # when
    due = cal.deadline(start, 3, "working_days", seeded)
    # then: 10-01..07 off; 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat make-up day (3)
    assert due == at(2026, 10, 10, 17, 30)


def test_cal_1_working_days_started_on_a_holiday_skip_that_day(seeded):
    # Sat 2026-10-03 is a holiday: it does not count; first working day after is 10-08
    assert cal.add_working_days(at(2026, 10, 3, 9), 1, seeded) == at(2026, 10, 8, 17, 30)
    # 10-08 (1), 10-09 (2), 10-10 (3)
    assert cal.add_working_days(at(2026, 10, 3, 9), 3, seeded) == at(2026, 10, 10, 17, 30)


def test_cal_1_working_days_started_on_a_make_up_day(seeded):
    # Sun 2026-09-20 is a make-up working day; the start day never counts → Mon 09-21
    assert cal.add_working_days(at(2026, 9, 20, 9), 1, seeded) == at(2026, 9, 21, 17, 30)
    # 09-21 (1) … 09-24 Thu (4); 09-25..27 mid-autumn off; 09-28 Mon (5)
    assert cal.add_working_days(at(2026, 9, 20, 9), 5, seeded) == at(2026, 9, 28, 17, 30)


def test_cal_1_next_day_limit_ends_at_close_of_the_next_calendar_day(seeded):
    # "next day" from Wed 09-30 10:00 → Thu 10-01 17:30, a holiday, but days are calendar days
    assert cal.deadline(at(2026, 9, 30, 10), 1, "days", seeded) == at(2026, 10, 1, 17, 30)
    # "within 2 days" from 23:50 on 09-30 → 10-02 17:30
    assert cal.deadline(at(2026, 9, 30, 23, 50), 2, "days", seeded) == at(2026, 10, 2, 17, 30)


def test_cal_1_twelve_hours_wall_clock_across_midnight(seeded):
    # 20:00 + 12 h = 08:00 next day, holiday or not (on call 24 h)
    assert cal.deadline(at(2026, 9, 30, 20), 12, "hours", seeded) == at(2026, 10, 1, 8)


def test_cal_1_working_hours_across_national_day(seeded):
    # 09-30 10:00→17:30 = 7.5 h; 10-01..07 off; 10-08 08:30 + 4.5 h = 13:00
    assert cal.deadline(at(2026, 9, 30, 10), 12, "working_hours", seeded) == at(2026, 10, 8, 13)
    # Tue 09-29 16:30: 1 h + 09-30 9 h + 10-08 9 h = 19 h; 10-09 08:30 + 5 h = 13:30
    assert cal.add_working_hours(at(2026, 9, 29, 16, 30), 24, seeded) == at(2026, 10, 9, 13, 30)
    # used up exactly at closing time: stays at 17:30, not the next morning
    assert cal.add_working_hours(at(2026, 9, 30, 8, 30), 9, seeded) == at(2026, 9, 30, 17, 30)


def test_cal_1_working_hours_started_on_a_non_working_day(seeded):
    # a start on holiday Sat 10-03 22:00 waits for the next opening: 10-08 08:30 + 2 h
    assert cal.add_working_hours(at(2026, 10, 3, 22), 2, seeded) == at(2026, 10, 8, 10, 30)
    # make-up Sat 10-10 16:00: 1.5 h that day, Sun off, Mon 10-12 08:30 + 0.5 h = 09:00
    assert cal.add_working_hours(at(2026, 10, 10, 16), 2, seeded) == at(2026, 10, 12, 9)


def test_cal_1_the_2026_to_2027_boundary_falls_back_and_says_so(seeded):
    # Wed 2026-12-30: 12-31 Thu (1); 2027-01-01 Fri: no official data, Mon–Fri → (2);
    # 01-04 Mon (3)
    start = at(2026, 12, 30, 10)
    due = cal.add_working_days(start, 3, seeded)
    assert due == at(2027, 1, 4, 17, 30)
    assert seeded.official_flags(start, due) == {2026: True, 2027: False}
    assert not seeded.has_official_data(2027)
    assert "2027" in seeded.fallback_note(2027)


def test_cal_1_an_administrator_entry_counts_in_a_fallback_year(db, org, people):
    # given the administrator marks 2027-01-01 元旦 (the year has no official schedule)
    from aftersales.core import calendar_demo

    calendar_demo.load({**org, "admin": people["admin"]})
    seeded = cal.get_calendar()
    # when / then: 12-31 (1), 01-01 off, 01-04 (2), 01-05 (3); the year is still flagged
    assert cal.add_working_days(at(2026, 12, 30, 10), 3, seeded) == at(2027, 1, 5, 17, 30)
    assert not seeded.has_official_data(2027)


def test_cal_1_before_the_5th_is_the_end_of_that_day():
    due = cal.end_of_nth_day_of_month(2026, 10)
    # 2026-10-05 is a holiday, but "before the 5th" counts calendar days
    assert due == dt.datetime(2026, 10, 5, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert due.astimezone(UTC) == dt.datetime(2026, 10, 5, 15, 59, 59, 999999, tzinfo=UTC)


def test_cal_2_a_utc_start_is_counted_on_its_shanghai_date(seeded):
    # 2026-09-30 17:00 UTC is 10-01 01:00 in Shanghai: the clock starts on holiday 10-01
    start = dt.datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    due = cal.add_working_days(start, 1, seeded)
    assert due == at(2026, 10, 8, 17, 30)
    # results are aware and the same instant in UTC (stored UTC, shown Asia/Shanghai)
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert due.astimezone(UTC) == dt.datetime(2026, 10, 8, 9, 30, tzinfo=UTC)


def test_cal_2_settings_store_utc_and_show_shanghai(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_cal_1_loading_the_calendar_costs_one_query_per_year(seeded, django_assert_max_num_queries):
    # given a fresh calendar object
    data = cal.get_calendar(years=[2026])
    # when a 30-working-day limit runs through the rest of 2026 and into 2027
    with django_assert_max_num_queries(1):
        cal.add_working_days(at(2026, 12, 1, 10), 30, data)
