"""Scale-out on one machine (issue 7, docs/deployment.md): the same code as several app
processes and several task workers, against the single-process figures.

    AFTERSALES_DATA_DIR=... DATABASE_URL=postgres://... TASKS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/scaleout.py [--orders 400] [--tasks 40] [--out FILE]

Three measurements, each against 127.0.0.1 only (gunicorn and workers started and stopped
here, as bench/run.py does):

1. app: orders taken through the API by 4 clients, gunicorn with 1, then 2 processes;
2. tasks: ``--tasks`` SLA sweep tasks queued in Redis (RQ), run by 1, then 2
   ``aftersales rqworker --burst`` processes;
3. both at once: 2 app processes taking orders while 2 workers run the queued sweeps.

The orders taken stay in the dataset (as with bench/run.py's intake). Prints a Markdown
table, appended to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404 - starts gunicorn and workers of this venv
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402 - bench/run.py: the server, the client, the intake


def queue_sweeps(count: int) -> list:
    """``count`` SLA sweep tasks in the RQ queue (emptied first: only this run's tasks)."""
    import django_rq

    from aftersales.service.tasks import sla_sweep

    django_rq.get_queue("default").empty()
    return [sla_sweep.enqueue() for _ in range(count)]


def task_rate(results: list) -> tuple[int, float]:
    """(tasks run, seconds from the first start to the last finish): the workers' own
    start-up (loading Django, a few seconds) is not counted."""
    for result in results:
        result.refresh()
    done = [r for r in results if r.status == "SUCCESSFUL"]
    if not done:
        return 0, 0.0
    first = min(r.started_at for r in done)
    last = max(r.finished_at for r in done)
    return len(done), (last - first).total_seconds()


def run_workers(workers: int, env: dict, log: Path) -> float:
    """Start ``workers`` burst workers on the queue; seconds until all have stopped."""
    cmd = [sys.executable, "-m", "aftersales.cli", "rqworker", "--burst", "default"]
    t0 = time.perf_counter()
    with open(log, "ab") as out:
        procs = [
            subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)  # nosec B603
            for _ in range(workers)
        ]
        for proc in procs:
            if proc.wait(timeout=1800) != 0:
                raise bench.Failed(f"rqworker exited {proc.returncode}; see {log}")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=400, help="orders per intake run")
    parser.add_argument("--tasks", type=int, default=40, help="sweep tasks per worker run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="append the Markdown table to this file")
    args = parser.parse_args(argv)
    if not os.environ.get("AFTERSALES_DATA_DIR"):
        parser.error("set AFTERSALES_DATA_DIR (and DATABASE_URL) as for bench/generate.py")
    if not os.environ.get("TASKS_URL", "").startswith("redis://"):
        parser.error("set TASKS_URL=redis://127.0.0.1:6379/<db>: the workers are RQ's")

    bench.django_setup()
    from django.db import connections

    picks = bench.pick(args.seed)
    meta = bench.machine(bench.size_of(picks["orders"]))
    counts = {**bench.FULL, "orders": args.orders}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "AFTERSALES_QUERY_COUNT_HEADER": "1",
    }
    work = Path(os.environ["AFTERSALES_DATA_DIR"])
    log = work / "bench-scaleout.log"
    connections.close_all()
    rows: list[tuple[str, str, str]] = []

    def intake(processes: int) -> bench.Result:
        with bench.Gunicorn(processes, env, log) as server:
            return bench.intake_api(server.port, picks, counts)

    def show(what: str, res: bench.Result) -> None:
        rows.append(
            (
                what,
                f"{bench.fmt(res.value)} orders/s",
                f"median {bench.fmt(res.median_ms)} ms, p95 {bench.fmt(res.p95_ms)} ms; {res.note}",
            )
        )
        print(rows[-1], flush=True)

    for processes in (1, 2):
        show(f"app: {processes} gunicorn process(es), intake through the API", intake(processes))

    def tasks(what: str, results: list) -> None:
        done, seconds = task_rate(results)
        rate = done / seconds if seconds else 0.0
        rows.append(
            (what, f"{bench.fmt(rate)} tasks/s", f"{done} of {len(results)} run in {seconds:.1f} s")
        )
        print(rows[-1], flush=True)

    for workers in (1, 2):
        queued = queue_sweeps(args.tasks)
        run_workers(workers, env, log)
        tasks(f"tasks: {workers} RQ worker(s), SLA sweeps", queued)

    # Both at once: the workers drain the queue while the app takes orders.
    queued = queue_sweeps(args.tasks)
    drain = threading.Thread(target=run_workers, args=(2, env, log))
    with bench.Gunicorn(2, env, log) as server:
        drain.start()
        res = bench.intake_api(server.port, picks, counts)
        drain.join()
    show("together: 2 gunicorn processes + 2 RQ workers, intake", res)
    tasks("together: the 2 RQ workers, SLA sweeps beside the intake", queued)

    text = "\n".join(
        [
            f"Machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['ram_gb']} GB RAM; "
            f"{meta['database']}, Redis (RQ); {picks['orders']} orders; {meta['when']}.",
            "",
            "| run | rate | detail |",
            "|---|---:|---|",
            *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        ]
    )
    print()
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
