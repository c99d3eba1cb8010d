"""Smoke check after generate.py: the pages list and open generated rows (HTTP 200).

    AFTERSALES_DATA_DIR=... [DATABASE_URL=...] .venv/bin/python bench/check_pages.py

Logs in as the demo agent ``kefu`` with Django's test client (no server, nothing on the
network) and prints status, time and SQL query count per page.
"""

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
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from aftersales.accounts.models import User  # noqa: E402
from aftersales.customers.models import Customer  # noqa: E402
from aftersales.products.models import Unit  # noqa: E402
from aftersales.service.models import ServiceOrder  # noqa: E402


def main() -> int:
    setup_test_environment()  # lets the test client's host in
    client = Client()
    client.force_login(User.objects.get(username="kefu"))
    # Generated rows: the oldest order, an open breached one, a generated customer and unit.
    oldest = ServiceOrder.objects.order_by("received_at").first()
    # Generated after the demo: the highest ids.
    breached = ServiceOrder.objects.filter(sla_breached=True).order_by("-pk").first()
    waiting = ServiceOrder.objects.filter(status="waiting_parts").order_by("-pk").first()
    customer = Customer.objects.order_by("-pk").first()
    unit = Unit.objects.filter(serial_number__contains="-B").order_by("-pk").first()
    pages = ["/orders/", "/orders/?status=received"]
    pages += [o.get_absolute_url() for o in (oldest, breached, waiting) if o]
    pages += [x.get_absolute_url() for x in (customer, unit) if x]
    failed = 0
    for path in pages:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.monotonic()
            response = client.get(path)
            took = time.monotonic() - t0
        failed += response.status_code != 200
        print(f"{response.status_code} {took * 1000:7.0f} ms {len(queries):4d} queries  {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
