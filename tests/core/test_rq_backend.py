"""Issue 7 (scale-out): with TASKS_URL the Tasks backend is RQ on Redis, so any number of
app servers enqueue and any number of worker machines run the tasks.

The real test enqueues the app's SVC-7 SLA sweep task through RQ (now, and deferred),
starts a worker *process* (``aftersales rqworker --burst --with-scheduler``) on the same
database and checks the sweep's effect (the SLA warning notifications) and the tasks'
results. It needs Redis on 127.0.0.1:6379 (as on every developer's machine and CI's) and
uses Redis database 13, which nothing else uses.
"""

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from aftersales.notifications.models import Notification, Topic
from aftersales.service.models import OrderClock
from tests.service.conftest import dispatched, hz_customer, hz_unit, new_order  # noqa: F401

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13
TASKS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
RQ_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 60}},
    "RQ": {"JOB_CLASS": "django_tasks_rq.Job"},
}


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_answers(), reason=f"no Redis answers on {REDIS_HOST}:{REDIS_PORT}"
)


def _settings_of(env: dict[str, str]) -> dict:
    """The Tasks settings a fresh process reads from these environment variables."""
    code = (
        "import json; from aftersales import settings as s; "
        "print(json.dumps({'tasks': s.TASKS, 'rq_queues': getattr(s, 'RQ_QUEUES', None), "
        "'rq': getattr(s, 'RQ', None), 'apps': s.INSTALLED_APPS}))"
    )
    done = subprocess.run(  # nosec B603 - this Python, fixed code
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode:
        return {"error": done.stderr}
    return json.loads(done.stdout)


def test_issue_7_without_tasks_url_tasks_stay_in_the_database(tmp_path):
    found = _settings_of({"AFTERSALES_DATA_DIR": str(tmp_path), "TASKS_URL": ""})
    assert found["tasks"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert found["rq_queues"] is None
    assert "django_rq" not in found["apps"]


def test_issue_7_a_redis_tasks_url_switches_the_tasks_backend_to_rq(tmp_path):
    found = _settings_of({"AFTERSALES_DATA_DIR": str(tmp_path), "TASKS_URL": TASKS_URL})
    assert found["tasks"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert found["rq_queues"]["default"]["URL"] == TASKS_URL
    assert found["rq"] == {"JOB_CLASS": "django_tasks_rq.Job"}
    assert {"django_rq", "django_tasks_rq", "django_tasks_db"} <= set(found["apps"])


def test_issue_7_a_tasks_url_that_is_not_redis_is_refused_at_start(tmp_path):
    found = _settings_of({"AFTERSALES_DATA_DIR": str(tmp_path), "TASKS_URL": "amqp://mq/1"})
    assert "TASKS_URL must be empty or a redis://" in found["error"]


def test_issue_7_serve_starts_the_worker_of_the_configured_backend():
    from aftersales.core.management.commands.serve import worker_command

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert worker_command() == ["db_worker"]
    with override_settings(**RQ_SETTINGS):
        assert worker_command() == ["rqworker", "--with-scheduler"]


@pytest.fixture
def rq_redis():
    """Redis database 13, empty before and after the test."""
    import redis

    client = redis.Redis.from_url(TASKS_URL)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def _worker_database(tmp_path) -> dict[str, str]:
    """Environment variables that give a worker process the test's own database.

    PostgreSQL: the test database by URL. SQLite: pytest-django's test database lives in
    this process's memory, so it is copied into ``aftersales.sqlite3`` of a data directory
    of the worker's own (where settings.py looks when DATABASE_URL is unset)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = urllib.parse.quote(db["USER"] or "", safe="")
        password = urllib.parse.quote(db["PASSWORD"] or "", safe="")
        auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return {
            "DATABASE_URL": f"postgres://{auth}{host}{port}/{db['NAME']}",
            "AFTERSALES_DATA_DIR": str(tmp_path),
        }
    assert connection.vendor == "sqlite"
    connection.ensure_connection()
    with sqlite3.connect(tmp_path / "aftersales.sqlite3") as copy:
        connection.connection.backup(copy)
    copy.close()
    return {"AFTERSALES_DATA_DIR": str(tmp_path)}


def _take_back_database(tmp_path) -> None:
    """SQLite: what the worker wrote to its copy becomes the test's database again."""
    if connection.vendor == "sqlite":
        source = sqlite3.connect(tmp_path / "aftersales.sqlite3")
        try:
            source.backup(connection.connection)
        finally:
            source.close()


@needs_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_issue_7_svc_7_a_task_enqueued_through_rq_is_run_by_a_worker_process(
    new_order,  # noqa: F811
    people,
    rq_redis,
    tmp_path,
):
    from django_tasks import TaskResultStatus

    from aftersales.service.tasks import sla_sweep

    # given a dispatched order whose contact clock (SVC-1) is past its warning time
    order = dispatched(new_order(), people)
    OrderClock.objects.filter(order=order).exclude(rule_id="SVC-1").delete()
    OrderClock.objects.filter(order=order, rule_id="SVC-1").update(
        warn_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert not Notification.objects.filter(topic=Topic.SLA_WARNING).exists()

    with override_settings(**RQ_SETTINGS):
        # when the app enqueues the SLA sweep through RQ, once now and once for later
        result = sla_sweep.enqueue()
        assert result.backend == "default"
        assert rq_redis.llen("rq:queue:default") == 1  # the job waits in Redis
        assert result.status == TaskResultStatus.READY
        result.refresh()
        assert result.status == TaskResultStatus.READY  # nobody ran it in this process
        deferred = sla_sweep.using(run_after=timezone.now()).enqueue()
        assert rq_redis.llen("rq:queue:default") == 1  # scheduled, not queued yet

        # and a worker process on the same database runs the queue once
        env = {**os.environ, **_worker_database(tmp_path), "TASKS_URL": TASKS_URL}
        started = time.monotonic()
        worker = subprocess.run(  # nosec B603 - this Python, our own command
            [sys.executable, "-m", "aftersales.cli", "rqworker", "--burst", "--with-scheduler"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stdout + worker.stderr
        assert time.monotonic() - started < 60
        _take_back_database(tmp_path)

        # then both tasks succeeded; results and the worker are recorded in Redis
        result.refresh()
        deferred.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
        assert deferred.status == TaskResultStatus.SUCCESSFUL, deferred.errors
        # one step in all (the warning), taken by whichever ran first; the other found none
        assert sorted([result.return_value, deferred.return_value]) == [0, 1]
        assert len(result.worker_ids) == 1
        assert result.finished_at is not None
        assert rq_redis.llen("rq:queue:default") == 0

    # and its effect is in the database: the technician and their manager are warned
    warned = Notification.objects.filter(topic=Topic.SLA_WARNING)
    assert sorted(warned.values_list("recipient__username", flat=True)) == [
        "hz_jishi",
        "hz_zhuguan",
    ]


@needs_redis
@pytest.mark.django_db
def test_issue_7_periodic_jobs_run_by_the_sweep_whatever_the_tasks_backend(rq_redis):
    """The sweeper calls every periodic job itself (core/periodic.py); it enqueues nothing,
    so with RQ it runs as before and leaves the task queue alone."""
    from django.core.management import call_command

    from aftersales.core import periodic

    with override_settings(**RQ_SETTINGS):
        done = periodic.run_all()
        call_command("sweep", verbosity=0)
    assert set(done) == set(periodic.jobs()) and done
    assert "failed" not in done.values()
    assert rq_redis.dbsize() == 0
