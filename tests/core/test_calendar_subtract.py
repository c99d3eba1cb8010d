"""CAL-1 / REQ-4: counting working hours backwards (``subtract_working_hours``).

The inverse of ``add_working_hours``: the latest instant from which ``hours`` of
working time reach ``end``. Properties run on the in-memory official calendar;
worked examples on the calendar the seeding migration stored.
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


def official_only() -> cal.BusinessCalendarData:
    """The default calendar as the migration seeds it, in memory."""
    entries = {
        day: cal.DayEntry(kind, name, cal.OFFICIAL)
        for day, (kind, name) in cal.official_schedule().items()
    }
    return cal.BusinessCalendarData(entries=entries, official_years=cal.official_years_covered())


CAL = official_only()
PROPS = settings(max_examples=150, deadline=None)

instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2028, 6, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
hour_amounts = st.one_of(
    st.integers(min_value=1, max_value=200),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2),
)


def at(y, m, d, hh=0, mm=0, tz=SHANGHAI):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI)


def as_delta(hours) -> dt.timedelta:
    return dt.timedelta(microseconds=int(Decimal(hours) * 3_600_000_000))


def inside_working_time(value: dt.datetime) -> bool:
    """opening < value <= closing on a working day (where add_working_hours lands)."""
    hours = CAL.hours_on(local(value).date())
    return hours is not None and hours[0] < local(value).time() <= hours[1]


# --- properties ----------------------------------------------------------------
@PROPS
@given(end=instants, hours=hour_amounts)
def test_cal_1_subtracting_counts_exactly_and_lands_in_working_time(end, hours):
    """REQ-4: exactly `hours` of work between the result and end; the result is in
    [opening, closing) of a working day, aware, and not after end."""
    start = cal.subtract_working_hours(end, hours, CAL)
    assert start.tzinfo is not None and start < end
    assert cal.working_time_between(start, end, CAL) == as_delta(hours)
    opens_closes = CAL.hours_on(local(start).date())
    assert opens_closes is not None
    assert opens_closes[0] <= local(start).time() < opens_closes[1]


@PROPS
@given(end=instants, hours=hour_amounts)
def test_cal_1_subtracting_gives_the_latest_such_start(end, hours):
    """REQ-4: one microsecond later, less than `hours` of work is left before end."""
    start = cal.subtract_working_hours(end, hours, CAL)
    later = start + dt.timedelta(microseconds=1)
    assert cal.working_time_between(later, end, CAL) < as_delta(hours)


@PROPS
@given(base=instants, offset=hour_amounts, hours=hour_amounts)
def test_cal_1_adding_back_what_was_subtracted_lands_on_end(base, offset, hours):
    """REQ-4: round trip — for an end inside working time, add(subtract(end)) == end."""
    end = cal.add_working_hours(base, offset, CAL)  # always inside working time
    assert inside_working_time(end)
    start = cal.subtract_working_hours(end, hours, CAL)
    assert cal.add_working_hours(start, hours, CAL) == end


@PROPS
@given(end=instants, hours=hour_amounts)
def test_cal_1_outside_working_time_the_round_trip_lands_on_the_previous_closing(end, hours):
    """REQ-4: for an end outside working hours, counting starts at the previous closing."""
    start = cal.subtract_working_hours(end, hours, CAL)
    back = cal.add_working_hours(start, hours, CAL)
    if inside_working_time(end):
        assert back == end
    else:
        assert back < end
        assert local(back).time() == CAL.hours_on(local(back).date())[1]
        assert cal.working_time_between(back, end, CAL) == dt.timedelta(0)


@PROPS
@given(a=instants, b=instants, h=st.integers(1, 100), k=st.integers(1, 100))
def test_cal_1_subtracting_is_monotonic(a, b, h, k):
    """REQ-4: a later end never reaches back further; more hours reach back further."""
    a, b = sorted([a, b])
    h, k = sorted([h, k])
    assert cal.subtract_working_hours(a, h, CAL) <= cal.subtract_working_hours(b, h, CAL)
    assert cal.subtract_working_hours(a, k, CAL) <= cal.subtract_working_hours(a, h, CAL)


def test_cal_1_round_trip_on_fixed_instants():
    """REQ-4: the round trip on a few dozen fixed instants around weekends and holidays."""
    ends = [
        at(2026, 9, 30, 10),
        at(2026, 10, 8, 9),
        at(2026, 10, 8, 17, 30),
        at(2026, 10, 10, 8, 31),
        at(2026, 10, 12, 9),
        at(2026, 9, 20, 12),
        at(2026, 9, 21, 8, 45),
        at(2026, 9, 28, 10),
        at(2026, 3, 16, 12, 30),
        at(2026, 3, 13, 17, 30),
        at(2026, 2, 24, 9),
        at(2026, 2, 14, 16),
        at(2027, 1, 4, 9, 15),
    ]
    for end in ends:
        assert inside_working_time(end), end
        for hours in (1, 4, 9, Decimal("12.25"), 30):
            start = cal.subtract_working_hours(end, hours, CAL)
            assert cal.add_working_hours(start, hours, CAL) == end, (end, hours)
            assert cal.working_time_between(start, end, CAL) == as_delta(hours)


def test_cal_1_subtracting_rejects_naive_datetimes_and_bad_amounts():
    with pytest.raises(ValueError):
        cal.subtract_working_hours(dt.datetime(2026, 9, 30, 10), 4, CAL)
    with pytest.raises(ValueError):
        cal.subtract_working_hours(at(2026, 9, 30, 10), 0, CAL)
    with pytest.raises(ValueError):
        cal.subtract_working_hours(at(2026, 9, 30, 10), -1, CAL)


def test_cal_1_subtracting_on_a_calendar_without_any_working_day_stops_with_an_error():
    closed = cal.BusinessCalendarData(
        hours={0: (dt.time(8, 30), dt.time(17, 30))},
        entries={
            dt.date(2030, 1, 7) - dt.timedelta(weeks=w): cal.DayEntry(cal.HOLIDAY)
            for w in range(600)
        },
    )
    with pytest.raises(ValueError):
        cal.subtract_working_hours(at(2030, 1, 8), 1, closed)


# --- worked examples on the seeded calendar ----------------------------------------
# Default hours Monday–Friday 08:30–17:30. 2026 National Day: 10-01 (Thu) … 10-07 (Wed)
# off; make-up working days 09-20 (Sun) and 10-10 (Sat). 10-08 (Thu) is a working day.


@pytest.fixture
def seeded(db):
    return cal.get_calendar()


def test_cal_1_subtracting_within_one_day(seeded):
    """REQ-4: Wed 2026-03-18 15:00 − 4 working hours = 11:00 the same day."""
    assert cal.subtract_working_hours(at(2026, 3, 18, 15), 4, seeded) == at(2026, 3, 18, 11)
    # closing time − a full day = opening time of that day, not the previous evening
    assert cal.subtract_working_hours(at(2026, 3, 18, 17, 30), 9, seeded) == at(2026, 3, 18, 8, 30)
    # used up exactly at opening: stays at 08:30, not at the previous closing
    assert cal.subtract_working_hours(at(2026, 3, 18, 12, 30), 4, seeded) == at(2026, 3, 18, 8, 30)


def test_cal_1_subtracting_across_a_night(seeded):
    """REQ-4: Wed 10:00 − 4 h: 1.5 h that morning, 2.5 h from Tue 17:30 → Tue 15:00."""
    assert cal.subtract_working_hours(at(2026, 3, 18, 10), 4, seeded) == at(2026, 3, 17, 15)
    # an end at night counts back from that evening's closing time
    assert cal.subtract_working_hours(at(2026, 3, 18, 23), 4, seeded) == at(2026, 3, 18, 13, 30)
    # an end early in the morning counts back from the previous evening
    assert cal.subtract_working_hours(at(2026, 3, 18, 6), 4, seeded) == at(2026, 3, 17, 13, 30)
    # an end exactly at opening: nothing that day, previous evening
    assert cal.subtract_working_hours(at(2026, 3, 18, 8, 30), 1, seeded) == at(2026, 3, 17, 16, 30)


def test_cal_1_subtracting_across_a_weekend(seeded):
    """REQ-4: Mon 2026-03-16 10:00 − 4 h: 1.5 h Monday, 2.5 h from Fri 17:30 → Fri 15:00."""
    assert cal.subtract_working_hours(at(2026, 3, 16, 10), 4, seeded) == at(2026, 3, 13, 15)
    # an end on Saturday counts back from Friday's closing
    assert cal.subtract_working_hours(at(2026, 3, 14, 10), 4, seeded) == at(2026, 3, 13, 13, 30)
    # Monday 12:30 − 4 h is Monday's opening: a Friday 22:00 request is just due
    assert cal.subtract_working_hours(at(2026, 3, 16, 12, 30), 4, seeded) == at(2026, 3, 16, 8, 30)


def test_cal_1_subtracting_across_national_day(seeded):
    """REQ-4: Thu 2026-10-08 10:00 − 4 h: 1.5 h on 10-08; 10-01..07 off; Wed 09-30 15:00."""
    assert cal.subtract_working_hours(at(2026, 10, 8, 10), 4, seeded) == at(2026, 9, 30, 15)
    # an end in the middle of the holiday counts back from 09-30 17:30
    assert cal.subtract_working_hours(at(2026, 10, 5, 12), 2, seeded) == at(2026, 9, 30, 15, 30)
    # 12 h back from 10-08 13:00: 4.5 h on 10-08, 7.5 h on 09-30 → 09-30 10:00 (the mirror
    # of the add_working_hours example)
    assert cal.subtract_working_hours(at(2026, 10, 8, 13), 12, seeded) == at(2026, 9, 30, 10)


def test_cal_1_subtracting_counts_make_up_working_days(seeded):
    """REQ-4: make-up days (调休) count; the plain weekend around them does not."""
    # Mon 10-12 09:00 − 2 h: 0.5 h Monday, Sun 10-11 off, make-up Sat 10-10 17:30 − 1.5 h
    assert cal.subtract_working_hours(at(2026, 10, 12, 9), 2, seeded) == at(2026, 10, 10, 16)
    # Mon 09-21 09:30 − 4 h: 1 h Monday, make-up Sun 09-20 17:30 − 3 h = 14:30
    assert cal.subtract_working_hours(at(2026, 9, 21, 9, 30), 4, seeded) == at(2026, 9, 20, 14, 30)
    # Mon 09-28 09:30 − 2 h: mid-autumn 09-25..27 off → Thu 09-24 16:30
    assert cal.subtract_working_hours(at(2026, 9, 28, 9, 30), 2, seeded) == at(2026, 9, 24, 16, 30)


def test_cal_2_subtracting_from_a_utc_instant_counts_on_shanghai_time(seeded):
    """REQ-4: 2026-10-08 02:00 UTC is 10:00 in Shanghai; the result is local and aware."""
    start = cal.subtract_working_hours(dt.datetime(2026, 10, 8, 2, tzinfo=UTC), 4, seeded)
    assert start == at(2026, 9, 30, 15)
    assert start.utcoffset() == dt.timedelta(hours=8)
