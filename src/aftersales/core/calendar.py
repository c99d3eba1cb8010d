"""The business calendar and the deadline engine (CAL-1, CAL-2).

Everything here is a pure function over a :class:`BusinessCalendarData`, an
in-memory picture of one calendar: its working week and the exceptions to it
(holidays, make-up working days). The picture is loaded from the database once
(one query per calendar year touched, never one per day) by :func:`get_calendar`.

Conventions, shared by every function so the whole system agrees (CAL-1):

* Inputs and outputs are aware datetimes. Computation happens in local time
  (``settings.TIME_ZONE``, Asia/Shanghai by default); results are aware datetimes
  in that zone, which Django stores as UTC (CAL-2).
* A deadline is **inclusive**: work done at or before the returned instant is on
  time. "Close of business" is the closing time itself (e.g. 17:30:00), and
  "the end of a day" is 23:59:59.999999 local time of that day.
* The working week is the set of weekdays that have working hours (the default
  calendar: Monday–Friday 08:30–17:30; Saturday and Sunday have no rows, so they
  are closed). A calendar without any working-hours rows uses that default.
* A make-up working day (调休) uses the working hours of its own weekday if that
  weekday has any, otherwise the *standard hours*: Monday's hours (or the first
  weekday that has hours; 08:30–17:30 when none has).
* A year has **official data** when the calendar holds at least one entry with
  source "official" in that year (seeded from the ``chinese_calendar`` package,
  which today covers 2004–2026). The database is the truth; the package is only
  the seed. Other years fall back to the working week plus the administrator's
  entries, and the UI and API flag them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.process_cache import KeptValues

DEFAULT_OPENS = dt.time(8, 30)
DEFAULT_CLOSES = dt.time(17, 30)
DEFAULT_WEEK: dict[int, tuple[dt.time, dt.time]] = {
    weekday: (DEFAULT_OPENS, DEFAULT_CLOSES) for weekday in range(5)
}
HOLIDAY = "holiday"
WORKDAY = "workday"
OFFICIAL = "official"
MANUAL = "manual"

UNIT_HOURS = "hours"
UNIT_WORKING_HOURS = "working_hours"
UNIT_WORKING_DAYS = "working_days"
UNIT_DAYS = "days"
UNITS = (UNIT_HOURS, UNIT_WORKING_HOURS, UNIT_WORKING_DAYS, UNIT_DAYS)

# A calendar with no working day in ten years is broken; stop instead of looping.
MAX_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class DayEntry:
    """One exception to the working week, as stored in CalendarDay."""

    kind: str  # HOLIDAY or WORKDAY
    name: str = ""
    source: str = MANUAL


def local_tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _require_aware(value: dt.datetime, what: str = "start") -> None:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValueError(f"{what} must be an aware datetime")


def _local_date(value: dt.date) -> dt.date:
    """The local calendar date of a date or an aware datetime."""
    if isinstance(value, dt.datetime):
        _require_aware(value, "value")
        return value.astimezone(local_tz()).date()
    return value


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware local instant of ``time`` on ``day``."""
    return dt.datetime.combine(day, time, tzinfo=local_tz())


class BusinessCalendarData:
    """An in-memory business calendar: working week + exceptions + official years.

    ``entries`` maps dates to :class:`DayEntry`. When a ``loader`` is given,
    entries of a year not loaded yet are fetched with ``loader(year)`` the first
    time a date of that year is asked for (one query per year).
    """

    def __init__(
        self,
        *,
        hours: dict[int, tuple[dt.time, dt.time]] | None = None,
        entries: dict[dt.date, DayEntry] | None = None,
        official_years: Iterable[int] = (),
        loader: Callable[[int], dict[dt.date, DayEntry]] | None = None,
        loaded_years: Iterable[int] = (),
        code: str = "",
        name: str = "",
        calendar_id: int | None = None,
    ) -> None:
        self.hours = dict(hours) if hours else dict(DEFAULT_WEEK)
        self._entries: dict[dt.date, DayEntry] = dict(entries or {})
        self._official_years = set(official_years)
        self._loader = loader
        self._loaded_years = set(loaded_years)
        self.code = code
        self.name = name
        self.calendar_id = calendar_id

    # --- construction ------------------------------------------------------
    @classmethod
    def from_model(cls, calendar, years: Iterable[int] = ()) -> BusinessCalendarData:
        """Load a BusinessCalendar: its hours, official years, and entries of ``years``."""
        from aftersales.core.models import CalendarDay

        hours = {row.weekday: (row.opens_at, row.closes_at) for row in calendar.working_hours.all()}
        official_years = {
            d.year
            for d in CalendarDay.objects.filter(
                calendar=calendar, source=CalendarDay.Source.OFFICIAL
            ).dates("date", "year")
        }

        def load_years(wanted: Iterable[int]) -> dict[dt.date, DayEntry]:
            wanted = sorted(set(wanted))
            if not wanted:
                return {}
            rows = CalendarDay.objects.filter(
                calendar=calendar,
                date__gte=dt.date(wanted[0], 1, 1),
                date__lte=dt.date(wanted[-1], 12, 31),
            ).values_list("date", "kind", "name", "source")
            return {
                d: DayEntry(kind, name, source)
                for d, kind, name, source in rows
                if d.year in wanted
            }

        years = set(years)
        return cls(
            hours=hours,
            entries=load_years(years),
            official_years=official_years,
            loader=lambda year: load_years([year]),
            loaded_years=years,
            code=calendar.code,
            name=calendar.name,
            calendar_id=calendar.pk,
        )

    # --- lookups -----------------------------------------------------------
    def _ensure_year(self, year: int) -> None:
        if self._loader is not None and year not in self._loaded_years:
            self._entries.update(self._loader(year))
            self._loaded_years.add(year)

    def entry(self, day: dt.date) -> DayEntry | None:
        day = _local_date(day)
        self._ensure_year(day.year)
        return self._entries.get(day)

    def entries_in_year(self, year: int) -> dict[dt.date, DayEntry]:
        self._ensure_year(year)
        return {d: e for d, e in sorted(self._entries.items()) if d.year == year}

    @property
    def standard_hours(self) -> tuple[dt.time, dt.time]:
        """Hours of a make-up working day whose weekday has none (Monday's, by default)."""
        for weekday in range(7):
            if weekday in self.hours:
                return self.hours[weekday]
        return (DEFAULT_OPENS, DEFAULT_CLOSES)

    def is_working_day(self, day: dt.date) -> bool:
        day = _local_date(day)
        entry = self.entry(day)
        if entry is not None:
            return entry.kind == WORKDAY
        return day.weekday() in self.hours

    def hours_on(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """(opens, closes) on a working day; None on a non-working day."""
        day = _local_date(day)
        if not self.is_working_day(day):
            return None
        return self.hours.get(day.weekday(), self.standard_hours)

    def closing_time(self, day: dt.date) -> dt.time:
        """Close of business of any day: its own on a working day, the standard one otherwise."""
        hours = self.hours_on(day)
        return (hours or self.standard_hours)[1]

    def has_official_data(self, year: int) -> bool:
        return year in self._official_years

    @property
    def official_years(self) -> list[int]:
        return sorted(self._official_years)

    def fallback_note(self, year: int) -> str:
        """The warning shown for a year without an official schedule ("" when official)."""
        if self.has_official_data(year):
            return ""
        return _(
            "No official schedule for %(year)s yet: Monday–Friday plus administrator entries."
        ) % {"year": year}

    def official_flags(self, start: dt.datetime, end: dt.datetime) -> dict[int, bool]:
        """{year: has official data} for every year from start to end (local dates)."""
        first, last = sorted([_local_date(start).year, _local_date(end).year])
        return {year: self.has_official_data(year) for year in range(first, last + 1)}


def calendar_for(org_unit):
    """The BusinessCalendar row that applies to org_unit (CAL-1).

    A unit's own calendar, else the nearest ancestor's, else the default calendar;
    None when the database has no calendar at all.
    """
    from aftersales.accounts.models import OrgUnit
    from aftersales.core.models import BusinessCalendar

    # Read the chain from the database: the caller's object may be stale.
    seen: set[int] = set()
    unit_id = getattr(org_unit, "pk", None)
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        row = OrgUnit.objects.filter(pk=unit_id).values("calendar_id", "parent_id").first()
        if row is None:
            break
        if row["calendar_id"]:
            return BusinessCalendar.objects.get(pk=row["calendar_id"])
        unit_id = row["parent_id"]
    return BusinessCalendar.objects.filter(is_default=True).first()


def get_calendar(org_unit=None, *, years: Iterable[int] = ()) -> BusinessCalendarData:
    """The calendar data that applies to ``org_unit`` (the default calendar without one).

    Without any calendar in the database, the plain working week is used (every year
    is then a fallback year).
    """
    calendar = calendar_for(org_unit)
    if calendar is None:
        return BusinessCalendarData()
    return BusinessCalendarData.from_model(calendar, years=years)


# --- the per-process cache (issue 7) -----------------------------------------
# Every intake computes three deadlines on the calendar of the order's unit; loading it
# from the database each time (unit chain, calendar, hours, official years, entries) was
# a third of the intake's time. ``cached_calendar`` keeps the loaded picture in this
# process, stamped with a *generation* kept in Django's cache that every calendar write
# bumps once its transaction commits (``calendar_changed``, called by the model signals
# connected in CoreConfig.ready and by the services' bulk writes) — the pattern of the
# dashboard's figures (service/dashboard.py). A process that reads a new generation
# reloads. Inside a transaction that has changed the calendar and not committed yet,
# the cache is bypassed (that transaction sees its own rows; nothing uncommitted is kept).
# With several server processes the generation is shared only through a shared cache
# (CACHE_URL, as the deployment guide requires); with the default per-process memory
# cache each entry also expires after AFTERSALES_CALENDAR_CACHE_TTL seconds (60 by
# default; 0 turns the cache off), which bounds how long another process's change waits.
# The scheme is core/process_cache.KeptValues, shared with the SLA policies and the work
# queue's filter lists.


def calendar_cache_ttl() -> float:
    return kept_calendars.ttl()


def calendar_changed(*_args, **_kwargs) -> None:
    """A calendar, its days or hours, or an organisation unit's calendar or parent changed:
    the cached pictures are dropped once the write commits (at once outside a transaction).
    Signature of a signal receiver."""
    kept_calendars.changed()


kept_calendars = KeptValues("calendar", "AFTERSALES_CALENDAR_CACHE_TTL")


def cached_calendar(org_unit=None, *, years: Iterable[int] = ()) -> BusinessCalendarData:
    """:func:`get_calendar`, from this process's cache while no calendar write has
    committed since it was loaded (see above). The picture is shared: read it, never
    change it. Years not loaded yet are read on first use (one query per year)."""
    if kept_calendars.bypassed():
        return get_calendar(org_unit, years=years)
    unit_id = getattr(org_unit, "pk", None)
    resolved: dict = {}

    def resolve():
        resolved["calendar"] = calendar = calendar_for(org_unit)
        return calendar.pk if calendar is not None else None

    calendar_id = kept_calendars.get(("unit", unit_id), resolve)
    if calendar_id is None:
        return BusinessCalendarData()

    def load():
        calendar = resolved.get("calendar")
        if calendar is None:
            from aftersales.core.models import BusinessCalendar

            calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        return BusinessCalendarData.from_model(calendar, years=years) if calendar else None

    data = kept_calendars.get(("calendar", calendar_id), load)
    if data is None:  # removed meanwhile: resolve again next time
        kept_calendars.forget(("unit", unit_id))
        kept_calendars.forget(("calendar", calendar_id))
        return get_calendar(org_unit, years=years)
    for year in years:
        data._ensure_year(year)
    return data


# --- amounts ---------------------------------------------------------------
def _hours_delta(hours) -> dt.timedelta:
    """A positive number of hours (int, Decimal, float, str or timedelta) as a timedelta."""
    if isinstance(hours, dt.timedelta):
        delta = hours
    else:
        if isinstance(hours, bool):
            raise ValueError("hours must be a number")
        try:
            amount = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise ValueError("hours must be a number") from exc
        if not amount.is_finite():
            raise ValueError("hours must be a finite number")
        micro = (amount * 3_600_000_000).to_integral_value(rounding=ROUND_HALF_UP)
        delta = dt.timedelta(microseconds=int(micro))
    if delta <= dt.timedelta(0):
        raise ValueError("hours must be positive")
    return delta


def _day_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        if isinstance(n, Decimal) and n == n.to_integral_value():
            n = int(n)
        else:
            raise ValueError("a number of days must be a whole number")
    if n < 1:
        raise ValueError("a number of days must be at least 1")
    return n


# --- the deadline functions (CAL-1) ----------------------------------------
def add_hours(start: dt.datetime, hours, cal: BusinessCalendarData | None = None) -> dt.datetime:
    """Wall-clock limit: exactly ``hours`` of elapsed time after start (on call 24 h, S1)."""
    _require_aware(start)
    delta = _hours_delta(hours)
    # Arithmetic in UTC: elapsed time, whatever the local clock does.
    return (start.astimezone(dt.UTC) + delta).astimezone(local_tz())


def add_working_hours(start: dt.datetime, hours, cal: BusinessCalendarData) -> dt.datetime:
    """Count only time inside working hours on working days.

    The clock runs from ``start`` (or from the next opening when start is outside
    working hours). A limit used up exactly at closing time ends at that closing
    time, not at the next opening.
    """
    _require_aware(start)
    remaining = _hours_delta(hours)
    local = start.astimezone(local_tz())
    day = local.date()
    idle_days = 0
    while idle_days <= MAX_SEARCH_DAYS:
        hours_today = cal.hours_on(day)
        idle_days += 1
        if hours_today is not None:
            opens, closes = _at(day, hours_today[0]), _at(day, hours_today[1])
            begin = max(opens, local)
            if begin < closes:
                idle_days = 0
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no working hours to count")


def subtract_working_hours(end: dt.datetime, hours, cal: BusinessCalendarData) -> dt.datetime:
    """The inverse of :func:`add_working_hours`: count ``hours`` of working time back from end.

    Returns the latest instant ``start`` with ``working_time_between(start, end) == hours``
    (e.g. "how far back does 4 working hours before now reach", REQ-4).

    The clock runs backwards from ``end``, or — when end is outside working hours
    (at night, on a weekend or holiday, before opening) — from the previous closing
    time. A limit used up exactly at opening time ends at that opening time, not at
    the previous closing: the result is always in [opening, closing) of a working day.

    So ``add_working_hours(subtract_working_hours(end, h, cal), h, cal) == end``
    whenever end is inside working time (after opening, up to and including closing);
    for an end outside working hours the round trip lands on the last working instant
    before end (the previous closing time).
    """
    _require_aware(end, "end")
    remaining = _hours_delta(hours)
    local = end.astimezone(local_tz())
    day = local.date()
    idle_days = 0
    while idle_days <= MAX_SEARCH_DAYS:
        hours_today = cal.hours_on(day)
        idle_days += 1
        if hours_today is not None:
            opens, closes = _at(day, hours_today[0]), _at(day, hours_today[1])
            finish = min(closes, local)
            if opens < finish:
                idle_days = 0
                available = finish - opens
                if remaining <= available:
                    return finish - remaining
                remaining -= available
        day -= dt.timedelta(days=1)
    raise ValueError("the calendar has no working hours to count")


def working_time_between(
    start: dt.datetime, end: dt.datetime, cal: BusinessCalendarData
) -> dt.timedelta:
    """Working time (inside working hours on working days) between two instants."""
    _require_aware(start)
    _require_aware(end, "end")
    tz = local_tz()
    start, end = start.astimezone(tz), end.astimezone(tz)
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        hours_today = cal.hours_on(day)
        if hours_today is not None:
            begin = max(_at(day, hours_today[0]), start)
            finish = min(_at(day, hours_today[1]), end)
            if begin < finish:
                total += finish - begin
        day += dt.timedelta(days=1)
    return total


def nth_working_day_after(day: dt.date, n: int, cal: BusinessCalendarData) -> dt.date:
    """The N-th working day strictly after ``day``."""
    n = _day_count(n)
    found = idle_days = 0
    while idle_days <= MAX_SEARCH_DAYS:
        day += dt.timedelta(days=1)
        idle_days += 1
        if cal.is_working_day(day):
            found, idle_days = found + 1, 0
            if found == n:
                return day
    raise ValueError("the calendar has no working days to count")


def add_working_days(start: dt.datetime, n: int, cal: BusinessCalendarData) -> dt.datetime:
    """Close of business of the N-th working day after the day the clock started.

    The start day never counts, whether it is a working day or not, so this is
    the N-th working day strictly after the local start date.
    """
    _require_aware(start)
    day = nth_working_day_after(_local_date(start), n, cal)
    return _at(day, cal.closing_time(day))


def add_days(start: dt.datetime, n: int, cal: BusinessCalendarData) -> dt.datetime:
    """Close of business of the N-th calendar day after the start day ("next day": n=1).

    If that day is not a working day, the standard closing time (17:30 by default)
    of that same day is used — the limit is counted in calendar days.
    """
    _require_aware(start)
    day = _local_date(start) + dt.timedelta(days=_day_count(n))
    return _at(day, cal.closing_time(day))


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a local calendar day (23:59:59.999999), inclusive."""
    return _at(day, dt.time.max)


def end_of_nth_day_of_month(year: int, month: int, day: int = 5) -> dt.datetime:
    """ "Before the 5th": by the end of the 5th calendar day of the month."""
    return end_of_day(dt.date(year, month, day))


def deadline(
    start: dt.datetime, amount, unit: str, cal: BusinessCalendarData | None = None
) -> dt.datetime:
    """The one entry point: ``unit`` is one of hours, working_hours, working_days, days."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if cal is None:
        cal = get_calendar()
    if unit == UNIT_HOURS:
        return add_hours(start, amount, cal)
    if unit == UNIT_WORKING_HOURS:
        return add_working_hours(start, amount, cal)
    if unit == UNIT_WORKING_DAYS:
        return add_working_days(start, amount, cal)
    return add_days(start, amount, cal)


# --- the official schedule (seed) -------------------------------------------
def official_schedule(year: int | None = None) -> dict[dt.date, tuple[str, str]]:
    """{date: (kind, Chinese name)} from the ``chinese_calendar`` package.

    Holidays are included even on weekends (they name the festival); make-up
    working days have kind "workday". ``year=None``: every year the package covers.
    """
    from chinese_calendar import constants

    def chinese(english: str) -> str:
        try:
            return constants.Holiday(english).chinese
        except ValueError:
            return english

    schedule: dict[dt.date, tuple[str, str]] = {}
    for kind, source in ((HOLIDAY, constants.holidays), (WORKDAY, constants.workdays)):
        for day, english in source.items():
            if year is None or day.year == year:
                schedule[day] = (kind, chinese(english))
    return dict(sorted(schedule.items()))


def official_years_covered() -> list[int]:
    """The years the ``chinese_calendar`` package has a schedule for."""
    from chinese_calendar import constants

    return sorted({d.year for d in [*constants.holidays, *constants.workdays]})
