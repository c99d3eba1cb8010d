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
import functools

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Case, Q, When
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from aftersales.accounts.models import User
from aftersales.audit.services import Target, record_many
from aftersales.core import calendar as cal
from aftersales.core.process_cache import KeptValues
from aftersales.notifications.models import Topic
from aftersales.notifications.services import Translated, notify_many
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
    # The active policies with their rules, from this process's cache (issue 7; below).
    candidates = [
        policy
        for policy in active_policies()
        if policy.order_type in ("", order.order_type)
        and policy.service_tier in ("", tier)
        and (policy.region_id is None or policy.region_id == region_id)
        and (order.quality_problem or not policy.quality_problem)
    ]

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


# --- the per-process policy cache (issue 7) ----------------------------------------------
# Every intake chooses a policy and reads its rules: two queries for a few rows that change
# only when an administrator edits a policy. ``active_policies`` keeps them in this process
# (core/process_cache.KeptValues, as the calendars): dropped in every process once a policy
# or rule write commits (the model signals connected in ServiceConfig.ready call
# ``policies_changed``), bypassed inside a transaction that changed one and has not
# committed, and expiring after AFTERSALES_CALENDAR_CACHE_TTL seconds (0 turns it off).

kept_policies = KeptValues("sla_policies", "AFTERSALES_CALENDAR_CACHE_TTL")


def policies_changed(*_args, **_kwargs) -> None:
    """A policy or a rule changed: the cached policies are dropped once the write commits
    (at once outside a transaction). Signature of a signal receiver."""
    kept_policies.changed()


def active_policies() -> list[SlaPolicy]:
    """The active policies, their rules prefetched, from this process's cache while no
    policy write has committed since they were read (see above). Shared: read them, never
    change them."""
    return kept_policies.get(
        "active",
        lambda: list(SlaPolicy.objects.filter(is_active=True).prefetch_related("rules")),
        using=SlaPolicy.objects.db,
    )


def _due(order: ServiceOrder, rule: SlaClockRule, start: dt.datetime, calendar=None) -> dt.datetime:
    # CAL-1: the calendar of the order's unit, from the per-process cache (issue 7).
    if calendar is None:
        calendar = cal.cached_calendar(order.org_unit, years=[timezone.localtime(start).year])
    amount = rule.amount
    if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
        amount = int(amount)
    return cal.deadline(start, amount, rule.unit, calendar)


def start_clocks(
    order: ServiceOrder,
    event: str,
    at: dt.datetime,
    policy=None,
    owner=None,
    *,
    new_order: bool = False,
) -> list[OrderClock]:
    """Start the clocks of the order's policy that begin with this event. A rule whose
    clock is still running is not started twice; one whose clock stopped starts again (a
    reopened order's new dispatch, a second referred question). ``owner``: whose deadline
    it is, when not the order's technician. ``new_order``: the order was just created in
    this transaction, so it has no clock yet (one query less at intake, issue 7)."""
    policy = policy or (order.sla_policy if order.sla_policy_id else None)
    if policy is None:
        return []
    existing = (
        set()
        if new_order
        else set(order.clocks.exclude(state=ClockState.STOPPED).values_list("rule_id", flat=True))
    )
    clocks = _new_clocks(order, event, at, policy, owner, existing)
    OrderClock.objects.bulk_create(clocks)
    return clocks


def _new_clocks(order, event, at, policy, owner=None, existing=frozenset()) -> list[OrderClock]:
    """The clocks (not saved) of the policy's rules that start with this event."""
    # The policy's few rules, filtered here: a caller may have prefetched them (intake does,
    # before its transaction) — then no query at all.
    rules = [
        rule
        for rule in policy.rules.all()
        if rule.start_event == event
        and rule.rule_id not in existing
        and not (rule.stop_event == Event.FORWARDED and order.forwarded_at is None)
    ]
    # One calendar for all the clocks (CAL-1), not one load per clock.
    calendar = (
        cal.cached_calendar(order.org_unit, years=[timezone.localtime(at).year]) if rules else None
    )
    clocks = [
        OrderClock(
            order=order,
            rule_id=rule.rule_id,
            name=rule.name,
            stop_event=rule.stop_event,
            pausable=rule.pausable,
            started_at=at,
            due_at=_due(order, rule, at, calendar),
            owner=owner,
        )
        for rule in rules
    ]
    for clock in clocks:
        clock.warn_at = warn_time(clock.started_at, clock.due_at)
    return clocks


def new_order_clocks(order: ServiceOrder, received_at: dt.datetime) -> list[OrderClock]:
    """Intake (issue 7): what start_clocks at RECEIVED, stop_clocks at FORWARDED (when the
    order was forwarded, REQ-3) and refresh_due would make of an order not written yet —
    its clocks, built, and its queue columns, set — so that the order's one INSERT carries
    the columns (no aggregate read back, no UPDATE). Save the clocks with
    ``OrderClock.objects.bulk_create`` right after the order."""
    policy = order.sla_policy if order.sla_policy_id else None
    clocks = _new_clocks(order, Event.RECEIVED, received_at, policy) if policy else []
    if order.forwarded_at is not None:
        for clock in clocks:
            if clock.stop_event == Event.FORWARDED:
                _stopped(clock, order.forwarded_at)
    running = [c.due_at for c in clocks if c.state == ClockState.RUNNING]
    order.next_due_at = min(running) if running else None
    order.sla_breached = any(c.breached for c in clocks)
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
    _stopped(clock, at)
    clock.save()


def _stopped(clock: OrderClock, at: dt.datetime) -> None:
    """The clock stopped at ``at`` (not saved)."""
    if clock.state == ClockState.PAUSED and clock.paused_at:
        clock.paused_seconds += int((at - clock.paused_at).total_seconds())
        clock.paused_at = None
    clock.state = ClockState.STOPPED
    clock.stopped_at = at
    clock.breached = clock.breached or at > clock.due_at
    clock.next_escalation_at = None  # a stopped clock escalates no further (SVC-7)


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

    A batch of clocks is claimed by one conditional update that returns the clocks it
    changed, so two sweeps running at once never both act on one; then the batch is
    audited, notified and its orders refreshed in a constant number of statements (issue
    7). Returns how many clocks this sweep marked.
    """
    now = now or timezone.now()
    # In the order of the clock_sweep index (the earliest due first): PostgreSQL then reads
    # the index up to the batch, where without an order it may scan the whole table, taking
    # the running clocks past due for many (its estimate counts the stopped clocks' past
    # due times; issue 7).
    due = (
        OrderClock.objects.filter(state=ClockState.RUNNING, breached=False, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", "order_id")
    )
    candidates = list(due[:SWEEP_BATCH])
    if not candidates:
        return 0
    with transaction.atomic():
        orders = _lock_orders([order for _pk, order in candidates])
        clocks = _claim(
            [pk for pk, _order in candidates],
            # Still due once the orders are locked: a transition that resumed the clock
            # (its due time moved on) may have committed in between.
            Q(state=ClockState.RUNNING, breached=False, due_at__lt=now),
            orders,
            breached=True,
            breached_at=now,
            escalation_level=EscalationLevel.BRANCH_MANAGER,
            next_escalation_at=now + _escalation_step(),
        )
        if not clocks:
            return 0  # other workers took them
        people = _People(clocks)
        entries, messages = [], []
        for clock in clocks:
            # The breach is the ladder's first step: one audit row records both (issue 7:
            # a sweep of ten thousand breaches writes ten thousand rows, not twenty).
            _escalated(
                clock,
                EscalationLevel.NONE,
                EscalationLevel.BRANCH_MANAGER,
                people,
                entries,
                messages,
                breached=True,
            )
        record_many(entries)
        notify_many(messages)
        _mark_breached({clock.order.pk: clock.order for clock in clocks}.values())
    return len(clocks)


def _mark_breached(orders) -> None:
    """The queue columns after a breach: the order has a breached clock now; its next due
    time stays (the clock runs on, due when it was), so only ``sla_breached`` is written,
    and only where it changes — on PostgreSQL a HOT update, no index touched (issue 7)."""
    changed = [order for order in orders if not order.sla_breached]
    if not changed:
        return
    ServiceOrder.objects.filter(pk__in=[order.pk for order in changed]).update(sla_breached=True)
    for order in changed:
        order.sla_breached = True
    from aftersales.service.dashboard import orders_changed

    orders_changed()


def send_warnings(now: dt.datetime | None = None) -> int:
    """SVC-7: running clocks past their warning time and not yet due warn the owner and
    their lead, once each (claimed and told a batch at a time, as the breaches). Returns how
    many clocks this sweep warned about."""
    now = now or timezone.now()
    # In the order of the clock_warn_sweep index (the earliest first), for the reason above.
    due = (
        OrderClock.objects.filter(
            state=ClockState.RUNNING,
            breached=False,
            warned_at__isnull=True,
            warn_at__lte=now,
            due_at__gt=now,
        )
        .order_by("state", "breached", "warned_at", "warn_at")
        .values_list("pk", "order_id")
    )
    candidates = list(due[:SWEEP_BATCH])
    if not candidates:
        return 0
    with transaction.atomic():
        orders = _lock_orders([order for _pk, order in candidates])
        clocks = _claim(
            [pk for pk, _order in candidates],
            Q(
                state=ClockState.RUNNING,
                breached=False,
                warned_at__isnull=True,
                warn_at__lte=now,
                due_at__gt=now,
            ),
            orders,
            warned_at=now,
        )
        if not clocks:
            return 0
        people = _People(clocks)
        entries, messages = [], []
        for clock in clocks:
            order = clock.order
            params = _params(clock, people.tz)
            entries.append(
                {
                    "obj": order.target,
                    "action": "service.order.sla_warning",
                    "actor": None,
                    "before": {f"sla.{clock.rule_id}.warned_at": None},
                    "after": {f"sla.{clock.rule_id}.warned_at": now.isoformat()},
                    "note": clock.name,
                }
            )
            messages.append(
                {
                    "recipients": [*people.clock_owners(clock), *people.leads(order)],
                    "topic": Topic.SLA_WARNING,
                    "title": Translated(WARNING_TITLE, params),
                    "body": Translated(WARNING_BODY, params),
                    "url": people.url(order),
                }
            )
        record_many(entries)
        notify_many(messages)
    return len(clocks)


def escalate(now: dt.datetime | None = None) -> int:
    """SVC-7: breached clocks still running at their next escalation time go one level up
    the ladder (HQ after-sales dept, then the company manager), once per level."""
    now = now or timezone.now()
    due = OrderClock.objects.filter(
        state=ClockState.RUNNING, next_escalation_at__lte=now
    ).values_list("pk", "order_id", "escalation_level")
    by_level: dict[int, list[int]] = {}
    order_ids = []
    for pk, order_id, level in list(due[:SWEEP_BATCH]):
        by_level.setdefault(level, []).append(pk)
        order_ids.append(order_id)
    if not by_level:
        return 0
    with transaction.atomic():
        orders = _lock_orders(order_ids)
        steps = []  # (clock, old level, new level)
        for level, candidates in sorted(by_level.items()):
            new_level = min(level + 1, EscalationLevel.COMPANY_MANAGER)
            last = new_level == EscalationLevel.COMPANY_MANAGER
            claimed = _claim(
                candidates,
                Q(state=ClockState.RUNNING, escalation_level=level, next_escalation_at__lte=now),
                orders,
                escalation_level=new_level,
                next_escalation_at=None if last else now + _escalation_step(),
            )
            if new_level != level:
                steps.extend((clock, level, new_level) for clock in claimed)
        if not steps:
            return 0
        steps.sort(key=lambda step: (step[0].due_at, step[0].pk))
        clocks = [clock for clock, _old, _new in steps]
        people = _People(clocks)
        entries, messages = [], []
        for clock, old_level, new_level in steps:
            _escalated(clock, old_level, new_level, people, entries, messages)
        record_many(entries)
        notify_many(messages)
    return len(clocks)


class _Order:
    """What the sweep reads of a locked order (``_lock_orders``), as plain attributes: a
    batch is a thousand orders, and building a thousand model instances cost more than the
    batch's SQL (issue 7). ``target`` names it in the audit rows."""

    __slots__ = (
        "pk",
        "number",
        "org_unit_id",
        "technician_id",
        "technician",
        "sla_breached",
        "customer_name",
        "target",
    )

    def __init__(self, pk, number, org_unit_id, technician_id, sla_breached, customer_name):
        self.pk, self.number, self.org_unit_id = pk, number, org_unit_id
        self.technician_id, self.technician = technician_id, None
        self.sla_breached, self.customer_name = sla_breached, customer_name
        self.target = Target(ServiceOrder, pk, number)


class _Clock:
    """What the sweep reads of a claimed clock (``_claim``), with its ``_Order`` and its
    owner: the attributes ``_People`` and the messages read, as on an ``OrderClock``."""

    __slots__ = ("pk", "order_id", "rule_id", "name", "due_at", "owner_id", "owner", "order")

    def __init__(self, pk, order_id, rule_id, name, due_at, owner_id):
        self.pk, self.order_id, self.rule_id, self.name = pk, order_id, rule_id, name
        self.due_at, self.owner_id, self.owner, self.order = due_at, owner_id, None, None


def _lock_orders(order_ids: list[int]) -> dict[int, _Order]:
    """Lock the candidate clocks' orders (``order_ids``) first, in id order: a transition
    locks its order, then changes its clocks, and so does the sweep, so a batch never
    deadlocks with a transition or another sweep (PostgreSQL; SQLite's IMMEDIATE
    transactions have one writer at a time). Returns the orders by id, with what the steps
    read of them and of their customers, as they are once locked (issue 7: read here, not
    once more with the clocks)."""
    orders = (
        ServiceOrder.objects.filter(pk__in=set(order_ids))
        .order_by("pk")
        .values_list(
            "pk", "number", "org_unit_id", "technician_id", "sla_breached", "customer__name"
        )
    )
    features = connections[OrderClock.objects.db].features
    if features.has_select_for_update:
        # The orders only: their customers are read, not locked.
        of = ("self",) if features.has_select_for_update_of else ()
        orders = orders.select_for_update(of=of)
    return {row[0]: _Order(*row) for row in orders}


# What a claim returns of each clock it changed (``_Clock``'s arguments).
CLAIMED = ("id", "order_id", "rule_id", "name", "due_at", "owner_id")


def _claim(candidates: list[int], still: Q, orders: dict[int, _Order], **values) -> list[_Clock]:
    """Set ``values`` on those of the candidate clocks that still match ``still``, in one
    UPDATE … RETURNING (SQLite ≥ 3.35 and PostgreSQL): the clocks this caller changed,
    earliest due first, with their ``orders`` (``_lock_orders``) and their people (one
    query). A concurrent sweep's update of the same rows waits for this one's transaction
    and then no longer matches, so each clock is claimed by exactly one sweep."""
    queryset = OrderClock.objects.filter(still, pk__in=candidates).order_by()
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(queryset.db).as_sql()
    connection = connections[queryset.db]
    columns = ", ".join(connection.ops.quote_name(column) for column in CLAIMED)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {columns}", params)  # nosec B608 (no user input)
        clocks = [_Clock(*row) for row in cursor.fetchall()]
    if not clocks:
        return []
    due_at = OrderClock._meta.get_field("due_at")
    converters = connection.ops.get_db_converters(due_at.get_col(OrderClock._meta.db_table))
    # The people concerned, each read once (many orders share a technician).
    people = User.objects.in_bulk(
        ({clock.owner_id for clock in clocks} | {orders[c.order_id].technician_id for c in clocks})
        - {None}
    )
    for clock in clocks:
        for convert in converters:  # SQLite gives RETURNING's time as text
            clock.due_at = convert(clock.due_at, due_at, connection)
        clock.order = orders[clock.order_id]
        clock.owner = people.get(clock.owner_id)
        clock.order.technician = people.get(clock.order.technician_id)
    clocks.sort(key=lambda clock: (clock.due_at, clock.pk))
    return clocks


def refresh_due_many(orders: list[ServiceOrder]) -> None:
    """``refresh_due`` for many orders: one grouped query over their clocks, then one
    UPDATE of the orders whose columns change, computed by the database from the clocks
    (the same aggregates; no per-order CASE)."""
    from django.db.models import Exists, Max, Min, OuterRef, Subquery

    by_pk = {order.pk: order for order in orders}
    facts = {
        row["order_id"]: row
        for row in OrderClock.objects.filter(order_id__in=by_pk)
        .order_by()
        .values("order_id")
        .annotate(
            next_due=Min("due_at", filter=Q(state=ClockState.RUNNING)),
            breached=Max(Case(When(breached=True, then=1), default=0)),
        )
    }
    changed = []
    for pk, order in by_pk.items():
        row = facts.get(pk, {})
        next_due, breached = row.get("next_due"), bool(row.get("breached"))
        if (order.next_due_at, order.sla_breached) != (next_due, breached):
            order.next_due_at, order.sla_breached = next_due, breached
            changed.append(order)
    if changed:
        clocks = OrderClock.objects.filter(order=OuterRef("pk")).order_by()
        ServiceOrder.objects.filter(pk__in=[order.pk for order in changed]).update(
            next_due_at=Subquery(
                clocks.filter(state=ClockState.RUNNING)
                .values("order")
                .annotate(next_due=Min("due_at"))
                .values("next_due")
            ),
            sla_breached=Exists(clocks.filter(breached=True)),
        )
        from aftersales.service.dashboard import orders_changed

        orders_changed()


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


_URL_MARK = 987654321987


class _People:
    """Who is told about a batch of clocks (SVC-7), with the same answers as ``leads``,
    ``clock_owners`` and ``ladder_recipients`` but read with a constant number of queries
    for the whole batch: the unit tree, the branch managers and the dispatchers of the
    units concerned at once; HQ's staff and the company managers once, when needed."""

    def __init__(self, clocks: list[OrderClock]):
        from aftersales.accounts.models import OrgUnit

        self._parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
        units = {clock.order.org_unit_id for clock in clocks} - {None}
        chain = set()
        for unit in units:
            while unit is not None and unit not in chain:
                chain.add(unit)
                unit = self._parents.get(unit)
        self._managers: dict[int, list[User]] = {}
        if chain:
            managers = (
                User.objects.filter(
                    is_active=True, org_unit_id__in=chain, groups__name="branch_manager"
                )
                .distinct()
                .order_by("pk")
            )
            for user in managers:
                self._managers.setdefault(user.org_unit_id, []).append(user)
        # Dispatchers own the deadlines of orders with no (active) technician.
        orphaned = {
            clock.order.org_unit_id
            for clock in clocks
            if not (clock.order.technician_id and clock.order.technician.is_active)
        } - {None}
        self._dispatchers: dict[int, list[User]] = {}
        if orphaned:
            members = User.objects.filter(is_active=True, org_unit_id__in=orphaned)
            for user in members.with_permission("service.dispatch_serviceorder").order_by("pk"):
                self._dispatchers.setdefault(user.org_unit_id, []).append(user)
        self._hq: list[User] | None = None
        self._company: list[User] | None = None
        # The orders' pages: reversed once per batch, not once per message.
        self._url = ServiceOrder(pk=_URL_MARK).get_absolute_url().split(str(_URL_MARK))
        # What every message of the batch needs, read once: the time zone its due times
        # are shown in and the audit note's template in the active language.
        self.tz = timezone.get_current_timezone()
        self.escalated_note = gettext(ESCALATED_NOTE)
        self._roles: dict[int, str] = {}

    def role(self, level: int) -> str:
        """The level's name in the active language (the audit note's), made once."""
        if level not in self._roles:
            self._roles[level] = str(_role(level))
        return self._roles[level]

    def url(self, order: ServiceOrder) -> str:
        """``order.get_absolute_url()``."""
        return str(order.pk).join(self._url)

    def leads(self, order: ServiceOrder) -> list[User]:
        unit, seen = order.org_unit_id, set()
        while unit is not None and unit not in seen:
            seen.add(unit)
            if self._managers.get(unit):
                return list(self._managers[unit])
            unit = self._parents.get(unit)
        return []

    def clock_owners(self, clock: OrderClock) -> list[User]:
        if clock.owner_id and clock.owner.is_active:
            return [clock.owner]
        order = clock.order
        if order.technician_id and order.technician.is_active:
            return [order.technician]
        return list(self._dispatchers.get(order.org_unit_id, []))

    def ladder(self, clock: OrderClock, level: int) -> list[User]:
        if level == EscalationLevel.BRANCH_MANAGER:
            return [*self.leads(clock.order), *self.clock_owners(clock)]
        if level == EscalationLevel.HQ_SERVICE:
            if self._hq is None:
                self._hq = hq_service_staff()
            return self._hq
        if level == EscalationLevel.COMPANY_MANAGER:
            if self._company is None:
                self._company = company_managers()
            return self._company
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


def _params(clock: _Clock, tz, level: int | None = None) -> dict:
    """The messages' parameters (each read out in its recipient's language: ``Translated``);
    ``tz``: the time zone due times are shown in, read once per batch."""
    due = clock.due_at.astimezone(tz)
    params = {
        "order": clock.order.number,
        "clock": clock.name,
        "customer": clock.order.customer_name,
        "due": due.strftime("%Y-%m-%d %H:%M"),
    }
    if level is not None:
        params.update(level=level, role=_role(level))
    return params


@functools.cache
def _role(level: int):
    """The level's name: lazy, so each message is read in its recipient's language."""
    return EscalationLevel(level).label


def _escalated(
    clock: _Clock,
    old_level: int,
    new_level: int,
    people: _People,
    entries: list[dict],
    messages: list[dict],
    breached: bool = False,
) -> None:
    """One step of the ladder: its audit row and its message to the level's people, added
    to the batch's ``entries`` (``record_many``) and ``messages`` (``notify_many``). The
    first step is the breach itself (``breached``): its row records the breach too."""
    order = clock.order
    params = _params(clock, people.tz, new_level)
    level = f"sla.{clock.rule_id}.escalation_level"
    before, after = {level: old_level}, {level: new_level}
    if breached:
        before[f"sla.{clock.rule_id}"] = None
        after[f"sla.{clock.rule_id}"] = clock.due_at.isoformat()
    entries.append(
        {
            "obj": order.target,
            "action": "service.order.sla_breached" if breached else "service.order.sla_escalated",
            "actor": None,
            "before": before,
            "after": after,
            "note": people.escalated_note % {**params, "role": people.role(new_level)},
        }
    )
    messages.append(
        {
            "recipients": people.ladder(clock, new_level),
            "topic": Topic.SLA_ESCALATED,
            "title": Translated(ESCALATED_TITLE, params),
            "body": Translated(ESCALATED_BODY, params),
            "url": people.url(order),
        }
    )


def _escalation_step() -> dt.timedelta:
    hours = float(getattr(settings, "AFTERSALES_SLA_ESCALATION_STEP_HOURS", 4))
    return dt.timedelta(hours=hours)
