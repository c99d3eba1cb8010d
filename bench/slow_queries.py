"""The slowest SQL statements of one page, for the performance work (issue 7).

    AFTERSALES_DATA_DIR=... [DATABASE_URL=...] .venv/bin/python bench/slow_queries.py \
        [--user kefu] /orders/ '/orders/?q=王建国' ...

Opens each page twice with Django's test client (no server; the first visit warms the
caches) and prints the time, the query count and the five slowest statements of the second.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aftersales.accounts.models import User  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="kefu")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - t0, sql))

    for path in args.paths:
        client.get(path)
        timings.clear()
        with connection.execute_wrapper(timed):
            t0 = time.perf_counter()
            response = client.get(path)
            took = time.perf_counter() - t0
        print(f"{response.status_code} {took * 1000:7.1f} ms {len(timings):3d} queries  {path}")
        for seconds, sql in sorted(timings, reverse=True)[: args.top]:
            print(f"    {seconds * 1000:7.1f} ms  {sql[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
