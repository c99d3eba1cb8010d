import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from aftersales.core import calendar as business_calendar
from aftersales.core import services as core_services
from aftersales.core.exceptions import ServiceError
from aftersales.core.forms_calendar import (
    CalendarDayForm,
    DeadlineForm,
    NewCalendarForm,
    WorkingHoursForm,
)
from aftersales.core.models import BusinessCalendar, CalendarDay

# One-character column heads: the month grids are seven narrow columns on a phone.
WEEKDAY_INITIALS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


@login_required
def home(request):
    """The person's menu; above it, for managers, the dashboard of the orders in reach."""
    from aftersales.service import dashboard

    context = {}
    if request.user.has_perm(dashboard.DASHBOARD_PERM):
        context["dashboard"] = dashboard.page_context(dashboard.dashboard_figures(request.user))
    return render(request, "core/home.html", context)


def permission_denied(request, exception=None):
    """403 that says why (ORG-3): the reason given by the check that refused."""
    reason = ""
    if exception is not None and exception.args:
        reason = str(exception.args[0])
    if not reason:
        reason = _("Your roles do not include the right to open this page.")
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


# --- the business calendar (CAL-1) -------------------------------------------
MIN_YEAR, MAX_YEAR = 1900, 2100


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perm}
        )


def _default_calendar() -> BusinessCalendar:
    """The default calendar (re-created by the service if a flush removed it)."""
    return core_services.ensure_default_calendar(actor=None)


def _chosen_calendar(params) -> BusinessCalendar:
    """The calendar named by ?calendar=CODE (or the posted field), else the default (CAL-1)."""
    code = (params.get("calendar") or "").strip()
    if code:
        calendar = BusinessCalendar.objects.filter(code=code).first()
        if calendar is not None:
            return calendar
    return _default_calendar()


def _year_from(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def _month_grids(year: int, data: business_calendar.BusinessCalendarData) -> list[dict]:
    """Twelve month grids (weeks from Monday) with each day's kind for the page."""
    today = timezone.localdate()
    grids = []
    weeks_of = pycalendar.Calendar(firstweekday=0).monthdatescalendar
    for month in range(1, 13):
        weeks = []
        for week in weeks_of(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                entry = data.entry(day)
                working = data.is_working_day(day)
                if entry is not None and not working:
                    kind, css = "holiday", "table-danger"
                elif entry is not None and working and day.weekday() not in data.hours:
                    kind, css = "workday", "table-warning fw-bold"
                elif not working:
                    kind, css = "weekend", "table-secondary"
                else:
                    kind, css = "working", ""
                if day == today:
                    css += " border border-2 border-primary"
                cells.append(
                    {"date": day, "kind": kind, "css": css, "name": entry.name if entry else ""}
                )
            weeks.append(cells)
        grids.append({"first": dt.date(year, month, 1), "weeks": weeks})
    return grids


def _render_calendar(
    request, *, year=None, day_form=None, hours_form=None, new_calendar_form=None, status=200
):
    today = timezone.localdate()
    params = request.POST if request.method == "POST" else request.GET
    year = year or _year_from(request.GET.get("year"), today.year)
    calendar = _chosen_calendar(params)
    data = business_calendar.BusinessCalendarData.from_model(calendar, years=[year])
    can_edit = request.user.has_perm("core.change_calendarday")
    can_edit_hours = request.user.has_perm("core.change_workinghours")
    if can_edit and day_form is None:
        initial = {}
        edit = request.GET.get("edit")
        entry = CalendarDay.objects.filter(calendar=calendar, date=edit).first() if edit else None
        if entry is not None:
            initial = {"date": entry.date, "kind": entry.kind, "name": entry.name}
        day_form = CalendarDayForm(initial=initial)
    if can_edit_hours and hours_form is None:
        hours_form = WorkingHoursForm(
            initial={
                "weekday": 0,
                "opens_at": data.standard_hours[0],
                "closes_at": data.standard_hours[1],
            }
        )
    # Bind the calculator only when it was submitted: ?year=… alone must not show errors.
    asked = "calc-start" in request.GET
    deadline_form = DeadlineForm(request.GET if asked else None, prefix="calc")
    deadline_result = None
    if asked and deadline_form.is_valid():
        due = deadline_form.deadline(data)
        deadline_result = {
            "deadline": due,
            "flags": data.official_flags(deadline_form.cleaned_data["start"], due),
        }
    hours = [{"weekday": WEEKDAYS[number], "hours": data.hours.get(number)} for number in range(7)]
    context = {
        "year": year,
        "prev_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "calendar": calendar,
        "official": data.has_official_data(year),
        "fallback_note": data.fallback_note(year),
        "months": _month_grids(year, data),
        "weekday_abbr": WEEKDAY_INITIALS,
        "entries": CalendarDay.objects.filter(calendar=calendar, date__year=year).order_by("date"),
        "working_hours": hours,
        "standard_hours": data.standard_hours,
        "can_edit": can_edit,
        "can_delete": request.user.has_perm("core.delete_calendarday"),
        "can_edit_hours": can_edit_hours,
        "day_form": day_form,
        "hours_form": hours_form,
        "deadline_form": deadline_form,
        "deadline_result": deadline_result,
        "calendars": BusinessCalendar.objects.order_by("-is_default", "code"),
        "units_on_calendar": calendar.org_units.order_by("code"),
        "can_add_calendar": request.user.has_perm("core.add_businesscalendar"),
        "new_calendar_form": new_calendar_form or NewCalendarForm(),
    }
    return render(request, "core/calendar.html", context, status=status)


def _back_to_year(year: int, calendar: BusinessCalendar):
    return redirect(
        f"{reverse('core:calendar')}?{urlencode({'calendar': calendar.code, 'year': year})}"
    )


@login_required
def calendar_page(request):
    """The year's business calendar, its entries and working hours (CAL-1)."""
    _require_perm(request.user, "core.view_calendarday")
    return _render_calendar(request)


@login_required
@require_POST
def calendar_day_set(request):
    """Add or change an administrator's entry."""
    _require_perm(request.user, "core.change_calendarday")
    form = CalendarDayForm(request.POST)
    year = _year_from(request.POST.get("year"), timezone.localdate().year)
    if form.is_valid():
        data = form.cleaned_data
        try:
            day = core_services.set_calendar_day(
                actor=request.user,
                calendar=_chosen_calendar(request.POST),
                date=data["date"],
                kind=data["kind"],
                name=data["name"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("The calendar entry for %(date)s was saved.") % {"date": day.date}
            )
            return _back_to_year(day.date.year, day.calendar)
    return _render_calendar(request, year=year, day_form=form)


@login_required
@require_POST
def calendar_day_remove(request, pk: int):
    _require_perm(request.user, "core.delete_calendarday")
    day = get_object_or_404(CalendarDay, pk=pk)
    core_services.remove_calendar_day(actor=request.user, day=day)
    messages.success(
        request, _("The calendar entry for %(date)s was removed.") % {"date": day.date}
    )
    return _back_to_year(day.date.year, day.calendar)


@login_required
@require_POST
def working_hours_set(request):
    _require_perm(request.user, "core.change_workinghours")
    form = WorkingHoursForm(request.POST)
    year = _year_from(request.POST.get("year"), timezone.localdate().year)
    if form.is_valid():
        data = form.cleaned_data
        try:
            hours = core_services.set_working_hours(
                actor=request.user,
                calendar=_chosen_calendar(request.POST),
                weekday=data["weekday"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The working hours were saved."))
            return _back_to_year(year, hours.calendar)
    return _render_calendar(request, year=year, hours_form=form)


@login_required
@require_POST
def calendar_create(request):
    """A new calendar, copied from the one on screen, for units that keep other days."""
    _require_perm(request.user, "core.add_businesscalendar")
    form = NewCalendarForm(request.POST)
    year = _year_from(request.POST.get("year"), timezone.localdate().year)
    if form.is_valid():
        try:
            calendar = core_services.create_calendar(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                copy_from=_chosen_calendar(request.POST),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Calendar %(name)s was created. Assign it to organisation units.")
                % {"name": calendar.name},
            )
            return _back_to_year(year, calendar)
    return _render_calendar(request, year=year, new_calendar_form=form)
