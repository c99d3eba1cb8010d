"""Periodic jobs: the one sweep (``aftersales sweep``, started by ``serve``) calls every
registered job each minute. A job that must act once per period (a day's report, a month's)
claims the period with ``claim``: the unique JobRun row makes a second run, or a second
worker at the same moment, do nothing. The claim is taken in the transaction that does the
period's work, so a run that dies half-way rolls its claim back and the next sweep does
the work (exactly once, never not at all).

Apps register their jobs in ``AppConfig.ready`` with ``@periodic("name")``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftersales.core.models import JobRun

log = logging.getLogger(__name__)

_JOBS: dict[str, Callable[[dt.datetime], object]] = {}


def periodic(name: str):
    """Register ``fn(now)`` to be called by every sweep."""

    def register(fn):
        _JOBS[name] = fn
        return fn

    return register


def jobs() -> dict[str, Callable[[dt.datetime], object]]:
    return dict(_JOBS)


def run_all(now: dt.datetime | None = None) -> dict[str, object]:
    """Call every job; one job's failure is logged and does not stop the others."""
    now = now or timezone.now()
    results: dict[str, object] = {}
    for name, fn in _JOBS.items():
        try:
            # Called inside a transaction, each job gets a savepoint: a failed statement of one
            # job must not break the transaction for the jobs after it. In autocommit (the sweep
            # command) each job keeps its own transactions, one per item.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                results[name] = fn(now)
        except Exception:  # a broken job must not stop the SLA sweep
            log.exception("periodic job %s failed", name)
            results[name] = "failed"
    return results


def claim(job: str, period: str, now: dt.datetime | None = None) -> JobRun | None:
    """The run of ``job`` for ``period`` if this caller is the first, else None.

    Call it inside the ``transaction.atomic()`` that does the work and ``finish``es the
    run. A concurrent worker's claim waits for that transaction: it gets None once the work
    is committed, or the claim if the work rolled back."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, period=period, started_at=now or timezone.now())
    except IntegrityError:
        return None


def finish(run: JobRun, result: str = "") -> None:
    run.finished_at = timezone.now()
    run.result = result[:300]
    run.save(update_fields=["finished_at", "result"])
