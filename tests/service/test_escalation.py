"""SVC-7: a deadline about to pass warns the owner and their lead; a passed deadline climbs
the ladder technician → branch manager → HQ after-sales dept → company manager, each step
recorded and acted on once.

Time is moved by handing the sweep the moment it runs at (``sweep(now=…)``); each test keeps
only the clock it looks at, so the other clocks of the order do not add notifications.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.accounts import services as account_services
from aftersales.audit.models import AuditEntry
from aftersales.notifications.models import Notification, Topic
from aftersales.service import services, sla
from aftersales.service.models import ClockState, EscalationLevel, OrderClock
from tests.service.conftest import dispatched, in_progress

pytestmark = pytest.mark.django_db
STEP = dt.timedelta(hours=4)


def only_clock(order, rule_id: str) -> OrderClock:
    OrderClock.objects.filter(order=order).exclude(rule_id=rule_id).delete()
    return OrderClock.objects.get(order=order, rule_id=rule_id)


def told(topic: str | None = None) -> list[str]:
    """Usernames notified (sorted), optionally of one topic."""
    found = Notification.objects.filter(topic__startswith="sla.")
    if topic:
        found = found.filter(topic=topic)
    return sorted(found.values_list("recipient__username", flat=True))


@pytest.fixture
def hq_dispatcher(people, org):
    """The demo company's dispatcher in HQ's after-sales dept, with a phone for SMS."""
    user = org["people"]["fuwubu"]
    user.phone = "13900000001"
    user.save(update_fields=["phone"])
    return user


def test_svc_7_the_warning_time_is_stored_when_the_clock_starts(new_order, people, settings):
    order = dispatched(new_order(), people)
    clock = OrderClock.objects.get(order=order, rule_id="SVC-1")  # 12 h
    assert clock.warn_at == clock.started_at + dt.timedelta(hours=12) * 0.8
    settings.AFTERSALES_SLA_WARN_FRACTION = 0.5
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=1))
    clock = OrderClock.objects.get(order=order, rule_id="REQ-5")
    assert clock.warn_at == clock.started_at + dt.timedelta(hours=6)


def test_svc_7_a_deadline_about_to_pass_warns_the_technician_and_the_branch_manager_once(
    new_order, people
):
    # given a dispatched order whose contact clock (12 h) runs
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    # when the sweep runs before the warning time, nobody is told
    assert sla.sweep(now=clock.started_at + dt.timedelta(hours=9)) == {
        "warned": 0,
        "breached": 0,
        "escalated": 0,
    }
    # when it runs after 80 % of the time, twice
    later = clock.started_at + dt.timedelta(hours=10)
    assert sla.sweep(now=later)["warned"] == 1
    assert sla.sweep(now=later + dt.timedelta(minutes=1))["warned"] == 0
    # then the technician and their branch manager are warned once each
    assert told(Topic.SLA_WARNING) == ["hz_jishi", "hz_zhuguan"]
    note = Notification.objects.filter(
        recipient=people["technician"], topic__startswith="sla."
    ).get()
    assert order.number in note.title and "联系客户" in note.title
    assert note.url == order.get_absolute_url()
    clock.refresh_from_db()
    assert clock.warned_at == later and clock.escalation_level == EscalationLevel.NONE
    entry = AuditEntry.objects.for_object(order).get(action="service.order.sla_warning")
    assert entry.note == "联系客户" and entry.actor is None


def test_svc_7_an_already_overdue_clock_is_not_warned_but_breached(new_order):
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=13))
    only_clock(order, "REQ-5")
    assert sla.sweep() == {"warned": 0, "breached": 1, "escalated": 0}
    assert told(Topic.SLA_WARNING) == []


def test_svc_7_without_a_technician_the_dispatchers_of_the_handling_unit_own_the_deadline(
    new_order, people, org
):
    # given a Hangzhou agent who dispatches, and an order not dispatched yet
    hz_agent = account_services.create_user(
        actor=people["admin"],
        username="hz_kefu",
        password=None,
        roles=["customer_service"],
        org_unit=org["units"]["BR-HZ"],
    )
    order = new_order(received_at=timezone.now() - dt.timedelta(hours=11))
    assert order.org_unit.code == "BR-HZ" and order.technician is None
    assert sla.owners(order) == sorted([people["branch_manager"], hz_agent], key=lambda u: u.pk)
    only_clock(order, "REQ-5")
    # when the dispatch deadline nears
    sla.sweep()
    # then the unit's dispatchers and its manager hear it (once each), not the technician
    assert told(Topic.SLA_WARNING) == ["hz_kefu", "hz_zhuguan"]


def test_svc_7_the_lead_is_the_branch_manager_of_the_nearest_unit_up_the_tree(
    new_order, people, org
):
    order = new_order(org_unit=org["units"]["SC-NB"])  # a service centre under Hangzhou
    assert sla.leads(order) == [people["branch_manager"]]
    assert sla.owners(order) == []  # nobody dispatches in the service centre
    order = dispatched(new_order(org_unit=org["units"]["SC-NB"]), people, "service_centre")
    assert sla.owners(order) == [people["service_centre"]]


def test_svc_7_a_breach_escalates_to_level_1_the_branch_manager_and_the_technician(
    new_order, people
):
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    breach_time = clock.due_at + dt.timedelta(minutes=5)
    assert sla.sweep(now=breach_time) == {"warned": 0, "breached": 1, "escalated": 0}
    clock.refresh_from_db()
    assert clock.breached and clock.breached_at == breach_time
    assert clock.escalation_level == EscalationLevel.BRANCH_MANAGER
    assert clock.next_escalation_at == breach_time + STEP
    assert told(Topic.SLA_ESCALATED) == ["hz_jishi", "hz_zhuguan"]
    # The breach and the first step are one audit row (each step recorded, SVC-7).
    entries = AuditEntry.objects.for_object(order)
    assert not entries.filter(action="service.order.sla_escalated").exists()
    step = entries.get(action="service.order.sla_breached")
    assert "level 1" in step.note and "branch manager" in step.note
    assert step.changes == {
        "sla.SVC-1": [None, clock.due_at.isoformat()],
        "sla.SVC-1.escalation_level": [0, 1],
    }


def test_svc_7_the_ladder_climbs_to_hq_after_sales_then_the_company_manager_at_step_times(
    new_order, people, hq_dispatcher, settings
):
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    t0 = clock.due_at + dt.timedelta(minutes=1)
    sla.sweep(now=t0)  # level 1
    # not yet: the branch has its step to act
    assert sla.sweep(now=t0 + STEP - dt.timedelta(minutes=1))["escalated"] == 0
    # level 2: HQ's after-sales dept
    assert sla.sweep(now=t0 + STEP)["escalated"] == 1
    assert told(Topic.SLA_ESCALATED) == ["fuwubu", "hz_jishi", "hz_zhuguan"]
    clock.refresh_from_db()
    assert clock.escalation_level == EscalationLevel.HQ_SERVICE
    assert clock.next_escalation_at == t0 + 2 * STEP
    # level 3: the company manager; then the ladder ends
    assert sla.sweep(now=t0 + 2 * STEP)["escalated"] == 1
    assert sla.sweep(now=t0 + 50 * STEP)["escalated"] == 0
    assert told(Topic.SLA_ESCALATED) == ["fuwubu", "hz_jishi", "hz_zhuguan", "jingli"]
    clock.refresh_from_db()
    assert clock.escalation_level == EscalationLevel.COMPANY_MANAGER
    assert clock.next_escalation_at is None
    notes = list(
        AuditEntry.objects.for_object(order)
        .filter(action__in=["service.order.sla_breached", "service.order.sla_escalated"])
        .order_by("pk")
        .values_list("note", flat=True)
    )
    assert [n.split("level ")[1][0] for n in notes] == ["1", "2", "3"]


def test_svc_7_the_escalation_step_is_a_setting(new_order, people, settings):
    settings.AFTERSALES_SLA_ESCALATION_STEP_HOURS = 1
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    t0 = clock.due_at + dt.timedelta(minutes=1)
    sla.sweep(now=t0)
    clock.refresh_from_db()
    assert clock.next_escalation_at == t0 + dt.timedelta(hours=1)


def test_svc_7_a_stopped_clock_does_not_escalate(new_order, people, hq_dispatcher):
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    t0 = clock.due_at + dt.timedelta(minutes=1)
    sla.sweep(now=t0)
    # the technician reaches the customer at last: the clock stops (breached)
    services.record_contact(actor=people["technician"], order=order)
    clock.refresh_from_db()
    assert clock.state == ClockState.STOPPED and clock.met is False
    assert clock.next_escalation_at is None
    assert sla.sweep(now=t0 + 3 * STEP) == {"warned": 0, "breached": 0, "escalated": 0}
    assert "fuwubu" not in told()


def test_svc_7_a_paused_clock_does_not_escalate_and_resuming_moves_the_ladder(
    new_order, people, hq_dispatcher
):
    tech = people["technician"]
    order = in_progress(new_order(), people)
    clock = only_clock(order, "SVC-6P")  # the pausable processing clock
    t0 = clock.due_at + dt.timedelta(minutes=1)
    sla.sweep(now=t0)
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    order = services.wait_for_parts(actor=tech, order=order, reason="等配件")
    # paused: the ladder does not climb, however long the wait
    assert sla.sweep(now=t0 + 3 * STEP)["escalated"] == 0
    # two hours of waiting, then work resumes: the next step moves by as much
    OrderClock.objects.filter(pk=clock.pk).update(paused_at=timezone.now() - dt.timedelta(hours=2))
    services.resume_work(actor=tech, order=order)
    resumed = OrderClock.objects.get(pk=clock.pk)
    shift = resumed.next_escalation_at - clock.next_escalation_at
    assert (
        dt.timedelta(hours=2) - dt.timedelta(seconds=5) <= shift <= dt.timedelta(hours=2, seconds=5)
    )
    assert resumed.warn_at - clock.warn_at == shift
    assert sla.sweep(now=resumed.next_escalation_at)["escalated"] == 1
    assert "fuwubu" in told(Topic.SLA_ESCALATED)


def test_svc_7_two_sweeps_at_the_same_time_act_once_per_step(new_order, people, hq_dispatcher):
    """Each step is claimed by a conditional update: a second sweep finds nothing to do."""
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    moments = [
        clock.warn_at + dt.timedelta(minutes=1),  # warning
        clock.due_at + dt.timedelta(minutes=1),  # breach, level 1
    ]
    moments += [moments[1] + STEP, moments[1] + 2 * STEP]  # levels 2 and 3
    for moment in moments:
        first, second = sla.sweep(now=moment), sla.sweep(now=moment)
        assert sum(first.values()) == 1
        assert sum(second.values()) == 0
    per_step = Notification.objects.filter(topic__startswith="sla.").values_list(
        "recipient__username", "topic", "title"
    )
    assert len(per_step) == len(set(per_step)) == 2 + 2 + 1 + 1


def test_svc_7_a_stale_worker_cannot_claim_a_step_already_taken(new_order, people):
    """The second worker listed the clock before the first claimed it: its update misses."""
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    t0 = clock.due_at + dt.timedelta(minutes=1)
    sla.sweep(now=t0)
    # a worker that read level 1 claims level 2; another that also read level 1 then fails
    level_1 = OrderClock.objects.filter(pk=clock.pk, escalation_level=1)
    assert level_1.update(escalation_level=2) == 1
    assert level_1.update(escalation_level=2) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_svc_7_concurrent_sweeps_on_postgresql_notify_once(new_order, people, hq_dispatcher):
    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    moment = clock.due_at + dt.timedelta(minutes=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        from django.db import connections

        try:
            barrier.wait()
            results.append(sla.sweep(now=moment))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["breached"] for r in results) == 1
    assert told(Topic.SLA_ESCALATED) == ["hz_jishi", "hz_zhuguan"]


def test_svc_7_the_task_and_the_command_run_the_whole_sweep(new_order, people, capsys):
    from django.core.management import call_command

    from aftersales.service.tasks import sla_sweep

    order = dispatched(new_order(), people)
    clock = only_clock(order, "SVC-1")
    OrderClock.objects.filter(pk=clock.pk).update(warn_at=timezone.now() - dt.timedelta(minutes=1))
    assert sla_sweep.call() == 1  # the warning
    OrderClock.objects.filter(pk=clock.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("sla_sweep")
    assert "1 newly breached" in capsys.readouterr().out
