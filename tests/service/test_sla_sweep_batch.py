"""The SLA sweep a batch at a time (SVC-7, issue 7: ≤ 2 s over a million orders with 1 %
due): the same steps, audit rows and messages as one clock at a time, in a number of
queries that does not grow with the number of clocks due."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.notifications.models import Notification, Topic
from aftersales.service import sla
from aftersales.service.models import ClockState, OrderClock, ServiceOrder
from tests.service.conftest import dispatched

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _orders(new_order, n: int) -> list[ServiceOrder]:
    return [new_order() for _ in range(n)]


def _req5(orders) -> list[OrderClock]:
    return list(OrderClock.objects.filter(order__in=orders, rule_id="REQ-5"))


def _queries(step, now) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = step(now)
    return len(captured.captured_queries), result


def test_svc_7_issue_7_sweeping_20_due_clocks_takes_as_many_queries_as_sweeping_1(new_order):
    """SVC-7, issue 7: breaching N clocks (claim, audit, level-1 messages, the orders' queue
    columns) is a constant number of statements, not ~11 per clock."""
    now = timezone.now() + MINUTE
    sla.sweep(now)  # content types and the like are cached by the first sweep of a process
    one, twenty = _orders(new_order, 1), _orders(new_order, 20)
    OrderClock.objects.filter(order__in=one, rule_id="REQ-5").update(due_at=now - MINUTE)
    sla.refresh_due_many(list(ServiceOrder.objects.filter(pk__in=[o.pk for o in one])))
    single, marked = _queries(sla.sweep_breaches, now)
    assert marked == 1
    OrderClock.objects.filter(order__in=twenty, rule_id="REQ-5").update(due_at=now - MINUTE)
    # The orders' queue columns follow their clocks, as every clock write keeps them.
    sla.refresh_due_many(list(ServiceOrder.objects.filter(pk__in=[o.pk for o in twenty])))
    many, marked = _queries(sla.sweep_breaches, now)
    assert marked == 20
    assert many == single, f"1 clock: {single} queries, 20 clocks: {many}"

    # …and each clock got exactly what the one-at-a-time sweep gave it (SVC-7).
    for clock in _req5(twenty):
        assert clock.breached and clock.breached_at == now and clock.state == ClockState.RUNNING
        assert clock.escalation_level == 1
        assert clock.next_escalation_at == now + sla._escalation_step()
    audit = Counter(
        AuditEntry.objects.filter(object_id__in=[str(o.pk) for o in twenty]).values_list(
            "object_id", "action"
        )
    )
    for order in twenty:
        # The breach is the first escalation step: one row records both.
        assert audit[(str(order.pk), "service.order.sla_breached")] == 1
        assert audit[(str(order.pk), "service.order.sla_escalated")] == 0
    breached = AuditEntry.objects.filter(
        object_id=str(twenty[0].pk), action="service.order.sla_breached"
    ).get()
    clock = _req5(twenty[:1])[0]
    assert breached.note.startswith(f"{clock.name}: ") and "level 1" in breached.note
    assert breached.changes == {
        "sla.REQ-5": [None, clock.due_at.isoformat()],
        "sla.REQ-5.escalation_level": [0, 1],
    }
    # the orders' queue columns: breached, and the next due time of the clocks still due
    for order in ServiceOrder.objects.filter(pk__in=[o.pk for o in twenty]):
        running = OrderClock.objects.filter(order=order, state=ClockState.RUNNING)
        assert order.sla_breached is True
        assert order.next_due_at == min(c.due_at for c in running)
    # the owner (the unit's dispatchers before dispatch) and the lead told once per order
    told = Counter(
        Notification.objects.filter(topic=Topic.SLA_ESCALATED).values_list("url", "recipient")
    )
    for order in twenty:
        expected = {u.pk for u in sla.ladder_recipients(_req5([order])[0], 1)}
        got = {r for (url, r) in told if url == order.get_absolute_url()}
        assert expected and got == expected
    assert set(told.values()) == {1}


def test_svc_7_issue_7_warnings_and_the_ladder_also_take_a_constant_number_of_queries(
    new_order, org
):
    """SVC-7, issue 7: the warning step and the escalation step, 1 clock vs 20."""
    now = timezone.now() + MINUTE
    sla.sweep(now)
    one, twenty = _orders(new_order, 1), _orders(new_order, 20)
    counts = {}
    for label, orders in (("one", one), ("twenty", twenty)):
        OrderClock.objects.filter(order__in=orders, rule_id="REQ-5").update(
            warn_at=now - MINUTE, due_at=now + dt.timedelta(hours=1)
        )
        warn, warned = _queries(sla.send_warnings, now)
        assert warned == len(orders)
        OrderClock.objects.filter(order__in=orders, rule_id="REQ-5").update(
            due_at=now - dt.timedelta(hours=6),
            breached=True,
            breached_at=now - dt.timedelta(hours=6),
            escalation_level=1,
            next_escalation_at=now - MINUTE,
        )
        ladder, escalated = _queries(sla.escalate, now)
        assert escalated == len(orders)
        counts[label] = (warn, ladder)
    assert counts["one"] == counts["twenty"], counts
    assert set(
        OrderClock.objects.filter(order__in=twenty, rule_id="REQ-5").values_list(
            "escalation_level", flat=True
        )
    ) == {2}
    assert Notification.objects.filter(topic=Topic.SLA_WARNING).exists()
    assert (
        AuditEntry.objects.filter(action="service.order.sla_warning").count() == 21
    )  # one per clock


def test_svc_7_the_batch_tells_the_same_people_as_one_clock_at_a_time(new_order, people, org):
    """SVC-7: the recipients read for a whole batch are those of ``leads``,
    ``clock_owners`` and ``ladder_recipients`` for each clock (a service centre without a
    manager or dispatcher, a branch's undispatched order, a referred question's owner)."""
    orders = [
        new_order(),
        new_order(org_unit=org["units"]["SC-NB"]),
        dispatched(new_order(), people),
        dispatched(new_order(org_unit=org["units"]["SC-NB"]), people, "service_centre"),
    ]
    clocks = list(
        OrderClock.objects.filter(order__in=orders, state=ClockState.RUNNING).select_related(
            "order__technician", "order__org_unit", "order__customer", "owner"
        )
    )
    clocks[0].owner = people["finance"]
    people_ = sla._People(clocks)
    for clock in clocks:
        assert people_.leads(clock.order) == sla.leads(clock.order)
        assert people_.clock_owners(clock) == sla.clock_owners(clock)
        assert people_.url(clock.order) == clock.order.get_absolute_url()
        for level in (1, 2, 3):
            assert people_.ladder(clock, level) == sla.ladder_recipients(clock, level)


def test_svc_7_a_clock_moved_on_while_the_sweep_waited_for_its_order_is_not_acted_on(
    new_order, monkeypatch
):
    """SVC-7: the sweep picks its clocks, then waits for their orders' locks; a transition
    that held one (a resume moves the due and warning times on) and committed meanwhile
    leaves a clock that is no longer due: the claim checks the times again, once locked."""
    now = timezone.now() + MINUTE
    sla.sweep(now)
    order = new_order()
    clocks = OrderClock.objects.filter(order=order, rule_id="REQ-5")
    lock = sla._lock_orders

    def lock_after_a_resume(candidates):
        clocks.update(due_at=now + dt.timedelta(hours=2), warn_at=now + dt.timedelta(hours=1))
        return lock(candidates)

    monkeypatch.setattr(sla, "_lock_orders", lock_after_a_resume)
    clocks.update(due_at=now - MINUTE)
    assert sla.sweep_breaches(now) == 0
    clocks.update(due_at=now + dt.timedelta(hours=1), warn_at=now - MINUTE)
    assert sla.send_warnings(now) == 0
    clock = clocks.get()
    assert not clock.breached and clock.warned_at is None and clock.escalation_level == 0
    assert not AuditEntry.objects.filter(
        object_id=str(order.pk), action__startswith="service.order.sla_"
    ).exists()
    assert not Notification.objects.filter(url=order.get_absolute_url()).exists()
