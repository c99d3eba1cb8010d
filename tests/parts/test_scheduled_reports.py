"""PRT-5 and PRT-6 sent on schedule by the sweep, exactly once per period (core.periodic's
claims), to the people who act on them, with a link to the report page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.core import periodic
from aftersales.core.models import JobRun
from aftersales.notifications.models import Notification, Topic
from aftersales.parts import jobs
from aftersales.parts.models import PartLine, Slip
from tests.parts.fixtures import used

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(org):
    return User.objects.get(username="caigou", groups__name="purchasing")


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_prt_5_consumed_parts_go_to_purchasing_once_after_the_report_time(
    working_order, people, catalogue, buyer, settings
):
    settings.AFTERSALES_CONSUMED_REPORT_AT = "17:30"
    used(working_order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    today = timezone.localdate()
    assert jobs.send_consumed_report(_local(today, 17, 29)) == 0  # not yet
    assert not JobRun.objects.exists()
    assert jobs.send_consumed_report(_local(today, 17, 31)) == 1
    note = Notification.objects.get(recipient=buyer, topic=Topic.REPORT_SENT)
    assert "CGQ-01" in note.body and "× 2" in note.body and working_order.number in note.body
    assert note.url.endswith(f"?day={today.isoformat()}")
    # A second sweep the same evening, or a second worker, sends nothing more.
    assert jobs.send_consumed_report(_local(today, 18, 0)) == 0
    assert Notification.objects.filter(topic=Topic.REPORT_SENT).count() == 1
    run = JobRun.objects.get(job=jobs.CONSUMED_JOB, period=today.isoformat())
    assert run.finished_at is not None and "2 pieces" in run.result


def test_prt_6_last_months_unreturned_old_parts_go_to_finance_once_on_the_1st(
    working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    # The part went out last month; its old part has not come back.
    first = timezone.localdate().replace(day=1)
    last_month = first - dt.timedelta(days=20)
    Slip.objects.filter(pk=line.slip_id).update(issued_at=_local(last_month, 10))
    sent = jobs.send_unreturned_report(_local(first, 0, 1))
    assert sent >= 2  # finance and the keeper
    note = Notification.objects.get(recipient=people["finance"], topic=Topic.REPORT_SENT)
    assert "1" in note.title and "170.00" in note.title
    assert working_order.number in note.body
    assert note.url.endswith(f"?month={last_month:%Y-%m}")
    assert Notification.objects.filter(recipient=people["keeper"]).exists()
    assert jobs.send_unreturned_report(_local(first + dt.timedelta(days=2), 9)) == 0
    assert JobRun.objects.filter(job=jobs.UNRETURNED_JOB).count() == 1
    assert PartLine.objects.get(pk=line.pk).amount == Decimal("170.00")


def test_the_sweep_runs_every_job_and_one_failure_does_not_stop_the_others(org, monkeypatch):
    calls = []
    monkeypatch.setitem(periodic._JOBS, "broken", lambda now: 1 / 0)
    monkeypatch.setitem(periodic._JOBS, "probe", lambda now: calls.append(now) or "ok")
    results = periodic.run_all()
    assert results["broken"] == "failed" and results["probe"] == "ok" and len(calls) == 1
    assert {"sla", jobs.CONSUMED_JOB, jobs.UNRETURNED_JOB} <= set(periodic.jobs())
    call_command("sweep", verbosity=0)
    assert len(calls) == 2


def test_a_period_is_claimed_once():
    now = timezone.now()
    run = periodic.claim("demo.job", "2026-11", now)
    assert run is not None
    assert periodic.claim("demo.job", "2026-11", now) is None
    assert periodic.claim("demo.job", "2026-12", now) is not None
