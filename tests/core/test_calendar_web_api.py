"""CAL-1 / CAL-2: the calendar page, its forms, and the calendar API."""

import datetime as dt

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours

pytestmark = pytest.mark.django_db


@pytest.fixture
def nobody(org):
    from aftersales.accounts.models import User

    return User.objects.create_user("nobody", password="x-long-pass-1", org_unit=org["units"]["HQ"])


# --- web ---------------------------------------------------------------------------
def test_cal_1_page_marks_holidays_make_up_days_and_weekends(client_for, people):
    # when an agent opens 2026
    resp = client_for(people["agent"]).get("/calendar/?year=2026")
    # then
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday"' in html
    assert 'data-date="2026-10-10" data-kind="workday"' in html
    assert 'data-date="2026-10-11" data-kind="weekend"' in html
    assert 'data-date="2026-10-12" data-kind="working"' in html
    assert "国庆节" in html
    assert 'data-testid="official-banner"' in html
    assert 'data-testid="fallback-banner"' not in html
    # an agent reads only: no administrator forms
    assert "/calendar/days/" not in html and "/calendar/hours/" not in html


def test_cal_1_page_flags_a_year_without_official_schedule(client_for, people):
    resp = client_for(people["technician"]).get("/calendar/?year=2027")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-testid="fallback-banner"' in html
    assert 'data-date="2027-01-01" data-kind="working"' in html
    # Choosing a year is not a submitted deadline calculation: no error text.
    assert resp.context["deadline_form"].is_bound is False
    assert "invalid-feedback" not in html


def test_cal_1_page_with_a_bad_year_shows_this_year(client_for, people):
    from django.utils import timezone

    resp = client_for(people["agent"]).get("/calendar/?year=abc")
    assert resp.status_code == 200
    assert resp.context["year"] == timezone.localdate().year


def test_cal_1_page_needs_the_view_right(client_for, nobody):
    resp = client_for(nobody).get("/calendar/")
    assert resp.status_code == 403
    assert "core.view_calendarday" in resp.content.decode()


def test_cal_1_deadline_calculator_on_the_page(client_for, people):
    resp = client_for(people["agent"]).get(
        "/calendar/",
        {
            "year": 2026,
            "calc-start": "2026-09-30T10:00",
            "calc-amount": "3",
            "calc-unit": "working_days",
        },
    )
    assert resp.status_code == 200
    assert resp.context["deadline_result"]["deadline"] == dt.datetime(
        2026, 10, 10, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    assert "2026-10-10 17:30" in resp.content.decode()


def test_cal_1_deadline_calculator_shows_form_errors(client_for, people):
    resp = client_for(people["agent"]).get(
        "/calendar/", {"calc-start": "2026-09-30T10:00", "calc-amount": "1.5", "calc-unit": "days"}
    )
    assert resp.status_code == 200
    assert resp.context["deadline_result"] is None
    assert "amount" in resp.context["deadline_form"].errors


def test_cal_1_admin_adds_a_day_on_the_page(client_for, people):
    c = client_for(people["admin"])
    assert "/calendar/days/" in c.get("/calendar/?year=2027").content.decode()
    resp = c.post(
        "/calendar/days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "year": 2027}
    )
    assert resp.status_code == 302
    day = CalendarDay.objects.get(date=dt.date(2027, 1, 1))
    assert (day.kind, day.name, day.source) == ("holiday", "元旦", "manual")
    assert AuditEntry.objects.filter(action="core.calendar_day.set", actor=people["admin"]).exists()
    html = c.get(resp.url).content.decode()
    assert 'data-date="2027-01-01" data-kind="holiday"' in html
    assert 'data-testid="fallback-banner"' in html  # still no official schedule


def test_cal_1_agent_posting_a_day_gets_403_and_nothing_is_written(client_for, people):
    count = CalendarDay.objects.count()
    resp = client_for(people["agent"]).post(
        "/calendar/days/", {"date": "2027-01-01", "kind": "holiday"}
    )
    assert resp.status_code == 403
    assert "core.change_calendarday" in resp.content.decode()
    assert CalendarDay.objects.count() == count


def test_cal_1_bad_day_form_shows_inline_errors(client_for, people):
    count = CalendarDay.objects.count()
    resp = client_for(people["admin"]).post("/calendar/days/", {"date": "2027-13-40", "kind": "x"})
    assert resp.status_code == 200
    form = resp.context["day_form"]
    assert "date" in form.errors and "kind" in form.errors
    assert "invalid-feedback" in resp.content.decode()
    assert CalendarDay.objects.count() == count


def test_cal_1_admin_removes_a_day_on_the_page(client_for, people):
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 10))
    resp = client_for(people["admin"]).post(f"/calendar/days/{day.pk}/remove/")
    assert resp.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert AuditEntry.objects.filter(action="core.calendar_day.removed").exists()


def test_cal_1_agent_cannot_remove_a_day(client_for, people):
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 10))
    resp = client_for(people["agent"]).post(f"/calendar/days/{day.pk}/remove/")
    assert resp.status_code == 403
    assert CalendarDay.objects.filter(pk=day.pk).exists()


def test_cal_1_admin_sets_working_hours_on_the_page(client_for, people):
    resp = client_for(people["admin"]).post(
        "/calendar/hours/", {"weekday": "0", "opens_at": "09:00", "closes_at": "18:00"}
    )
    assert resp.status_code == 302
    hours = WorkingHours.objects.get(weekday=0)
    assert (hours.opens_at, hours.closes_at) == (dt.time(9), dt.time(18))
    assert AuditEntry.objects.filter(action="core.working_hours.set").exists()


def test_cal_1_invalid_working_hours_show_a_form_error(client_for, people):
    resp = client_for(people["admin"]).post(
        "/calendar/hours/", {"weekday": "0", "opens_at": "18:00", "closes_at": "09:00"}
    )
    assert resp.status_code == 200
    assert "opens_at" in resp.context["hours_form"].errors
    hours = WorkingHours.objects.get(weekday=0)
    assert (hours.opens_at, hours.closes_at) == (dt.time(8, 30), dt.time(17, 30))
    assert not AuditEntry.objects.filter(action="core.working_hours.set").exists()


def test_cal_1_agent_cannot_set_working_hours(client_for, people):
    resp = client_for(people["agent"]).post(
        "/calendar/hours/", {"weekday": "0", "opens_at": "09:00", "closes_at": "18:00"}
    )
    assert resp.status_code == 403
    assert WorkingHours.objects.get(weekday=0).opens_at == dt.time(8, 30)


# --- API ---------------------------------------------------------------------------
def test_cal_1_api_lists_days_filtered_by_year_and_kind(api_for, people):
    resp = api_for(people["agent"]).get("/api/calendar-days/", {"year": 2026, "kind": "workday"})
    assert resp.status_code == 200
    dates = [d["date"] for d in resp.json()["results"]]
    assert dates == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]


def test_cal_1_api_agent_cannot_write_days(api_for, people):
    count = CalendarDay.objects.count()
    api = api_for(people["agent"])
    resp = api.post("/api/calendar-days/", {"date": "2027-01-01", "kind": "holiday"})
    assert resp.status_code == 403
    assert "core.add_calendarday" in resp.json()["detail"]
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    assert api.patch(f"/api/calendar-days/{day.pk}/", {"kind": "workday"}).status_code == 403
    assert api.delete(f"/api/calendar-days/{day.pk}/").status_code == 403
    assert CalendarDay.objects.count() == count


def test_cal_1_api_admin_creates_changes_and_removes_a_day(api_for, people):
    api = api_for(people["admin"])
    # create (the default calendar is used)
    resp = api.post(
        "/api/calendar-days/", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["source"] == "manual"
    assert body["calendar"] == BusinessCalendar.objects.get(is_default=True).pk
    # change
    resp = api.patch(f"/api/calendar-days/{body['id']}/", {"kind": "workday"})
    assert resp.status_code == 200
    assert resp.json()["kind"] == "workday"
    # moving an entry is refused
    resp = api.patch(f"/api/calendar-days/{body['id']}/", {"date": "2027-01-02"})
    assert resp.status_code == 400 and "date" in resp.json()
    # remove
    assert api.delete(f"/api/calendar-days/{body['id']}/").status_code == 204
    actions = list(
        AuditEntry.objects.filter(action__startswith="core.calendar_day")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "core.calendar_day.set",
        "core.calendar_day.set",
        "core.calendar_day.removed",
    ]


def test_cal_1_api_bad_day_is_a_400_with_field_errors(api_for, people):
    count = CalendarDay.objects.count()
    resp = api_for(people["admin"]).post("/api/calendar-days/", {"date": "nope", "kind": "x"})
    assert resp.status_code == 400
    assert {"date", "kind"} <= set(resp.json())
    assert CalendarDay.objects.count() == count


def test_cal_1_api_working_hours_read_by_agent_changed_by_admin(api_for, people):
    resp = api_for(people["agent"]).get("/api/working-hours/")
    assert resp.status_code == 200
    assert [h["weekday"] for h in resp.json()["results"]] == [0, 1, 2, 3, 4]
    monday = WorkingHours.objects.get(weekday=0)
    assert (
        api_for(people["agent"])
        .patch(f"/api/working-hours/{monday.pk}/", {"opens_at": "09:00"})
        .status_code
        == 403
    )
    resp = api_for(people["admin"]).patch(f"/api/working-hours/{monday.pk}/", {"opens_at": "09:00"})
    assert resp.status_code == 200
    assert resp.json()["opens_at"] == "09:00:00"
    assert AuditEntry.objects.filter(action="core.working_hours.set").count() == 1


def test_cal_1_api_invalid_working_hours_are_a_400(api_for, people):
    monday = WorkingHours.objects.get(weekday=0)
    resp = api_for(people["admin"]).patch(
        f"/api/working-hours/{monday.pk}/", {"opens_at": "18:00", "closes_at": "09:00"}
    )
    assert resp.status_code == 400
    assert "opens_at" in resp.json()
    monday.refresh_from_db()
    assert monday.opens_at == dt.time(8, 30)


def test_cal_1_api_deadline_across_national_day(api_for, people):
    resp = api_for(people["agent"]).get(
        "/api/calendar/deadline/",
        {"start": "2026-09-30T10:00:00+08:00", "amount": "3", "unit": "working_days"},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["deadline"] == "2026-10-10T17:30:00+08:00"
    assert body["official_data"] == {"2026": True}
    assert body["fallback_notes"] == []


def test_cal_1_api_deadline_into_a_fallback_year_is_flagged(api_for, people):
    resp = api_for(people["agent"]).get(
        "/api/calendar/deadline/",
        {"start": "2026-12-30T02:00:00Z", "amount": "3", "unit": "working_days"},
    )
    body = resp.json()
    # 2026-12-30 10:00 local: 12-31 (1), 2027-01-01 Fri fallback (2), 01-04 (3)
    assert body["deadline"] == "2027-01-04T17:30:00+08:00"
    assert body["official_data"] == {"2026": True, "2027": False}
    assert len(body["fallback_notes"]) == 1


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2026-09-30T10:00", "amount": "3", "unit": "weeks"}, "unit"),
        ({"start": "2026-09-30T10:00", "amount": "1.5", "unit": "working_days"}, "amount"),
        ({"start": "2026-09-30T10:00", "amount": "0", "unit": "hours"}, "amount"),
        ({"start": "2026-09-30T10:00", "amount": "99999999", "unit": "hours"}, "amount"),
        ({"amount": "3", "unit": "hours"}, "start"),
        ({"start": "yesterday", "amount": "3", "unit": "hours"}, "start"),
    ],
)
def test_cal_1_api_deadline_bad_input_is_a_400(api_for, people, params, field):
    resp = api_for(people["agent"]).get("/api/calendar/deadline/", params)
    assert resp.status_code == 400
    assert field in resp.json()


def test_cal_1_api_deadline_needs_the_view_right(api_for, nobody):
    resp = api_for(nobody).get(
        "/api/calendar/deadline/", {"start": "2026-09-30T10:00", "amount": "3", "unit": "hours"}
    )
    assert resp.status_code == 403
    assert "core.view_calendarday" in resp.json()["detail"]
    assert api_for(nobody).get("/api/calendar/years/2026/").status_code == 403
    assert api_for().get("/api/calendar/years/2026/").status_code in (401, 403)


def test_cal_1_api_year_official(api_for, people):
    resp = api_for(people["agent"]).get("/api/calendar/years/2026/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["official"] is True and body["fallback_note"] == ""
    off = {d["date"]: d for d in body["non_working_days"]}
    assert off["2026-10-01"]["name"] == "国庆节" and off["2026-10-01"]["source"] == "official"
    assert off["2026-10-11"]["source"] == "week"
    assert "2026-10-10" not in off
    assert [d["date"] for d in body["workdays"]][-2:] == ["2026-09-20", "2026-10-10"]
    assert body["working_hours"]["0"] == ["08:30", "17:30"]


def test_cal_1_api_year_fallback(api_for, people):
    body = api_for(people["agent"]).get("/api/calendar/years/2027/").json()
    assert body["official"] is False
    assert "2027" in body["fallback_note"]
    assert body["workdays"] == []
    # Monday–Friday only: 2027 has 104 weekend days
    assert len(body["non_working_days"]) == 104
    assert api_for(people["agent"]).get("/api/calendar/years/1800/").status_code == 400


def test_cal_1_api_schema_lists_the_calendar_endpoints(api_for, people):
    resp = api_for(people["agent"]).get("/api/schema/")
    assert resp.status_code == 200
    text = resp.content.decode()
    for path in (
        "/api/calendar-days/",
        "/api/working-hours/",
        "/api/calendar/deadline/",
        "/api/calendar/years/{year}/",
    ):
        assert path in text
    assert "working_days" in text  # the unit enum of the deadline parameters
