"""SLA clocks of service orders (SVC-6, SVC-7, REQ-5, REQ-7, CAL-1, CAL-3).

A policy is chosen once, at intake, deterministically. Each of its rules becomes an
OrderClock when its start event happens; the due time is computed then, on the
business calendar of the order's handling unit, and stored. Later events stop
clocks (met or breached); waiting pauses the pausable ones. The sweep marks
overdue running clocks as breached, each exactly once, even with several workers.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aftersales.audit.services import record
from aftersales.core import calendar as cal
from aftersales.service.models import (
    ClockState,
    Event,
    OrderClock,
    ServiceOrder,
    SlaClockRule,
    SlaPolicy,
)

# The workflow action that makes each event happen.
ACTION_EVENTS = {
    "dispatch": Event.DISPATCHED,
    "contact": Event.CONTACTED,
    "plan": Event.PLANNED,
    "start": Event.STARTED,
    "complete": Event.COMPLETED,
    "close": Event.CLOSED,
}
PAUSING_ACTIONS = {"wait_parts", "wait_customer"}


def select_policy(order: ServiceOrder) -> SlaPolicy | None:
    """The active policy matching the order with the most criteria; then the lowest rank,
    then the lowest id. The default policy matches everything."""
    tier = order.customer.service_tier or ""
    region_id = order.customer.region_id
    candidates = (
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(order_type="") | Q(order_type=order.order_type))
        .filter(Q(service_tier="") | Q(service_tier=tier))
        .filter(Q(region__isnull=True) | Q(region_id=region_id))
    )

    def key(policy: SlaPolicy):
        specific = bool(policy.order_type) + bool(policy.service_tier) + bool(policy.region_id)
        return (-specific, policy.is_default, policy.rank, policy.pk)

    ranked = sorted(candidates, key=key)
    return ranked[0] if ranked else None


def _due(order: ServiceOrder, rule: SlaClockRule, start: dt.datetime) -> dt.datetime:
    calendar = cal.get_calendar(order.org_unit, years=[timezone.localtime(start).year])
    amount = rule.amount
    if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
        amount = int(amount)
    return cal.deadline(start, amount, rule.unit, calendar)


def start_clocks(order: ServiceOrder, event: str, at: dt.datetime, policy=None) -> list[OrderClock]:
    """Start the clocks of the order's policy that begin with this event."""
    policy = policy or (order.sla_policy if order.sla_policy_id else None)
    if policy is None:
        return []
    existing = set(order.clocks.values_list("rule_id", flat=True))
    clocks = [
        OrderClock(
            order=order,
            rule_id=rule.rule_id,
            name=rule.name,
            stop_event=rule.stop_event,
            pausable=rule.pausable,
            started_at=at,
            due_at=_due(order, rule, at),
        )
        for rule in policy.rules.filter(start_event=event)
        if rule.rule_id not in existing
    ]
    OrderClock.objects.bulk_create(clocks)
    return clocks


def stop_clocks(order: ServiceOrder, event: str, at: dt.datetime) -> None:
    """Stop the clocks this event ends: met if in time, breached if late."""
    for clock in order.clocks.filter(stop_event=event).exclude(state=ClockState.STOPPED):
        _stop(clock, at)


def _stop(clock: OrderClock, at: dt.datetime) -> None:
    if clock.state == ClockState.PAUSED and clock.paused_at:
        clock.paused_seconds += int((at - clock.paused_at).total_seconds())
        clock.paused_at = None
    clock.state = ClockState.STOPPED
    clock.stopped_at = at
    clock.breached = clock.breached or at > clock.due_at
    clock.save()


def stop_all(order: ServiceOrder, at: dt.datetime) -> None:
    """A cancelled order's clocks stop where they are."""
    for clock in order.clocks.exclude(state=ClockState.STOPPED):
        _stop(clock, at)


def pause(order: ServiceOrder, at: dt.datetime) -> None:
    """CAL-3: waiting for parts or the customer pauses the clocks allowed to pause."""
    order.clocks.filter(state=ClockState.RUNNING, pausable=True).update(
        state=ClockState.PAUSED, paused_at=at
    )


def resume(order: ServiceOrder, at: dt.datetime) -> None:
    """The paused time is added to the due time (wall-clock) and recorded on the clock."""
    for clock in order.clocks.filter(state=ClockState.PAUSED):
        paused = at - clock.paused_at
        clock.paused_seconds += int(paused.total_seconds())
        clock.due_at += paused
        clock.paused_at = None
        clock.state = ClockState.RUNNING
        clock.save()


def on_action(order: ServiceOrder, action: str, at: dt.datetime) -> None:
    """Called by the services inside the transition's transaction."""
    if action in PAUSING_ACTIONS:
        pause(order, at)
    elif action == "resume":
        resume(order, at)
    elif action == "cancel":
        stop_all(order, at)
    event = ACTION_EVENTS.get(action)
    if event:
        stop_clocks(order, event, at)
        start_clocks(order, event, at)


def sweep_breaches(now: dt.datetime | None = None) -> int:
    """Mark running clocks past their due time as breached, once each (SVC-7).

    Each clock is claimed by a conditional update, so two sweeps running at once
    never both act on it. Returns how many clocks this sweep marked.
    """
    now = now or timezone.now()
    due = OrderClock.objects.filter(
        state=ClockState.RUNNING, breached=False, due_at__lt=now
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            claimed = OrderClock.objects.filter(pk=pk, breached=False).update(
                breached=True, breached_at=now
            )
            if not claimed:
                continue  # another worker took it
            clock = OrderClock.objects.select_related("order").get(pk=pk)
            record(
                clock.order,
                "service.order.sla_breached",
                actor=None,
                before={f"sla.{clock.rule_id}": None},
                after={f"sla.{clock.rule_id}": clock.due_at.isoformat()},
                note=clock.name,
            )
            marked += 1
    return marked
