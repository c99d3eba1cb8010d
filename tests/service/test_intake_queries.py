"""Issue 7: intake throughput — the SQL queries of one intake are few and fixed, and the
per-process business calendar cache (core/calendar.py) never serves a stale calendar:
a committed change is seen by the next deadline computed (CAL-1).

These tests commit for real (transaction=True): the cache is dropped when a calendar write
commits, which a test wrapped in one transaction never does.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.core import calendar as cal
from aftersales.core import services as core_services
from aftersales.core.models import BusinessCalendar, CalendarDay
from aftersales.service import services
from aftersales.service.models import OrderClock

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Intake of one order through the service, calendar and SLA policies cached, on SQLite and
# PostgreSQL alike: 3 reads before the transaction (REQ-9 duplicates, warranty and contract
# for the service kind), then the transaction: the number counter (one upsert), the order
# (with its due columns), the clocks, the audit row, and its start and commit.
# Before issue 7's work: 43 (the calendar loaded once per clock, an "exists" query per
# relation in full_clean); 15 before the second round (the customer's reach asked of the
# database, the policy and its rules read each time, the clocks' aggregate read back and
# the due columns updated after the order's insert); 10 before the third (the counter
# locked by a select for update, then updated).
INTAKE_QUERIES = 9


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """Each test starts and ends with an empty calendar cache (the tables are flushed)."""
    cal.kept_calendars.bump()
    yield
    cal.kept_calendars.bump()


def _monday_10() -> dt.datetime:
    """10:00 local on the last Monday at least a week ago (a working day by default)."""
    today = timezone.localdate() - dt.timedelta(days=7)
    monday = today - dt.timedelta(days=today.weekday())
    return dt.datetime.combine(monday, dt.time(10), tzinfo=cal.local_tz())


def _clear_week(calendar, start):
    """No holiday or make-up day in the week of ``start`` (the seeded schedule may have one)."""
    monday = start.date()
    CalendarDay.objects.filter(
        calendar=calendar, date__gte=monday, date__lte=monday + dt.timedelta(days=7)
    ).delete()


def test_issue_7_intake_runs_a_fixed_number_of_queries(new_order, django_assert_num_queries):
    """Issue 7, CAL-1: with the calendar cached, an intake runs exactly INTAKE_QUERIES
    queries (40 before), and its clocks' due times are the ones a freshly loaded calendar
    gives."""
    new_order()  # warms the calendar cache, the content types and the counter row
    with django_assert_num_queries(INTAKE_QUERIES):
        order = new_order()
    clocks = list(OrderClock.objects.filter(order=order))
    assert clocks, "the default policy starts clocks at intake"
    rules = {r.rule_id: r for r in order.sla_policy.rules.all()}
    fresh = cal.get_calendar(order.org_unit, years=[timezone.localtime(order.received_at).year])
    for clock in clocks:
        rule = rules[clock.rule_id]
        amount = (
            int(rule.amount) if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS) else rule.amount
        )
        assert clock.due_at == cal.deadline(order.received_at, amount, rule.unit, fresh)


def test_issue_7_intake_numbers_stay_gap_free_with_the_lock_taken_late(new_order):
    """REQ-2: the number is taken inside the writing transaction, after the reads; a
    refused intake (validated before the counter) takes no number."""
    first = new_order()
    with pytest.raises(services.ServiceError):
        new_order(description=" ")
    second = new_order()
    tails = [int(o.number.rsplit("-", 1)[1]) for o in (first, second)]
    assert tails[1] == tails[0] + 1
    assert second.search_text.startswith(second.number.lower())


def test_cal_1_issue_7_the_calendar_is_read_once_then_served_from_the_cache():
    """Issue 7: a second deadline on the same unit's calendar runs no query."""
    cal.cached_calendar(None, years=[2026])
    with CaptureQueriesContext(connection) as queries:
        data = cal.cached_calendar(None, years=[2026])
    assert len(queries) == 0
    assert data.calendar_id == BusinessCalendar.objects.get(is_default=True).pk


def test_cal_1_issue_7_a_committed_holiday_is_seen_by_the_next_deadline():
    """CAL-1: the administrator makes the next working day a holiday; the next deadline
    computed (from the cache) skips it."""
    calendar = BusinessCalendar.objects.get(is_default=True)
    start = _monday_10()
    _clear_week(calendar, start)
    tuesday = start.date() + dt.timedelta(days=1)
    cached = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, cached).date() == tuesday
    core_services.set_calendar_day(
        actor=None,
        calendar=calendar,
        date=tuesday,
        kind=cal.HOLIDAY,
        name="test holiday",
    )
    after = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, after).date() == tuesday + dt.timedelta(
        days=1
    )


def test_cal_1_issue_7_changed_working_hours_are_seen_by_the_next_deadline():
    """CAL-1: new closing time on Tuesday → the next one-working-day deadline ends then."""
    calendar = BusinessCalendar.objects.get(is_default=True)
    start = _monday_10()
    _clear_week(calendar, start)
    cached = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, cached).time() == dt.time(17, 30)
    core_services.set_working_hours(
        actor=None, calendar=calendar, weekday=1, opens_at=dt.time(8), closes_at=dt.time(16)
    )
    after = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, after).time() == dt.time(16)


def test_cal_1_issue_7_a_unit_given_its_own_calendar_is_seen_at_once(org):
    """CAL-1: the calendar is per organisation unit; assigning one drops the cached link."""
    unit = org["units"]["BR-HZ"]
    default = BusinessCalendar.objects.get(is_default=True)
    assert cal.cached_calendar(unit).calendar_id == default.pk
    own = core_services.create_calendar(actor=None, code="HZ", name="杭州")
    unit.calendar = own
    unit.save()
    assert cal.cached_calendar(unit).calendar_id == own.pk


def test_cal_1_issue_7_another_process_change_is_seen_through_the_shared_generation():
    """A write in another process bumps the generation in the shared cache (CACHE_URL); this
    process then reloads. Simulated: a row changed without this process's signals, and the
    generation bumped in the cache only."""
    calendar = BusinessCalendar.objects.get(is_default=True)
    start = _monday_10()
    _clear_week(calendar, start)
    tuesday = start.date() + dt.timedelta(days=1)
    cached = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, cached).date() == tuesday
    CalendarDay.objects.bulk_create(
        [CalendarDay(calendar=calendar, date=tuesday, kind=cal.HOLIDAY, name="elsewhere")]
    )
    # Not bumped yet: this process still serves its picture (until the TTL at most).
    assert cal.cached_calendar(None, years=[start.year]) is cached
    cache.incr(cal.kept_calendars.generation_key)
    after = cal.cached_calendar(None, years=[start.year])
    assert cal.deadline(start, 1, cal.UNIT_WORKING_DAYS, after).date() == tuesday + dt.timedelta(
        days=1
    )


def test_cal_1_issue_7_the_ttl_bounds_the_age_without_a_shared_cache(settings, monkeypatch):
    """Without a shared cache another process's bump is invisible here: the entry expires
    after AFTERSALES_CALENDAR_CACHE_TTL seconds; 0 turns the cache off."""
    import time

    settings.AFTERSALES_CALENDAR_CACHE_TTL = 60
    first = cal.cached_calendar(None, years=[2026])
    assert cal.cached_calendar(None, years=[2026]) is first
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert cal.cached_calendar(None, years=[2026]) is not first
    settings.AFTERSALES_CALENDAR_CACHE_TTL = 0
    assert cal.cached_calendar(None, years=[2026]) is not cal.cached_calendar(None, years=[2026])


def test_svc_6_issue_7_a_committed_policy_change_is_seen_by_the_next_intake(new_order):
    """SVC-6, issue 7: the SLA policies are cached per process; a rule's new amount and a
    new, more specific policy are used by the very next intake once committed."""
    from aftersales.service.models import SlaClockRule, SlaPolicy

    first = new_order()  # fills the cache
    default = SlaPolicy.objects.get(is_default=True)
    assert first.sla_policy_id == default.pk
    rule = default.rules.get(rule_id="REQ-5")
    rule.amount = rule.amount + 1
    rule.save()
    second = new_order()
    clock = OrderClock.objects.get(order=second, rule_id="REQ-5")
    expected = cal.deadline(
        second.received_at,
        int(rule.amount) if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS) else rule.amount,
        rule.unit,
        cal.get_calendar(second.org_unit, years=[timezone.localtime(second.received_at).year]),
    )
    assert clock.due_at == expected
    repairs = SlaPolicy.objects.create(name="维修专用", order_type="repair", rank=50)
    SlaClockRule.objects.create(
        policy=repairs,
        rule_id="REQ-5",
        name="派工",
        amount=2,
        unit="hours",
        start_event="received",
        stop_event="dispatched",
    )
    third = new_order()
    assert third.sla_policy_id == repairs.pk
    assert OrderClock.objects.get(order=third, rule_id="REQ-5").due_at == (
        cal.deadline(third.received_at, 2, "hours", cal.get_calendar(third.org_unit))
    )
    repairs.is_active = False
    repairs.save()
    assert new_order().sla_policy_id == default.pk


def test_svc_6_issue_7_an_uncommitted_policy_change_is_seen_in_its_transaction(new_order):
    """Inside the transaction that changed a policy the cache is bypassed; once it is
    rolled back the cached policies are served again."""
    from django.db import transaction

    from aftersales.service import sla
    from aftersales.service.models import SlaPolicy

    new_order()  # fills the cache
    with transaction.atomic():
        quick = SlaPolicy.objects.create(name="快速", order_type="repair", rank=10)
        assert new_order().sla_policy_id == quick.pk
        transaction.set_rollback(True)
    assert all(p.pk != quick.pk for p in sla.active_policies())
    assert new_order().sla_policy.is_default
