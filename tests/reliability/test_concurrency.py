# ruff: noqa: F811 — the fixtures imported from the other test packages are used as arguments
"""Concurrency on PostgreSQL (issue 6 §2): real transactions, one thread and one database
connection per worker, all released at the same moment by a barrier so they collide.

Each test's docstring states the invariant it checks. SQLite serialises every writer, so
these tests are skipped there; the same rules are held on SQLite by the same locks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from aftersales.accounts import services as accounts
from aftersales.audit.models import AuditEntry
from aftersales.core import periodic
from aftersales.core.exceptions import ServiceError
from aftersales.core.models import DocumentCounter, JobRun
from aftersales.notifications.models import Notification, Topic
from aftersales.parts import services as parts
from aftersales.parts import stock
from aftersales.parts.models import (
    LineStatus,
    Part,
    PartLine,
    PartPrice,
    Slip,
    StockLevel,
    StockMove,
)
from aftersales.service import services, sla
from aftersales.service.models import ClockState, OrderClock, ServiceOrder, Status, WebRequest
from tests.parts.fixtures import signed
from tests.reliability.conftest import FIGURES, run_together
from tests.service.conftest import in_progress, signature_png

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Rollback(Exception):
    pass


def serials(numbers) -> list[int]:
    return sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


def gap_free(series: str, numbers) -> None:
    """The day's numbers of the series are 1…n with none missing or repeated, and the
    counter stands at n."""
    got = serials(numbers)
    counter = DocumentCounter.objects.get(series=series, day=timezone.localdate())
    assert got == list(range(1, counter.last + 1)), (series, got, counter.last)


# --- a. intake numbers -------------------------------------------------------------------------


def test_a_concurrent_intake_keeps_numbers_unique_and_gap_free_per_series(
    people, hz_customer, hz_unit
):
    """Invariant: 8 agents recording 3 orders each, 4 web visitors sending 3 requests each
    and 2 agents whose intake fails after taking a number, all at the same moment: every
    order and web request has its own number, and each series (SO, WR) runs 1…n with no
    gap — a rolled-back intake gives its number back."""
    per_worker = 3

    def agent(i):
        def run():
            return [
                services.receive_order(
                    actor=people["agent"],
                    customer=hz_customer,
                    unit=hz_unit,
                    order_type="repair",
                    channel="phone",
                    description=f"并发受理 {i}-{j}",
                    confirm_duplicate=True,
                ).number
                for j in range(per_worker)
            ]

        return run

    def visitor(i):
        def run():
            return [
                services.submit_web_request(
                    name=f"访客 {i}", phone=f"1380000{i:02d}{j:02d}", description="不制热"
                ).number
                for j in range(per_worker)
            ]

        return run

    def failing(i):
        def run():
            try:
                with transaction.atomic():
                    agent(100 + i)()
                    raise Rollback  # e.g. the connection dropped before the commit
            except Rollback:
                return []

        return run

    jobs = (
        [agent(i) for i in range(8)]
        + [visitor(i) for i in range(4)]
        + [failing(i) for i in range(2)]
    )
    results, errors = run_together(jobs)

    assert errors == [None] * len(jobs)
    orders = [n for r in results[:8] for n in r]
    requests = [n for r in results[8:12] for n in r]
    assert len(set(orders)) == len(orders) == 8 * per_worker
    assert len(set(requests)) == len(requests) == 4 * per_worker
    gap_free("SO", orders)
    gap_free("WR", requests)
    assert sorted(ServiceOrder.objects.values_list("number", flat=True)) == sorted(orders)
    assert sorted(WebRequest.objects.values_list("number", flat=True)) == sorted(requests)
    FIGURES["concurrency · a. intake"] = (
        f"{len(jobs)} threads at once: 8×{per_worker} orders, 4×{per_worker} web requests, "
        f"2×{per_worker} rolled back; SO and WR gap-free"
    )


# --- b. one order, two hands ---------------------------------------------------------------------


@pytest.fixture
def second_technician(org, people):
    return accounts.create_user(
        actor=people["admin"],
        username="hz_jishi2",
        password=None,
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
    )


def test_b_dispatches_of_one_order_at_once_exactly_one_wins(new_order, people, second_technician):
    """Invariant (3 rounds, 4 dispatchers at once): exactly one dispatch wins, the others
    get a ServiceError (the order is no longer received); the order has that technician,
    one dispatch in its history, one "assigned to you" message, and no clock twice."""
    rounds, workers = 3, 4
    techs = [people["technician"], second_technician]
    actors = [people["agent"], people["branch_manager"]]
    for _round in range(rounds):
        order = new_order()

        def dispatch(i, order=order):
            return lambda: services.dispatch_order(
                actor=actors[i % 2], order=order, technician=techs[i // 2 % 2]
            )

        results, errors = run_together([dispatch(i) for i in range(workers)])

        winners = [r for r in results if r is not None]
        assert len(winners) == 1
        assert all(isinstance(e, ServiceError) for e in errors if e is not None)
        assert sum(e is not None for e in errors) == workers - 1
        fresh = ServiceOrder.objects.get(pk=order.pk)
        assert fresh.status == Status.DISPATCHED
        assert fresh.technician_id == winners[0].technician_id
        history = AuditEntry.objects.for_object(fresh)
        assert history.filter(action="service.order.dispatch").count() == 1
        assigned = Notification.objects.filter(
            topic=Topic.ORDER_ASSIGNED, url=fresh.get_absolute_url()
        )
        assert assigned.count() == 1
        running = Counter(
            OrderClock.objects.filter(order=fresh)
            .exclude(state=ClockState.STOPPED)
            .values_list("rule_id", flat=True)
        )
        assert all(n == 1 for n in running.values()), running
    FIGURES["concurrency · b. dispatch"] = f"{rounds} rounds × {workers} dispatchers at once"


def test_b_completions_of_one_order_at_once_exactly_one_wins(new_order, people, media_root):
    """Invariant (3 rounds, 3 completions at once — the phone sending "complete" again):
    one completes, the others get a ServiceError; one warranty-card line, one return
    visit, one survey, one completion in the history, one signature file."""
    from aftersales.followup.models import ReturnVisit, Survey
    from aftersales.products.models import UnitServiceRecord

    rounds, workers = 3, 3
    for _round in range(rounds):
        order = in_progress(new_order(), people)

        def complete(order=order):
            return services.complete_order(
                actor=people["technician"],
                order=order,
                result="已修好",
                signature=signature_png(),
                signer_name="王",
            )

        results, errors = run_together([complete] * workers)

        assert sum(r is not None for r in results) == 1
        assert sum(isinstance(e, ServiceError) for e in errors) == workers - 1
        assert UnitServiceRecord.objects.filter(reference=order.number).count() == 1
        assert ReturnVisit.objects.filter(order=order).count() <= 1
        assert Survey.objects.filter(order=order).count() == 1
        history = AuditEntry.objects.for_object(order)
        assert history.filter(action="service.order.complete").count() == 1
        files = [p for p in media_root.rglob(f"{order.number}-signature*") if p.is_file()]
        assert len(files) == 1, files
    FIGURES["concurrency · b. completion"] = f"{rounds} rounds × {workers} completions at once"


# --- c. stock -------------------------------------------------------------------------------------


def test_c_concurrent_issues_from_one_stock_never_go_below_zero(make_order, people, catalogue):
    """Invariant: 5 pieces on hand, 8 orders' signed lines (13 pieces asked in all) issued
    from that stock at the same moment: the successful issues add up to at most 5, every
    other is told there is not enough (ServiceError, line still signed); on hand ends at
    5 − issued ≥ 0 and equals the ledger's sum; one CK slip per success, gap-free."""
    keeper = people["keeper"]
    central = catalogue["central"]
    part = Part.objects.create(code="CAP-35UF", name="启动电容")
    PartPrice.objects.create(
        part=part,
        list_price=Decimal("30.00"),
        cost=Decimal("12.00"),
        effective_from=timezone.localdate() - dt.timedelta(days=30),
    )
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=5)
    wanted = [1, 2, 1, 3, 1, 2, 1, 2]
    lines = [signed(make_order(), people, part, quantity=q) for q in wanted]

    def issue(line):
        return lambda: parts.issue_lines(
            actor=keeper, order=line.order, lines=[line], warehouse=central
        )

    results, errors = run_together([issue(line) for line in lines])

    issued = [q for q, r in zip(wanted, results, strict=True) if r is not None]
    refused = [e for e in errors if e is not None]
    assert all(isinstance(e, ServiceError) for e in refused), refused
    assert len(issued) + len(refused) == len(lines)
    assert sum(issued) <= 5
    on_hand = StockLevel.objects.get(warehouse=central, part=part).on_hand
    assert on_hand == 5 - sum(issued) >= 0
    moves = StockMove.objects.filter(part=part)
    ledger = (moves.filter(to_warehouse=central).aggregate(n=Sum("quantity"))["n"] or 0) - (
        moves.filter(from_warehouse=central).aggregate(n=Sum("quantity"))["n"] or 0
    )
    assert ledger == on_hand
    statuses = Counter(PartLine.objects.filter(part=part).values_list("status", flat=True))
    assert statuses == Counter({LineStatus.ISSUED: len(issued), LineStatus.SIGNED: len(refused)})
    slips = Slip.objects.filter(lines__part=part).distinct()
    assert slips.count() == len(issued)
    gap_free("CK", Slip.objects.values_list("number", flat=True))
    FIGURES["concurrency · c. stock"] = (
        f"8 issues at once (13 pieces asked, 5 on hand): {len(issued)} issued "
        f"({sum(issued)} pieces), {len(refused)} refused, on hand {on_hand}"
    )


# --- d. the sweep -----------------------------------------------------------------------------


def _step_rows(action: str) -> Counter:
    return Counter(
        (entry.object_id, entry.note) for entry in AuditEntry.objects.filter(action=action)
    )


def test_d_the_sla_sweep_by_four_workers_at_once_acts_once_per_due_item(new_order, people):
    """Invariant: 4 workers sweep the SLA clocks at the same moment — each due warning is
    sent once, each breach is marked and escalated once, each due next level is taken once:
    one audit row per clock and step, no notification twice, and the clocks end where one
    sweep would leave them."""
    now = timezone.now() + dt.timedelta(minutes=1)
    minute = dt.timedelta(minutes=1)
    orders = {kind: [new_order() for _ in range(2)] for kind in ("warn", "breach", "escalate")}
    running = OrderClock.objects.filter(state=ClockState.RUNNING)
    for order in orders["warn"]:
        running.filter(order=order).update(warn_at=now - minute, due_at=now + dt.timedelta(hours=1))
    for order in orders["breach"]:
        running.filter(order=order).update(due_at=now - minute)
    for order in orders["escalate"]:
        running.filter(order=order).update(
            due_at=now - dt.timedelta(hours=6),
            breached=True,
            breached_at=now - dt.timedelta(hours=6),
            escalation_level=1,
            next_escalation_at=now - minute,
        )

    def due(kind):
        return list(running.filter(order__in=orders[kind]).values_list("pk", flat=True))

    warn, breach, escalate = due("warn"), due("breach"), due("escalate")
    assert warn and breach and escalate

    results, errors = run_together([lambda: sla.sweep(now)] * 4)

    assert errors == [None] * 4
    totals = Counter()
    for result in results:
        totals.update(result)
    assert totals == {"warned": len(warn), "breached": len(breach), "escalated": len(escalate)}
    assert sum(_step_rows("service.order.sla_warning").values()) == len(warn)
    assert sum(_step_rows("service.order.sla_breached").values()) == len(breach)
    escalations = AuditEntry.objects.filter(action="service.order.sla_escalated")
    assert escalations.count() == len(escalate)  # level 1 is in the breach's row
    repeated = Counter(Notification.objects.values_list("recipient_id", "topic", "title"))
    assert all(n == 1 for n in repeated.values()), [k for k, n in repeated.items() if n > 1]
    assert set(
        OrderClock.objects.filter(pk__in=escalate).values_list("escalation_level", flat=True)
    ) == {2}
    assert set(
        OrderClock.objects.filter(pk__in=breach).values_list("escalation_level", flat=True)
    ) == {1}
    assert OrderClock.objects.filter(pk__in=warn, warned_at=now).count() == len(warn)
    FIGURES["concurrency · d. SLA sweep"] = (
        f"4 workers at once over {len(warn)} warnings, {len(breach)} breaches, "
        f"{len(escalate)} next levels: each once"
    )


def test_d_the_whole_sweep_by_three_workers_at_once_acts_once_per_due_item(due_work, people):
    """Invariant: 3 workers run every periodic job at the same moment over one due item of
    each kind: the payment notice, the complaints' violations (the same technician twice:
    fines 1st and 2nd, not both 1st), the surveys (one SMS each), the parts reports (one
    job run each) and the SLA steps each happen once; no notification is written twice."""
    from aftersales.charges.models import CustomerPayment
    from aftersales.complaints.models import Violation
    from aftersales.followup.models import Survey, SurveyKind

    now = due_work["now"]
    results, errors = run_together([lambda: periodic.run_all(now)] * 3)

    assert errors == [None] * 3
    assert all("failed" not in r.values() for r in results), results
    payment = CustomerPayment.objects.get(pk=due_work["payment"].pk)
    assert payment.overdue_noticed_at == now
    assert Notification.objects.filter(topic=Topic.PAYMENT_LATE).count() == len(
        set(Notification.objects.filter(topic=Topic.PAYMENT_LATE).values_list("recipient_id"))
    )
    assert AuditEntry.objects.filter(action="charges.payment.notice_overdue").count() == 1
    technician = people["technician"]
    fines = list(
        Violation.objects.filter(person=technician)
        .order_by("occurrence")
        .values_list("occurrence", "fine")
    )
    assert fines == [(1, Decimal("100.00")), (2, Decimal("200.00"))]
    assert Violation.objects.filter(as_head=False).count() == 2
    assert AuditEntry.objects.filter(action="followup.survey.sent").count() == 2
    assert Survey.objects.filter(kind=SurveyKind.NEW_CUSTOMER).count() == 1
    assert Survey.objects.get(pk=due_work["survey"].pk).sent_at == now
    runs = Counter(JobRun.objects.values_list("job", flat=True))
    assert runs == {"parts.consumed_report": 1, "parts.unreturned_report": 1}
    reports = Notification.objects.filter(topic=Topic.REPORT_SENT)
    assert reports.count() == len(set(reports.values_list("recipient_id", "title")))
    repeated = Counter(Notification.objects.values_list("recipient_id", "topic", "title", "body"))
    assert all(n == 1 for n in repeated.values()), [k for k, n in repeated.items() if n > 1]
    FIGURES["concurrency · d. whole sweep"] = "3 workers at once over every job's due items"


def test_d_two_sweeps_fining_one_person_at_once_count_in_turn(due_work, people, monkeypatch):
    """Invariant (STF-3, CMP-2): two workers each recording the violation of a different
    late complaint of the same technician at the same moment — the fines count in turn
    (1st 100.00, 2nd 200.00; the regional head 200.00 and 400.00), never both "first"."""
    import threading

    from aftersales.complaints import services as complaints
    from aftersales.complaints.models import Violation

    original = complaints.late_complaints
    first, second = due_work["complaints"]
    mine = {}

    def only_mine(now):
        return original(now).filter(pk=mine[threading.current_thread().name])

    monkeypatch.setattr(complaints, "late_complaints", only_mine)

    def sweep(complaint):
        def run():
            mine[threading.current_thread().name] = complaint.pk
            return complaints.record_late_complaints(due_work["now"])

        return run

    results, errors = run_together([sweep(first), sweep(second)])

    assert errors == [None, None] and results == [1, 1]
    rows = Violation.objects.order_by("as_head", "occurrence")
    assert list(rows.values_list("as_head", "occurrence", "fine")) == [
        (False, 1, Decimal("100.00")),
        (False, 2, Decimal("200.00")),
        (True, 1, Decimal("200.00")),
        (True, 2, Decimal("400.00")),
    ]
    assert {v.person for v in rows} == {people["technician"], people["branch_manager"]}
