"""Database upkeep the periodic sweep does (issue 7)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from aftersales.core.periodic import claim, finish, periodic

STATISTICS_JOB = "core.database_statistics"


@periodic(STATISTICS_JOB)
def refresh_statistics(now: dt.datetime) -> int:
    """Once a day on SQLite, the planner's statistics (ANALYZE): without them SQLite guesses
    which index to use and, with a million orders, guesses wrong (the REQ-9 duplicate check
    walked every open order instead of the phone index). PostgreSQL's autovacuum keeps its
    own. A sampled ANALYZE (``analysis_limit``) stays a second or so at any size."""
    if connection.vendor != "sqlite":
        return 0
    with transaction.atomic():
        run = claim(STATISTICS_JOB, timezone.localdate(now).isoformat(), now)
        if run is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
        finish(run, "analyzed")
    return 1
