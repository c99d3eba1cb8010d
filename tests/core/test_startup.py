"""A long-running process settles once started (issue 7: core/startup.py)."""

import gc

import pytest

from aftersales import cli
from aftersales.core import startup


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_settle_loads_the_urlconf_and_freezes_what_startup_loaded(unfrozen, monkeypatch):
    loaded = []

    class Resolver:
        @property
        def url_patterns(self):
            loaded.append(1)
            return []

    monkeypatch.setattr("django.urls.get_resolver", Resolver)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    startup.settle()
    assert loaded == [1]
    assert gc.get_freeze_count() > 0


@pytest.mark.parametrize(
    ("argv", "settled"),
    [
        (["sweep", "--every", "60"], True),
        (["db_worker", "--batch"], True),
        (["rqworker", "--with-scheduler"], True),
        (["check"], False),
        ([], False),
    ],
)
def test_the_worker_commands_settle_before_they_start(monkeypatch, argv, settled):
    calls = []
    monkeypatch.setattr("sys.argv", ["aftersales", *argv])
    monkeypatch.setattr(cli, "settle", lambda: calls.append("settle"))
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda args: calls.append(args)
    )
    cli.main()
    expected = ["settle"] if settled else []
    assert calls == [*expected, ["aftersales", *argv]]
