"""Background jobs killed half-way and run again do their work exactly once (issue 6 §3).

Every periodic job of the sweep (core.periodic: SLA warnings and escalations SVC-7,
payment notices FEE-5, late complaints CMP-2, surveys FUP-2 / FUP-6, the parts reports
PRT-5 / PRT-6) and the sweep as a whole are run against the ``due_work`` fixture (one due
item of every kind). The database is made to fail at the job's 1st, 2nd, 3rd … write
statement — the job is "killed" there — and the job is then run again. The result must be
the one of a single uninterrupted run: the same notifications (recipient, topic, text),
audit rows, clock steps, violations and their fines, surveys sent, job runs, and the same
number of after-commit deliveries (e-mail, SMS, WeChat) queued. A second run after a
complete one must add nothing.

The idempotency keys this relies on: a conditional UPDATE claiming each item (clocks,
payments, complaints, surveys) in the transaction that does the item's work; the customer
row lock for FUP-6; the unique (job, period) JobRun row for the reports, claimed in the
transaction that sends the report (so a run that dies gives the period back).

Each case runs in a savepoint of the test's transaction, so a job that writes outside a
transaction of its own fails here with TransactionManagementError: in production that write
would commit on its own and leave half of the work done (the parts reports did, before
their claim moved into the report's transaction).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from itertools import count

import pytest
from django.core import mail
from django.db import connection, transaction

from aftersales.audit.models import AuditEntry
from aftersales.charges.models import CustomerPayment
from aftersales.complaints.models import Complaint, ComplaintNote, Violation
from aftersales.core import periodic
from aftersales.core.models import JobRun
from aftersales.followup.models import Survey
from aftersales.notifications import services as notifications
from aftersales.notifications.models import Notification, Topic
from aftersales.service.models import OrderClock
from tests.reliability.conftest import FIGURES, failing_at_write, injected

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block in a transaction (a savepoint of the test's) and roll it back."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def outcome(queued_before: int) -> dict:
    """What the jobs did, without row ids and creation times (which differ between runs)."""
    return {
        "notifications": Counter(
            Notification.objects.values_list("recipient_id", "topic", "title", "body")
        ),
        "audit": Counter(
            AuditEntry.objects.values_list("action", "content_type_id", "object_repr", "note")
        ),
        "clocks": set(
            OrderClock.objects.values_list(
                "pk",
                "state",
                "breached",
                "breached_at",
                "warned_at",
                "escalation_level",
                "next_escalation_at",
            )
        ),
        "payments": set(CustomerPayment.objects.values_list("pk", "overdue_noticed_at")),
        "complaints": set(Complaint.objects.values_list("pk", "status", "violation_checked_at")),
        "violations": Counter(
            Violation.objects.values_list(
                "complaint_id", "person_id", "as_head", "occurrence", "fine"
            )
        ),
        "complaint_notes": Counter(
            ComplaintNote.objects.values_list("complaint_id", "action", "text")
        ),
        "surveys": Counter(
            Survey.objects.values_list("customer_id", "order_id", "kind", "sent_at")
        ),
        "job_runs": Counter(
            (job, period, result, done is not None)
            for job, period, result, done in JobRun.objects.values_list(
                "job", "period", "result", "finished_at"
            )
        ),
        # e-mail, SMS and WeChat go out after the commit: one queued delivery per message
        "deliveries_queued": len(connection.run_on_commit) - queued_before,
    }


def assert_exactly_once_however_killed(name: str, job, stride: int = 1) -> None:
    """Kill ``job`` at every ``stride``-th write statement, run it again, compare with a
    single clean run; also check that a run after a complete one adds nothing."""
    base = len(connection.run_on_commit)
    with undone():
        seen: list[str] = []
        with failing_at_write(10**9, seen):
            job()
        writes = len(seen)
        reference = outcome(base)
        job()
        assert outcome(base) == reference, f"{name}: a second run acted again"
    assert writes >= 1, f"{name} had nothing to do: the fixture is not due"
    tried = 0
    for k in count(1, stride):
        with undone():
            seen = []
            try:
                with failing_at_write(k, seen):
                    job()
            except Exception as exc:
                if not injected(exc):
                    raise
            if len(seen) < k:
                break  # the job ran through: no k-th write to fail
            job()  # the worker restarts and sweeps again
            got = outcome(base)
            for key, value in reference.items():
                assert got[key] == value, (
                    f"{name}: killed at write #{k} ({seen[-1]}) and run again, {key} differs "
                    f"from one clean run"
                )
            tried += 1
    FIGURES[f"idempotency · {name}"] = f"{writes} writes in one run, killed at {tried} of them"


JOBS = {
    "sla (SVC-7 warnings, breaches, escalations)": "sla",
    "payment_notices (FEE-5)": "payment_notices",
    "complaints.late (CMP-2)": "complaints.late",
    "followup.surveys (FUP-2, FUP-6)": "followup.surveys",
    "parts.consumed_report (PRT-5)": "parts.consumed_report",
    "parts.unreturned_report (PRT-6)": "parts.unreturned_report",
}


# Jobs that act on no item: nothing to do twice.
NO_ITEMS = {
    "accounts.login_throttles": "one DELETE of expired login counters; a re-run deletes nothing",
    "core.database_statistics": "SQLite's ANALYZE once a day, claimed: a re-run the same day "
    "does nothing, a killed one left no claim and analyzes again",
}


def test_every_periodic_job_is_covered():
    """A new periodic job needs its kill-and-run-again case here."""
    assert set(JOBS.values()) | set(NO_ITEMS) == set(periodic.jobs())


def test_each_job_and_the_whole_sweep_killed_anywhere_and_run_again_act_exactly_once(due_work):
    """Invariant: however far a job got before it died, the next run completes its work and
    the total is the work of one run — no item acted on twice, none forgotten. The same for
    the sweep (every job, one after the other, a failing job not stopping the others),
    killed at every eighth of its writes. (One test, one fixture: each case is rolled back.)"""
    now = due_work["now"]
    for name, job in JOBS.items():
        fn = periodic.jobs()[job]
        assert_exactly_once_however_killed(name, lambda fn=fn: fn(now))
    assert_exactly_once_however_killed("sweep (run_all)", lambda: periodic.run_all(now), stride=8)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notifications_are_mailed_once_when_delivery_dies_half_way(people, settings):
    """Invariant: e-mail delivery claims each message before sending it (in autocommit, as
    the after-commit hook runs); killed at any of its writes and run again, every recipient
    gets the message once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    recipients = [people[p] for p in ("agent", "finance", "keeper", "branch_manager")]
    for user in recipients:
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    with transaction.atomic():
        ids = [
            n.pk
            for n in notifications.notify(
                recipients, topic=Topic.REPORT_SENT, title="Report", body="…"
            )
        ]
    expected = sorted(u.email for u in recipients)
    assert sorted(m.to[0] for m in mail.outbox) == expected  # delivered after the commit
    for k in count(1):
        Notification.objects.filter(pk__in=ids).update(emailed_at=None)
        mail.outbox = []
        seen: list[str] = []
        try:
            with failing_at_write(k, seen):
                notifications.deliver(ids)
        except Exception as exc:
            if not injected(exc):
                raise
        if len(seen) < k:
            break
        notifications.deliver(ids)
        notifications.deliver(ids)
        assert sorted(m.to[0] for m in mail.outbox) == expected, f"killed at write #{k}"
    assert k > len(recipients)
