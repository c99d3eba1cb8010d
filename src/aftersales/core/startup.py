"""What a long-running process (an app server's worker, a task worker, the sweeper) does
once it has started, before its first request or task."""

from __future__ import annotations

import gc

# The commands that run until stopped (``aftersales <command>``): settled before they start.
LONG_RUNNING_COMMANDS = frozenset({"db_worker", "rqworker", "sweep"})


def settle() -> None:
    """Load what the first request or task would (the URLconf, and with it every app's
    views and forms), then move everything loaded so far out of the cyclic garbage
    collector's sight (``gc.freeze``). It lives as long as the process, and every full
    collection would otherwise walk it again: a quarter of the SLA sweep's CPU over a
    thousand clocks (issue 7). Call it after Django is set up; calling it again freezes
    what was loaded since."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf's modules
    gc.collect()  # what startup left as garbage is dropped, not frozen
    gc.freeze()
