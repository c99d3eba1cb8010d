"""Writes on the business calendar (CAL-1); each one audited (SEC-1)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.audit.services import record, snapshot
from aftersales.core import calendar as cal
from aftersales.core.exceptions import ServiceError
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours


def _require(actor, *perms: str) -> None:
    """actor=None is the system (migrations, demo data, the seed command)."""
    if actor is None:
        return
    missing = [p for p in perms if not actor.has_perm(p)]
    if missing:
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": ", ".join(missing)}
        )


def ensure_default_calendar(*, actor) -> BusinessCalendar:
    """The default calendar "CN" with Monday–Friday 08:30–17:30, created if missing.

    The seeding migration creates it; this brings it back after a database flush
    (the demo loader) without touching an existing calendar.
    """
    _require(actor, "core.add_calendarday", "core.change_workinghours")
    with transaction.atomic():
        calendar = BusinessCalendar.objects.filter(is_default=True).first()
        if calendar is not None:
            return calendar
        calendar = BusinessCalendar(
            code="CN", name="中国大陆", is_default=True, created_by=actor, updated_by=actor
        )
        calendar.full_clean()
        calendar.save()
        record(calendar, "core.calendar.created", actor=actor)
        for weekday, (opens_at, closes_at) in cal.DEFAULT_WEEK.items():
            set_working_hours(
                actor=actor,
                calendar=calendar,
                weekday=weekday,
                opens_at=opens_at,
                closes_at=closes_at,
            )
    return calendar


def create_calendar(
    *, actor, code: str, name: str, copy_from: BusinessCalendar | None = None
) -> BusinessCalendar:
    """A new calendar for organisation units that keep other days (CAL-1).

    It starts as a copy of ``copy_from`` (default: the default calendar): the same
    official and manual days and working hours, so only the differences need entering.
    """
    _require(actor, "core.add_businesscalendar")
    code, name = (code or "").strip().upper(), (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = _("Enter a code.")
    elif BusinessCalendar.objects.filter(code=code).exists():
        errors["code"] = _("A calendar with this code already exists.")
    if not name:
        errors["name"] = _("Enter a name.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        source = copy_from or BusinessCalendar.objects.filter(is_default=True).first()
        calendar = BusinessCalendar(code=code, name=name, created_by=actor, updated_by=actor)
        calendar.full_clean()
        calendar.save()
        copied_days = 0
        if source is not None:
            days = [
                CalendarDay(
                    calendar=calendar,
                    date=day.date,
                    kind=day.kind,
                    name=day.name,
                    source=day.source,
                    created_by=actor,
                    updated_by=actor,
                )
                for day in source.days.all()
            ]
            CalendarDay.objects.bulk_create(days, batch_size=500)
            copied_days = len(days)
            WorkingHours.objects.bulk_create(
                WorkingHours(
                    calendar=calendar,
                    weekday=h.weekday,
                    opens_at=h.opens_at,
                    closes_at=h.closes_at,
                    created_by=actor,
                    updated_by=actor,
                )
                for h in WorkingHours.objects.filter(calendar=source)
            )
        else:
            for weekday, (opens_at, closes_at) in cal.DEFAULT_WEEK.items():
                WorkingHours.objects.create(
                    calendar=calendar, weekday=weekday, opens_at=opens_at, closes_at=closes_at
                )
        # One audit row for the calendar, naming what it was copied from (the copied days
        # are the source's, already audited there).
        record(
            calendar,
            "core.calendar.created",
            actor=actor,
            note=_("Copied from %(source)s: %(days)s days and the working hours.")
            % {"source": source.code, "days": copied_days}
            if source
            else "",
        )
    return calendar


def set_calendar_day(
    *, actor, calendar: BusinessCalendar, date: dt.date, kind: str, name: str = ""
) -> CalendarDay:
    """Create or change the administrator's entry for one date (CAL-1).

    Changing an official entry turns it into a manual one, so re-seeding the
    official schedule never overwrites the administrator's decision.
    """
    errors = {}
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors["date"] = _("Enter a valid date.")
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = _("Choose a non-working day or a make-up working day.")
    name = (name or "").strip()
    if len(name) > CalendarDay._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    with transaction.atomic():
        day = None
        if "date" not in errors:
            day = (
                CalendarDay.objects.select_for_update().filter(calendar=calendar, date=date).first()
            )
        _require(actor, "core.change_calendarday" if day else "core.add_calendarday")
        if errors:
            raise ServiceError(errors)
        if day is None:
            day = CalendarDay(calendar=calendar, date=date, created_by=actor)
            before, created = {}, True
        else:
            before, created = snapshot(day), False
        day.kind = kind
        day.name = name
        day.source = CalendarDay.Source.MANUAL
        day.updated_by = actor
        day.full_clean()
        day.save()
        record(
            day,
            "core.calendar_day.set",
            actor=actor,
            before=before,
            note=_("created") if created else "",
        )
    return day


def remove_calendar_day(*, actor, day: CalendarDay) -> None:
    """Delete one entry; the date follows the working week again.

    An official entry removed here comes back at the next seeding; to overrule an
    official date for good, change it instead (it becomes a manual entry).
    """
    _require(actor, "core.delete_calendarday")
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
        if day is None:
            raise ServiceError(_("This calendar entry no longer exists."))
        before = snapshot(day)
        record(day, "core.calendar_day.removed", actor=actor, before=before, deleted=True)
        day.delete()


def set_working_hours(
    *, actor, calendar: BusinessCalendar, weekday: int, opens_at: dt.time, closes_at: dt.time
) -> WorkingHours:
    """Set the opening and closing time of one weekday (0 = Monday … 6 = Sunday)."""
    _require(actor, "core.change_workinghours")
    errors = {}
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = _("The weekday must be 0 (Monday) to 6 (Sunday).")
    if not isinstance(opens_at, dt.time):
        errors["opens_at"] = _("Enter a valid time.")
    if not isinstance(closes_at, dt.time):
        errors["closes_at"] = _("Enter a valid time.")
    if not errors and opens_at >= closes_at:
        errors["opens_at"] = _("The opening time must be before the closing time.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        hours = (
            WorkingHours.objects.select_for_update()
            .filter(calendar=calendar, weekday=weekday)
            .first()
        )
        if hours is None:
            hours, before = WorkingHours(calendar=calendar, weekday=weekday, created_by=actor), {}
        else:
            before = snapshot(hours)
        hours.opens_at = opens_at
        hours.closes_at = closes_at
        hours.updated_by = actor
        hours.full_clean()
        hours.save()
        record(hours, "core.working_hours.set", actor=actor, before=before)
    return hours


def seed_official_days(*, actor, calendar: BusinessCalendar, year: int | None = None) -> dict:
    """Bring the official entries in line with the ``chinese_calendar`` package.

    Idempotent: official entries are created, corrected or (when the package no
    longer lists them) removed; manual entries are never touched. ``year=None``
    seeds every year the package covers. Returns the counts of what changed.
    """
    _require(actor, "core.add_calendarday", "core.change_calendarday")
    covered = cal.official_years_covered()
    if year is not None and year not in covered:
        raise ServiceError(
            {
                "year": _("The official schedule covers %(first)s–%(last)s only.")
                % {"first": covered[0], "last": covered[-1]}
            }
        )
    years = [year] if year is not None else covered
    schedule = cal.official_schedule(year)
    counts = {"created": 0, "updated": 0, "removed": 0, "kept_manual": 0}
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        existing = {
            d.date: d
            for d in CalendarDay.objects.select_for_update().filter(
                calendar=calendar, date__year__in=years
            )
        }
        new_rows = []
        for date, (kind, name) in schedule.items():
            current = existing.get(date)
            if current is None:
                new_rows.append(
                    CalendarDay(
                        calendar=calendar,
                        date=date,
                        kind=kind,
                        name=name,
                        source=CalendarDay.Source.OFFICIAL,
                        created_by=actor,
                        updated_by=actor,
                    )
                )
            elif current.source == CalendarDay.Source.MANUAL:
                counts["kept_manual"] += 1
            elif (current.kind, current.name) != (kind, name):
                current.kind, current.name, current.updated_by = kind, name, actor
                current.save(update_fields=["kind", "name", "updated_by", "updated_at"])
                counts["updated"] += 1
        stale = [
            d.pk
            for date, d in existing.items()
            if d.source == CalendarDay.Source.OFFICIAL and date not in schedule
        ]
        CalendarDay.objects.filter(pk__in=stale).delete()
        CalendarDay.objects.bulk_create(new_rows, batch_size=500)
        cal.calendar_changed()  # bulk_create sends no signal (issue 7: the calendar cache)
        counts["created"] = len(new_rows)
        counts["removed"] = len(stale)
        years_label = str(year) if year is not None else f"{years[0]}–{years[-1]}"
        record(
            calendar,
            "core.calendar.seeded",
            actor=actor,
            before={},
            after={"years": years_label, **counts},
            note=_(
                "Official schedule %(years)s: %(created)s created, %(updated)s updated, "
                "%(removed)s removed, %(kept_manual)s manual entries kept."
            )
            % {"years": years_label, **counts},
        )
    return counts
