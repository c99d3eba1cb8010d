"""Issue 7: SQLite's planner statistics are gathered once a day by the periodic sweep."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.core import maintenance
from aftersales.core.models import JobRun

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's autovacuum analyzes")
def test_issue_7_sqlite_statistics_are_gathered_once_a_day():
    now = timezone.make_aware(dt.datetime(2026, 12, 3, 9, 0))  # local time, mid-morning
    assert maintenance.refresh_statistics(now) == 1
    with connection.cursor() as cursor:
        # Tables with rows get statistics per index (here the seeded permissions).
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'auth_permission'")
        assert cursor.fetchone()[0] >= 2
    assert maintenance.refresh_statistics(now + dt.timedelta(hours=1)) == 0  # same day
    assert JobRun.objects.filter(job=maintenance.STATISTICS_JOB).count() == 1


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite needs it")
def test_issue_7_postgresql_leaves_statistics_to_autovacuum():
    assert maintenance.refresh_statistics(timezone.now()) == 0
    assert not JobRun.objects.filter(job=maintenance.STATISTICS_JOB).exists()
