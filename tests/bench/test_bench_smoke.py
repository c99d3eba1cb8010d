"""Issue 7: the benchmark harness runs end to end at size S (its smoke mode).

`bench/run.py --smoke` generates size S into a temporary directory, starts gunicorn on
127.0.0.1 and runs every scenario with small counts; it exits non-zero when a scenario
fails (an unexpected HTTP status, an exception), never for a missed budget.

Run once per CI run, in the SQLite pass: the runner makes its own SQLite database in a
temporary directory. In the PostgreSQL pass (DATABASE_URL set) it would generate into
the CI database itself, which the suite's other tests do not expect: skipped there.
"""

import importlib.util
import json
import os
import subprocess  # nosec B404 - runs this venv's Python on bench/run.py
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")),
        reason="runs once, in the SQLite pass: with DATABASE_URL the smoke run would "
        "generate its dataset into that (shared CI) database",
    ),
]


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)  # no Django set-up at import
    return module


def test_the_smoke_run_measures_every_scenario(tmp_path):
    """Every scenario of issue 7 §2 runs and gets its line in the report; none fails."""
    runner = _runner()
    out = tmp_path / "report.md"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AFTERSALES_DATA_DIR")}
    proc = subprocess.run(  # nosec B603
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = out.read_text()
    for name in runner.SCENARIO_NAMES:
        assert f"| {name} |" in report, name
    assert "FAILED" not in report
    results = json.loads(out.with_suffix(".json").read_text())["results"]
    assert [r["name"] for r in results] == runner.SCENARIO_NAMES
    assert {r["status"] for r in results} <= {"ok", "skipped"}
    measured = [r for r in results if r["status"] == "ok"]
    # Real numbers: every page and intake line has requests, times and query counts.
    for r in measured:
        assert r["n"] > 0 and r["value"] is not None, r
        if r["kind"] in ("latency", "throughput"):
            assert r["p95_ms"] > 0 and r["queries"] > 0, r
    # A search that finds nothing measures nothing: each finds generated orders.
    searches = [r for r in measured if r["name"].startswith("search:")]
    assert len(searches) == 4
    assert all(r["rows"] > 0 for r in searches), searches
