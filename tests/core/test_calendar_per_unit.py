"""CAL-1: a calendar per organisation unit — own, inherited from the parent, or the default."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.accounts import services as accounts_services
from aftersales.audit.models import AuditEntry
from aftersales.core import calendar as cal
from aftersales.core import services
from aftersales.core.exceptions import ServiceError
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours

pytestmark = pytest.mark.django_db

STOCKTAKING = dt.date(2026, 12, 31)  # a Thursday, a working day on the default calendar


@pytest.fixture
def hangzhou_calendar(org, people):
    """The Hangzhou branch keeps its stock-taking day off; Ningbo (under it) inherits it."""
    admin = people["admin"]
    hz = services.create_calendar(actor=admin, code="hz", name="杭州分公司日历")
    services.set_calendar_day(
        actor=admin, calendar=hz, date=STOCKTAKING, kind="holiday", name="年终盘点"
    )
    accounts_services.save_org_unit(actor=admin, unit=org["units"]["BR-HZ"], calendar=hz)
    return hz


def test_cal_1_new_calendar_copies_days_and_hours_and_is_audited(people):
    default = BusinessCalendar.objects.get(is_default=True)
    new = services.create_calendar(actor=people["admin"], code=" sh ", name="上海")
    assert new.code == "SH" and not new.is_default
    assert new.days.count() == default.days.count() > 0
    assert new.days.get(date=dt.date(2026, 10, 10)).kind == "workday"  # 国庆 make-up day
    copied = set(WorkingHours.objects.filter(calendar=new).values_list("weekday", "opens_at"))
    assert copied == set(
        WorkingHours.objects.filter(calendar=default).values_list("weekday", "opens_at")
    )
    entry = AuditEntry.objects.get(action="core.calendar.created", object_id=str(new.pk))
    assert entry.actor == people["admin"] and "CN" in entry.note


def test_cal_1_unit_uses_its_own_then_its_parents_then_the_default_calendar(org, hangzhou_calendar):
    units = org["units"]
    assert not cal.get_calendar(units["BR-HZ"]).is_working_day(STOCKTAKING)
    # the Ningbo service centre has no calendar of its own: its parent's applies
    assert cal.calendar_for(units["SC-NB"]) == hangzhou_calendar
    assert not cal.get_calendar(units["SC-NB"]).is_working_day(STOCKTAKING)
    # Nanjing and the default keep the day as a working day
    assert cal.get_calendar(units["BR-NJ"]).is_working_day(STOCKTAKING)
    assert cal.get_calendar().is_working_day(STOCKTAKING)
    # a 1-working-day limit from Wednesday 12-30 lands on different days (2027 has no
    # official schedule yet: its 01-01, a Friday, counts as a working day)
    start = dt.datetime(2026, 12, 30, 10, tzinfo=cal.local_tz())
    assert cal.add_working_days(start, 1, cal.get_calendar(units["BR-NJ"])).date() == STOCKTAKING
    assert cal.add_working_days(start, 1, cal.get_calendar(units["BR-HZ"])).date() == dt.date(
        2027, 1, 1
    )


def test_cal_1_creating_a_calendar_needs_the_right_and_a_free_code(people):
    with pytest.raises(PermissionDenied):
        services.create_calendar(actor=people["agent"], code="X", name="X")
    with pytest.raises(ServiceError) as exc:
        services.create_calendar(actor=people["admin"], code="cn", name="")
    assert set(exc.value.message_dict) == {"code", "name"}
    assert BusinessCalendar.objects.count() == 1


def test_cal_1_page_switches_calendar_and_edits_the_chosen_one(
    client_for, people, hangzhou_calendar
):
    c = client_for(people["admin"])
    html = c.get("/calendar/", {"calendar": "HZ", "year": 2026}).content.decode()
    assert 'data-testid="calendar-select"' in html and "杭州分公司" in html
    assert 'data-date="2026-12-31" data-kind="holiday"' in html
    resp = c.post(
        "/calendar/days/",
        {"calendar": "HZ", "year": 2027, "date": "2027-02-08", "kind": "holiday", "name": "厂休"},
    )
    assert resp.status_code == 302 and "calendar=HZ" in resp["Location"]
    assert hangzhou_calendar.days.filter(date=dt.date(2027, 2, 8)).exists()
    default = BusinessCalendar.objects.get(is_default=True)
    assert not default.days.filter(date=dt.date(2027, 2, 8)).exists()


def test_cal_1_page_creates_a_calendar_and_refuses_those_without_the_right(client_for, people):
    resp = client_for(people["admin"]).post(
        "/calendar/new/", {"calendar": "CN", "year": 2026, "code": "BJ", "name": "北京"}
    )
    assert resp.status_code == 302
    assert BusinessCalendar.objects.filter(code="BJ").exists()
    resp = client_for(people["admin"]).post("/calendar/new/", {"code": "BJ", "name": "again"})
    assert resp.status_code == 200 and "already exists" in resp.content.decode()
    resp = client_for(people["agent"]).post("/calendar/new/", {"code": "SZ", "name": "深圳"})
    assert resp.status_code == 403
    assert not BusinessCalendar.objects.filter(code="SZ").exists()


def test_cal_1_api_deadline_on_an_org_units_calendar(api_for, people, org, hangzhou_calendar):
    api = api_for(people["agent"])
    query = {"start": "2026-12-30T10:00:00+08:00", "amount": 1, "unit": "working_days"}
    default = api.get("/api/calendar/deadline/", query)
    hz = api.get("/api/calendar/deadline/", {**query, "org_unit": org["units"]["SC-NB"].pk})
    by_code = api.get("/api/calendar/deadline/", {**query, "calendar": "HZ"})
    assert default.data["deadline"].startswith("2026-12-31")
    assert hz.data["deadline"].startswith("2027-01-01") and by_code.data == hz.data
    bad = api.get("/api/calendar/deadline/", {**query, "calendar": "NOPE"})
    assert bad.status_code == 400 and "calendar" in bad.data
    bad = api.get("/api/calendar/deadline/", {**query, "org_unit": "abc"})
    assert bad.status_code == 400 and "org_unit" in bad.data
    assert CalendarDay.objects.filter(calendar=hangzhou_calendar, date=STOCKTAKING).exists()
