"""SLA clocks (SVC-6, SVC-7, REQ-5, REQ-7, CAL-1, CAL-3): chosen, started, stopped, swept."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core import services as core_services
from aftersales.core.models import BusinessCalendar
from aftersales.service import services, sla
from aftersales.service.models import ClockState, OrderClock, SlaClockRule, SlaPolicy
from tests.service.conftest import signature_png

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def clocks(order) -> dict[str, OrderClock]:
    return {c.rule_id: c for c in OrderClock.objects.filter(order=order)}


def test_svc_6_default_policy_starts_the_intake_clocks_from_the_time_received(new_order):
    received = timezone.now() - dt.timedelta(hours=2)
    order = new_order(received_at=received)
    assert order.sla_policy.is_default
    running = clocks(order)
    assert set(running) == {"REQ-5", "SVC-6", "SVC-6P"}  # dispatch-started ones wait
    assert running["REQ-5"].due_at == received + dt.timedelta(hours=12)
    assert running["SVC-6"].due_at == received + dt.timedelta(hours=24)


def test_req_7_installation_orders_get_the_installation_policy(new_order):
    order = new_order(order_type="installation")
    assert order.sla_policy.name == "安装时限"
    assert "REQ-7" in clocks(order)


def test_svc_6_the_most_specific_policy_wins_then_the_rank(new_order, hz_customer):
    hz_customer.service_tier = "A"
    hz_customer.save()
    tier_a = SlaPolicy.objects.create(name="A 级客户", service_tier="A", rank=90)
    SlaClockRule.objects.create(
        policy=tier_a,
        rule_id="REQ-5",
        name="派工",
        amount=4,
        unit="hours",
        start_event="received",
        stop_event="dispatched",
    )
    SlaPolicy.objects.create(name="A 级客户（备用）", service_tier="A", rank=95)
    both = SlaPolicy.objects.create(
        name="A 级维修", service_tier="A", order_type="repair", rank=200
    )
    assert new_order().sla_policy == both  # two criteria beat one, whatever the rank
    both.is_active = False
    both.save()
    order = new_order()
    assert order.sla_policy == tier_a  # equal criteria: the lower rank
    assert clocks(order)["REQ-5"].due_at == order.received_at + dt.timedelta(hours=4)


def test_svc_6_three_working_days_across_national_day_end_on_the_make_up_saturday(new_order):
    # received Wed 2026-09-30 10:00; 10-01..07 off; 10-08 (1), 10-09 (2), Sat 10-10 make-up (3)
    order = new_order(received_at=at(2026, 9, 30, 10))
    assert clocks(order)["SVC-6P"].due_at == at(2026, 10, 10, 17, 30)


def test_cal_1_a_deadline_crossing_into_2027_uses_the_handling_units_calendar(
    new_order, people, org
):
    order = new_order()
    OrderClock.objects.filter(order=order).delete()
    start = at(2026, 12, 30, 10)
    # default calendar: 12-31 (1), Fri 2027-01-01 — no official schedule yet, a working day (2),
    # Mon 01-04 (3)
    sla.start_clocks(order, "received", start)
    assert clocks(order)["SVC-6P"].due_at == at(2027, 1, 4, 17, 30)
    # the Hangzhou branch takes 12-31 off on its own calendar: one working day later
    hz = core_services.create_calendar(actor=people["admin"], code="HZ", name="杭州")
    core_services.set_calendar_day(
        actor=people["admin"], calendar=hz, date=dt.date(2026, 12, 31), kind="holiday"
    )
    org["units"]["BR-HZ"].calendar = hz
    org["units"]["BR-HZ"].save()
    OrderClock.objects.filter(order=order).delete()
    order.refresh_from_db()
    sla.start_clocks(order, "received", start)
    assert clocks(order)["SVC-6P"].due_at == at(2027, 1, 5, 17, 30)
    assert BusinessCalendar.objects.count() == 2


def test_svc_1_dispatch_stops_req_5_in_time_and_starts_contact_and_plan_clocks(new_order, people):
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=1))
    order = services.dispatch_order(
        actor=people["agent"], order=order, technician=people["technician"]
    )
    c = clocks(order)
    assert c["REQ-5"].state == ClockState.STOPPED and c["REQ-5"].met is True
    assert c["SVC-1"].state == ClockState.RUNNING and c["SVC-2"].state == ClockState.RUNNING
    assert c["SVC-1"].due_at == c["SVC-1"].started_at + dt.timedelta(hours=12)


def test_svc_6_a_late_dispatch_is_recorded_as_breached(new_order, people):
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=13))
    order = services.dispatch_order(
        actor=people["agent"], order=order, technician=people["technician"]
    )
    assert clocks(order)["REQ-5"].met is False


def test_cal_3_waiting_for_parts_pauses_the_processing_clock_and_records_the_pause(
    new_order, people
):
    tech = people["technician"]
    order = services.dispatch_order(actor=people["agent"], order=new_order(), technician=tech)
    order = services.record_contact(actor=tech, order=order)
    order = services.set_plan(actor=tech, order=order, mode="phone")
    order = services.start_work(actor=tech, order=order)
    due_before = clocks(order)["SVC-6P"].due_at
    order = services.wait_for_parts(actor=tech, order=order, reason="等配件")
    assert clocks(order)["SVC-6P"].state == ClockState.PAUSED
    # two hours pass while waiting
    OrderClock.objects.filter(order=order, rule_id="SVC-6P").update(
        paused_at=timezone.now() - dt.timedelta(hours=2)
    )
    order = services.resume_work(actor=tech, order=order)
    clock = clocks(order)["SVC-6P"]
    assert clock.state == ClockState.RUNNING
    assert 7190 <= clock.paused_seconds <= 7300
    assert dt.timedelta(hours=2) - dt.timedelta(seconds=5) <= clock.due_at - due_before
    order = services.complete_order(
        actor=tech, order=order, result="更换传感器", signature=signature_png(), signer_name="王"
    )
    assert clocks(order)["SVC-6P"].met is True


def test_svc_7_the_sweep_marks_each_overdue_clock_once_and_audits_it(new_order):
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=13))  # REQ-5 12 h overdue
    assert sla.sweep_breaches() == 1
    assert sla.sweep_breaches() == 0  # a second sweep (or a second worker) does nothing
    clock = clocks(order)["REQ-5"]
    assert clock.breached and clock.breached_at is not None and clock.state == ClockState.RUNNING
    entry = AuditEntry.objects.for_object(order).get(action="service.order.sla_breached")
    assert entry.note.startswith("派工")  # and the escalation step it is: level 1


def test_cancel_stops_every_clock(new_order, people):
    order = services.cancel_order(actor=people["agent"], order=new_order(), reason="客户撤销")
    assert {c.state for c in clocks(order).values()} == {ClockState.STOPPED}


def test_svc_7_the_sweep_command_and_task_run_the_same_sweep(new_order):
    from django.core.management import call_command

    from aftersales.service.tasks import sla_sweep

    new_order(received_at=timezone.now() - dt.timedelta(hours=13))
    call_command("sla_sweep", verbosity=0)
    assert OrderClock.objects.filter(breached=True).count() == 1
    assert sla_sweep.call() == 0  # nothing left to mark


def test_svc_6_policies_are_configured_in_the_admin_site_and_audited(client_for, people):
    policy = SlaPolicy.objects.get(is_default=True)
    rule = policy.rules.get(rule_id="REQ-5")
    c = client_for(people["admin"])
    assert c.get(f"/admin/service/slapolicy/{policy.pk}/change/").status_code == 200
    data = {
        "name": policy.name,
        "order_type": "",
        "service_tier": "",
        "region": "",
        "rank": 100,
        "is_default": "on",
        "is_active": "on",
        "rules-TOTAL_FORMS": 1,
        "rules-INITIAL_FORMS": 1,
        "rules-MIN_NUM_FORMS": 0,
        "rules-MAX_NUM_FORMS": 1000,
        "rules-0-id": rule.pk,
        "rules-0-policy": policy.pk,
        "rules-0-rule_id": "REQ-5",
        "rules-0-name": "派工",
        "rules-0-amount": "8",
        "rules-0-unit": "hours",
        "rules-0-start_event": "received",
        "rules-0-stop_event": "dispatched",
    }
    resp = c.post(f"/admin/service/slapolicy/{policy.pk}/change/", data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.amount == 8
    entry = AuditEntry.objects.for_object(rule).get()
    old, new = entry.changes["amount"]
    assert (Decimal(old), Decimal(new)) == (12, 8) and entry.actor == people["admin"]
    # a branch manager has no right to the configuration
    assert client_for(people["branch_manager"]).get("/admin/service/slapolicy/").status_code == 302
