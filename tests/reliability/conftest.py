# ruff: noqa: F811 — the fixtures imported from the other test packages are used as arguments
"""Fixtures of the reliability tests (issue 6 §2, §3): the service tests' Hangzhou customer,
unit and orders, the parts catalogue, and ``run_together`` for the concurrency tests."""

import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from tests.parts.fixtures import catalogue, make_order, working_order  # noqa: F401
from tests.service.conftest import hz_customer, hz_unit, new_order  # noqa: F401
from tests.threads import run_together  # noqa: F401

# Figures for docs/reliability.md: what each test covered, shown at the end of a run with -v.
FIGURES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES and config.getoption("verbose") >= 0:  # -v (the project runs with -q)
        terminalreporter.section("reliability figures")
        for name, text in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {text}")


# --- failures injected at the database (atomicity and idempotency tests) ---------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class InjectedFailure(RuntimeError):
    """The database 'fails' at one write statement."""


@contextmanager
def failing_at_write(k: int, seen: list[str]):
    """Raise InjectedFailure instead of running the k-th write statement; ``seen`` gets the
    table of every write statement reached (the failing one last)."""

    def wrapper(execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match:
            seen.append(match.group(1))
            if len(seen) == k:
                raise InjectedFailure(f"write #{k} ({match.group(1)})")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def injected(exc: BaseException | None) -> bool:
    """The injected failure, or an error raised because of it."""
    while exc is not None:
        if isinstance(exc, InjectedFailure):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# --- every periodic job with work due (the sweep's concurrency and idempotency tests) ---------


@pytest.fixture
def due_work(org, people, new_order, make_order, catalogue, settings):
    """One of everything the sweep (core.periodic) acts on, due at ``due_work["now"]``:

    - SVC-7: an order whose clocks are due a warning, one whose clocks have just breached,
      one breached at level 1 and due the next level;
    - FEE-5: a payment finance registered 13 h ago and did not pass on;
    - CMP-2: two complaints on the Hangzhou technician's orders, not reported in 24 h
      (the same person twice: the second violation's fine doubles);
    - FUP-2: a completed order's survey due to be sent; FUP-6: a customer registered 31 days
      ago with no survey;
    - PRT-5: a part used today (report time 00:00); PRT-6: last month's report (always due on
      the first sweep of a month).
    """
    from aftersales.charges import money
    from aftersales.complaints import services as complaints
    from aftersales.complaints.models import ComplaintClass
    from aftersales.customers.models import Customer
    from aftersales.followup.models import Survey
    from aftersales.service import services
    from aftersales.service.models import ClockState, OrderClock
    from tests.followup.conftest import complete
    from tests.parts.fixtures import requested, used
    from tests.service.conftest import dispatched

    settings.AFTERSALES_CONSUMED_REPORT_AT = "00:00"
    now = timezone.now() + dt.timedelta(minutes=1)
    minute = dt.timedelta(minutes=1)

    warn, breach, escalate = (new_order() for _ in range(3))
    running = OrderClock.objects.filter(state=ClockState.RUNNING)
    running.filter(order=warn).update(warn_at=now - minute, due_at=now + dt.timedelta(hours=1))
    running.filter(order=breach).update(due_at=now - minute)
    running.filter(order=escalate).update(
        due_at=now - dt.timedelta(hours=6),
        breached=True,
        breached_at=now - dt.timedelta(hours=6),
        escalation_level=1,
        next_escalation_at=now - minute,
    )

    paid = services.override_service_kind(
        actor=people["branch_manager"], order=make_order(), kind="paid", reason="保修期已过"
    )
    requested(paid, people, catalogue["parts"]["sensor"])
    payment = money.register_payment(
        actor=people["finance"],
        order=paid,
        amount=Decimal("85.00"),
        method="transfer",
        received_at=now - dt.timedelta(hours=13),
        notify=False,
    )

    attitude = ComplaintClass.objects.get(name="服务态度")
    late = [
        complaints.register_complaint(
            actor=people["agent"],
            channel="phone",
            complaint_class=attitude,
            subject="师傅态度差",
            content="客户来电：维修师傅说话不耐烦。",
            complainant_name="李先生",
            complainant_phone="13800001111",
            order=dispatched(new_order(), people),
            received_at=now - dt.timedelta(hours=30),
        )
        for _ in range(2)
    ]

    worked = make_order()
    used(worked, people, catalogue, catalogue["parts"]["seal"])
    completed = complete(worked, people)
    survey = Survey.objects.get(order=completed)
    Survey.objects.filter(pk=survey.pk).update(send_at=now - minute)
    newcomer = Customer.objects.create(
        code="C-HZ-NEW",
        name="新客户",
        kind="end_user",
        entity="person",
        phone="13900000001",
        owner_unit=org["units"]["BR-HZ"],
    )
    Customer.objects.filter(pk=newcomer.pk).update(created_at=now - dt.timedelta(days=31))
    return {
        "now": now,
        "clocks": {"warn": warn, "breach": breach, "escalate": escalate},
        "payment": payment,
        "complaints": late,
        "survey": survey,
        "newcomer": newcomer,
    }
