"""SLA clocks of service orders (SVC-6, SVC-7, REQ-5, REQ-7, CAL-1, CAL-3).

A policy is chosen once, at intake, deterministically. Each of its rules becomes an
OrderClock when its start event happens; the due time is computed then, on the
business calendar of the order's handling unit, and stored. Later events stop
clocks (met or breached); waiting pauses the pausable ones.

The sweep (SVC-7) acts on running clocks only, each step exactly once even with several
workers: a warning to the owner and their lead when most of the time has passed, the
breach (escalation level 1: the branch manager), then every few hours one level up the
ladder (HQ after-sales dept, then the company manager).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from aftersales.accounts.models import User
from aftersales.audit.services import record
from aftersales.core import calendar as cal
from aftersales.notifications.models import Topic
from aftersales.notifications.services import notify
from aftersales.service.models import (
    ClockState,
    EscalationLevel,
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
    then the lowest id. The default policy matches everything. A quality-problem policy
    (REQ-7) matches only orders marked as a quality problem, and counts as a criterion."""
    tier = order.customer.service_tier or ""
    region_id = order.customer.region_id
    candidates = (
        SlaPolicy.objects.filter(is_active=True)
        .filter(Q(order_type="") | Q(order_type=order.order_type))
        .filter(Q(service_tier="") | Q(service_tier=tier))
        .filter(Q(region__isnull=True) | Q(region_id=region_id))
    )
    if not order.quality_problem:
        candidates = candidates.filter(quality_problem=False)

    def key(policy: SlaPolicy):
        specific = (
            bool(policy.order_type)
            + bool(policy.service_tier)
            + bool(policy.region_id)
            + policy.quality_problem
        )
        return (-specific, policy.is_default, policy.rank, policy.pk)

    ranked = sorted(candidates, key=key)
    return ranked[0] if ranked else None


def _due(order: ServiceOrder, rule: SlaClockRule, start: dt.datetime) -> dt.datetime:
    calendar = cal.get_calendar(order.org_unit, years=[timezone.localtime(start).year])
    amount = rule.amount
    if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
        amount = int(amount)
    return cal.deadline(start, amount, rule.unit, calendar)


def start_clocks(
    order: ServiceOrder, event: str, at: dt.datetime, policy=None, owner=None
) -> list[OrderClock]:
    """Start the clocks of the order's policy that begin with this event. A rule whose
    clock is still running is not started twice; one whose clock stopped starts again (a
    reopened order's new dispatch, a second referred question). ``owner``: whose deadline
    it is, when not the order's technician."""
    policy = policy or (order.sla_policy if order.sla_policy_id else None)
    if policy is None:
        return []
    existing = set(order.clocks.exclude(state=ClockState.STOPPED).values_list("rule_id", flat=True))
    clocks = [
        OrderClock(
            order=order,
            rule_id=rule.rule_id,
            name=rule.name,
            stop_event=rule.stop_event,
            pausable=rule.pausable,
            started_at=at,
            due_at=_due(order, rule, at),
            owner=owner,
        )
        for rule in policy.rules.filter(start_event=event)
        if rule.rule_id not in existing
        and not (rule.stop_event == Event.FORWARDED and order.forwarded_at is None)
    ]
    for clock in clocks:
        clock.warn_at = warn_time(clock.started_at, clock.due_at)
    OrderClock.objects.bulk_create(clocks)
    return clocks


def warn_time(start: dt.datetime, due_at: dt.datetime) -> dt.datetime:
    """SVC-7: the warning comes when AFTERSALES_SLA_WARN_FRACTION of the time has passed."""
    fraction = float(getattr(settings, "AFTERSALES_SLA_WARN_FRACTION", 0.8))
    return start + (due_at - start) * min(max(fraction, 0.0), 1.0)


def stop_clocks(order: ServiceOrder, event: str, at: dt.datetime) -> None:
    """Stop the clocks this event ends: met if in time, breached if late."""
    for clock in order.clocks.filter(stop_event=event).exclude(state=ClockState.STOPPED):
        _stop(clock, at)


def stop_clock(clock: OrderClock, at: dt.datetime) -> None:
    """Stop one clock (REQ-6: the referred question its clock was started for)."""
    if clock.state != ClockState.STOPPED:
        _stop(clock, at)
    refresh_due(clock.order)


def _stop(clock: OrderClock, at: dt.datetime) -> None:
    if clock.state == ClockState.PAUSED and clock.paused_at:
        clock.paused_seconds += int((at - clock.paused_at).total_seconds())
        clock.paused_at = None
    clock.state = ClockState.STOPPED
    clock.stopped_at = at
    clock.breached = clock.breached or at > clock.due_at
    clock.next_escalation_at = None  # a stopped clock escalates no further (SVC-7)
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
    """The paused time is added to the due time (wall-clock) and recorded on the clock;
    the warning and the next escalation move by as much (SVC-7)."""
    for clock in order.clocks.filter(state=ClockState.PAUSED):
        paused = at - clock.paused_at
        clock.paused_seconds += int(paused.total_seconds())
        clock.due_at += paused
        if clock.warn_at:
            clock.warn_at += paused
        if clock.next_escalation_at:
            clock.next_escalation_at += paused
        clock.paused_at = None
        clock.state = ClockState.RUNNING
        clock.save()


def on_action(order: ServiceOrder, action: str, at: dt.datetime) -> None:
    """Called by the services inside the transition's transaction."""
    if action in PAUSING_ACTIONS:
        pause(order, at)
    elif action == "resume":
        resume(order, at)
    elif action in ("cancel", "merge"):
        stop_all(order, at)
    event = ACTION_EVENTS.get(action)
    if event:
        stop_clocks(order, event, at)
        start_clocks(order, event, at)
    refresh_due(order)


# --- the time-limit state of open orders, as the managers' pages count it (SVC-6/7) --------


def due_soon_until(now: dt.datetime) -> dt.datetime:
    """The end of the "due soon" window that starts now (AFTERSALES_DUE_SOON_HOURS)."""
    return now + dt.timedelta(hours=getattr(settings, "AFTERSALES_DUE_SOON_HOURS", 4))


def clock_counts(now: dt.datetime) -> dict:
    """Aggregates to annotate a queryset of open orders with, read from the stored queue
    columns: overdue (next due time passed), due soon (within the window) and breached (a
    limit was breached) — the one definition the time-limit overview and the dashboard
    share."""
    from django.db.models import Count

    soon = due_soon_until(now)
    return {
        "overdue": Count("pk", filter=Q(next_due_at__lt=now)),
        "due_soon": Count("pk", filter=Q(next_due_at__gte=now, next_due_at__lt=soon)),
        "breached": Count("pk", filter=Q(sla_breached=True)),
    }


def refresh_due(order: ServiceOrder) -> None:
    """Copy the clocks' state to the order's queue columns: the earliest due time of the
    running clocks (None when none runs) and whether any clock breached. One aggregate
    over the order's few clocks, on writes only — page views read the columns."""
    from django.db.models import Max, Min

    facts = order.clocks.aggregate(
        next_due=Min("due_at", filter=Q(state=ClockState.RUNNING)),
        breached=Max(Case(When(breached=True, then=1), default=0)),
    )
    next_due, breached = facts["next_due"], bool(facts["breached"])
    if (order.next_due_at, order.sla_breached) != (next_due, breached):
        ServiceOrder.objects.filter(pk=order.pk).update(next_due_at=next_due, sla_breached=breached)
        order.next_due_at, order.sla_breached = next_due, breached
        # The dashboard's overdue and breached figures read these columns.
        from aftersales.service.dashboard import orders_changed

        orders_changed()


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """SVC-7, the one entry point of the task and the command: warnings, breaches, the
    ladder. Returns how many clocks each step acted on."""
    now = now or timezone.now()
    return {
        "warned": send_warnings(now),
        "breached": sweep_breaches(now),
        "escalated": escalate(now),
    }


SWEEP_BATCH = 1000


def sweep_breaches(now: dt.datetime | None = None) -> int:
    """Mark running clocks past their due time as breached, once each (SVC-7), and escalate
    them to level 1: the owner and their branch manager are told.

    Each clock is claimed by a conditional update, so two sweeps running at once
    never both act on it. Returns how many clocks this sweep marked.
    """
    now = now or timezone.now()
    due = OrderClock.objects.filter(
        state=ClockState.RUNNING, breached=False, due_at__lt=now
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(due[:SWEEP_BATCH]):
        with transaction.atomic():
            claimed = OrderClock.objects.filter(
                pk=pk, state=ClockState.RUNNING, breached=False
            ).update(
                breached=True,
                breached_at=now,
                escalation_level=EscalationLevel.BRANCH_MANAGER,
                next_escalation_at=now + _escalation_step(),
            )
            if not claimed:
                continue  # another worker took it
            clock = _clock(pk)
            record(
                clock.order,
                "service.order.sla_breached",
                actor=None,
                before={f"sla.{clock.rule_id}": None},
                after={f"sla.{clock.rule_id}": clock.due_at.isoformat()},
                note=clock.name,
            )
            _escalated(clock, EscalationLevel.NONE, EscalationLevel.BRANCH_MANAGER)
            refresh_due(clock.order)
            marked += 1
    return marked


def send_warnings(now: dt.datetime | None = None) -> int:
    """SVC-7: running clocks past their warning time and not yet due warn the owner and
    their lead, once each. Returns how many clocks this sweep warned about."""
    now = now or timezone.now()
    due = OrderClock.objects.filter(
        state=ClockState.RUNNING,
        breached=False,
        warned_at__isnull=True,
        warn_at__lte=now,
        due_at__gt=now,
    ).values_list("pk", flat=True)
    warned = 0
    for pk in list(due[:SWEEP_BATCH]):
        with transaction.atomic():
            claimed = OrderClock.objects.filter(
                pk=pk, state=ClockState.RUNNING, warned_at__isnull=True
            ).update(warned_at=now)
            if not claimed:
                continue
            clock = _clock(pk)
            order = clock.order
            record(
                order,
                "service.order.sla_warning",
                actor=None,
                before={f"sla.{clock.rule_id}.warned_at": None},
                after={f"sla.{clock.rule_id}.warned_at": now.isoformat()},
                note=clock.name,
            )
            notify(
                [*clock_owners(clock), *leads(order)],
                topic=Topic.SLA_WARNING,
                title=_text(WARNING_TITLE, **_params(clock)),
                body=_text(WARNING_BODY, **_params(clock)),
                url=order.get_absolute_url(),
            )
            warned += 1
    return warned


def escalate(now: dt.datetime | None = None) -> int:
    """SVC-7: breached clocks still running at their next escalation time go one level up
    the ladder (HQ after-sales dept, then the company manager), once per level."""
    now = now or timezone.now()
    due = OrderClock.objects.filter(
        state=ClockState.RUNNING, next_escalation_at__lte=now
    ).values_list("pk", "escalation_level")
    escalated = 0
    for pk, level in list(due[:SWEEP_BATCH]):
        new_level = min(level + 1, EscalationLevel.COMPANY_MANAGER)
        last = new_level == EscalationLevel.COMPANY_MANAGER
        with transaction.atomic():
            claimed = OrderClock.objects.filter(
                pk=pk,
                state=ClockState.RUNNING,
                escalation_level=level,
                next_escalation_at__lte=now,
            ).update(
                escalation_level=new_level,
                next_escalation_at=None if last else now + _escalation_step(),
            )
            if not claimed or new_level == level:
                continue
            _escalated(_clock(pk), level, new_level)
            escalated += 1
    return escalated


# --- who is told (SVC-7) ------------------------------------------------------------
def dispatchers(unit) -> list[User]:
    """The active people of this unit who dispatch its orders."""
    if unit is None:
        return []
    members = User.objects.filter(is_active=True, org_unit=unit)
    return list(members.with_permission("service.dispatch_serviceorder").order_by("pk"))


def owners(order: ServiceOrder) -> list[User]:
    """Who owns the order's deadline: its technician; before dispatch (or when the
    technician has left), the dispatchers of the handling unit."""
    if order.technician_id and order.technician.is_active:
        return [order.technician]
    return dispatchers(order.org_unit)


def clock_owners(clock: OrderClock) -> list[User]:
    """The clock's own owner (REQ-6: the person a question was referred to), else the
    order's owners."""
    if clock.owner_id and clock.owner.is_active:
        return [clock.owner]
    return owners(clock.order)


def leads(order: ServiceOrder) -> list[User]:
    """The branch managers of the handling unit, or of its nearest parent that has one."""
    unit, seen = order.org_unit, set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        found = list(
            User.objects.filter(is_active=True, org_unit=unit, groups__name="branch_manager")
            .distinct()
            .order_by("pk")
        )
        if found:
            return found
        unit = unit.parent
    return []


def hq_service_staff() -> list[User]:
    """ORG-4: the dispatchers of HQ's after-sales department."""
    from aftersales.service.services import escalation_unit  # services imports this module

    return dispatchers(escalation_unit())


def company_managers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name="company_manager")
        .distinct()
        .order_by("pk")
    )


def ladder_recipients(clock: OrderClock, level: int) -> list[User]:
    """Level 1 tells the owner and the lead; levels 2 and 3 the next level up."""
    order = clock.order
    if level == EscalationLevel.BRANCH_MANAGER:
        return [*leads(order), *clock_owners(clock)]
    if level == EscalationLevel.HQ_SERVICE:
        return hq_service_staff()
    if level == EscalationLevel.COMPANY_MANAGER:
        return company_managers()
    return []


# --- the messages (each recipient reads them in their own language) -----------------
WARNING_TITLE = gettext_noop("Deadline soon: %(order)s · %(clock)s")
WARNING_BODY = gettext_noop(
    "%(clock)s of service order %(order)s (%(customer)s) is due at %(due)s."
)
ESCALATED_TITLE = gettext_noop("Overdue, escalation level %(level)s: %(order)s · %(clock)s")
ESCALATED_BODY = gettext_noop(
    "%(clock)s of service order %(order)s (%(customer)s) was due at %(due)s and is still "
    "open. Escalation level %(level)s: %(role)s."
)
ESCALATED_NOTE = gettext_noop("%(clock)s: escalation level %(level)s (%(role)s)")


def _text(template: str, **params):
    """A message translated when it is read out, i.e. in the recipient's language."""
    return lambda: gettext(template) % params


def _params(clock: OrderClock, level: int | None = None) -> dict:
    params = {
        "order": clock.order.number,
        "clock": clock.name,
        "customer": clock.order.customer.name,
        "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    if level is not None:
        params.update(level=level, role=EscalationLevel(level).label)
    return params


def _escalated(clock: OrderClock, old_level: int, new_level: int) -> None:
    """Record one step of the ladder and tell its people (inside the claim's transaction)."""
    order = clock.order
    params = _params(clock, new_level)
    record(
        order,
        "service.order.sla_escalated",
        actor=None,
        before={f"sla.{clock.rule_id}.escalation_level": old_level},
        after={f"sla.{clock.rule_id}.escalation_level": new_level},
        note=gettext(ESCALATED_NOTE) % params,
    )
    notify(
        ladder_recipients(clock, new_level),
        topic=Topic.SLA_ESCALATED,
        title=_text(ESCALATED_TITLE, **params),
        body=_text(ESCALATED_BODY, **params),
        url=order.get_absolute_url(),
    )


def _escalation_step() -> dt.timedelta:
    hours = float(getattr(settings, "AFTERSALES_SLA_ESCALATION_STEP_HOURS", 4))
    return dt.timedelta(hours=hours)


def _clock(pk: int) -> OrderClock:
    return OrderClock.objects.select_related(
        "order__technician", "order__org_unit", "order__customer", "owner"
    ).get(pk=pk)
