"""The manager dashboard (home page): the service orders in reach at a glance.

Issue 7 budgets it at 300 ms with a million orders, so it never scans the orders table:

* three aggregate queries, each bounded by an index range — the open statuses
  (``order_status_next_due``), a date range of ``received_at`` (its index) or of
  ``closed_at`` (``order_closed_at``) — whatever the number of orders or units;
* the figures are cached, keyed by the viewer's reach (everyone who reaches the same units
  shares one entry) and by a *generation* that every write of an order bumps after its
  transaction commits (``orders_changed``). A reader therefore never keeps a figure older
  than the last committed write under the current generation: it read the generation
  before the figures, so figures computed before a commit are stored under the old one,
  which nobody reads any more.
* Overdue and due-soon depend on the clock as well as on writes: an order becomes overdue
  with no write at all. Each entry lives ``AFTERSALES_DASHBOARD_TTL`` seconds (60 by
  default), so those figures are at most that old. With several server processes the
  cache must be shared (``CACHE_URL``): with the default per-process memory cache another
  process's writes do not bump this process's generation, and the TTL alone bounds the age.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from aftersales.accounts.reach import reach_of
from aftersales.core.permissions import require_perm
from aftersales.service import sla
from aftersales.service.models import OPEN_STATUSES, ServiceOrder

# Managers' right to the figures: the same as the time-limit overview's (same facts).
DASHBOARD_PERM = "service.view_sla_overview"
GENERATION_KEY = "aftersales:dashboard:generation"
KEY_VERSION = 1


def ttl_seconds() -> int:
    return int(getattr(settings, "AFTERSALES_DASHBOARD_TTL", 60))


# --- invalidation ----------------------------------------------------------------------------


def orders_changed() -> None:
    """Called by every write of a service order, inside its transaction: the cached figures
    are dropped once the write is committed (a rolled-back write drops nothing)."""
    transaction.on_commit(_bump_generation, robust=True)


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # Not there yet (or evicted): start from a value no figures were stored under.
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


# --- reach -----------------------------------------------------------------------------------


def reach_key(user) -> str:
    """What the figures depend on about the viewer (ORG-3, as ``visible_to``): everything,
    or the set of units reached — plus the person themselves if orders can be assigned to
    them (a technician also sees their own orders of other units)."""
    reach = reach_of(user)
    if reach.everything:
        return "all"
    units = ",".join(str(pk) for pk in sorted(reach.unit_ids))
    own = f"+t{user.pk}" if user.has_perm("service.handle_serviceorder") else ""
    return hashlib.sha256(f"{units}{own}".encode()).hexdigest()[:32]


# --- the figures -----------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def compute_figures(user, now: dt.datetime | None = None) -> dict:
    """The figures for the orders in the user's reach, uncached: three aggregate queries.

    Plain data only (codes, numbers, ISO times): cached and served to every language."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    in_reach = ServiceOrder.objects.visible_to(user)

    # 1. Open orders per handling unit and status, with their time-limit state (SVC-6/7).
    rows = (
        in_reach.filter(status__in=OPEN_STATUSES)
        .values("org_unit_id", "org_unit__code", "org_unit__name", "status")
        .annotate(open=Count("pk"), **sla.clock_counts(now))
        .order_by()
    )
    by_status = {status.value: 0 for status in OPEN_STATUSES}
    clocks = {"overdue": 0, "due_soon": 0, "breached": 0}
    units: dict[int, dict] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["open"]
        unit = units.setdefault(
            row["org_unit_id"],
            {
                "id": row["org_unit_id"],
                "code": row["org_unit__code"],
                "name": row["org_unit__name"],
                "open": 0,
                "overdue": 0,
                "due_soon": 0,
                "breached": 0,
            },
        )
        unit["open"] += row["open"]
        for name in clocks:
            clocks[name] += row[name]
            unit[name] += row[name]

    # 2. Received today and in the last 7 days (today and the six days before).
    today_start = _local_midnight(today)
    week_start = _local_midnight(today - dt.timedelta(days=6))
    # Counting the indexed column itself (never null here), not the id: for a reach of
    # everything PostgreSQL then answers from its index alone (an index-only range scan).
    received = in_reach.filter(received_at__gte=week_start).aggregate(
        today=Count("received_at", filter=Q(received_at__gte=today_start)),
        last_7_days=Count("received_at"),
    )

    # 3. Closed this month (so far) and in the whole of last month.
    this_month = _local_midnight(_month_start(today))
    last_month = _local_midnight(_month_start(today.replace(day=1) - dt.timedelta(days=1)))
    closed = in_reach.filter(closed_at__gte=last_month).aggregate(
        this_month=Count("closed_at", filter=Q(closed_at__gte=this_month)),
        last_month=Count("closed_at", filter=Q(closed_at__lt=this_month)),
    )

    return {
        "computed_at": now.isoformat(),
        "open": {"total": sum(by_status.values()), "by_status": by_status},
        "time_limits": clocks,
        "received": {"today": received["today"], "last_7_days": received["last_7_days"]},
        "closed": {"this_month": closed["this_month"], "last_month": closed["last_month"]},
        "units": sorted(
            units.values(), key=lambda u: (-u["overdue"], -u["breached"], -u["open"], u["code"])
        ),
    }


def dashboard_figures(user) -> dict:
    """The dashboard's figures for ``user`` (who needs the managers' right), from the cache
    when the same reach asked within the TTL and no order was written since."""
    require_perm(user, DASHBOARD_PERM)
    today = timezone.localdate()
    key = f"aftersales:dashboard:{KEY_VERSION}:{reach_key(user)}:{_generation()}:{today}"
    figures = cache.get(key)
    if figures is None:
        figures = compute_figures(user)
        cache.set(key, figures, timeout=ttl_seconds())
    return figures


# --- for the page ----------------------------------------------------------------------------


def _queue(**params) -> str:
    """The work queue with a filter of ServiceOrderFilter (state, status, clock, org_unit)."""
    return f"{reverse('service:order_list')}?{urlencode(params)}"


def page_context(figures: dict) -> dict:
    """The figures with the labels of the viewer's language and the links into the work
    queue that list the orders behind each number."""
    by_status = figures["open"]["by_status"]
    statuses = [
        {
            "code": status.value,
            "label": status.label,
            "count": by_status.get(status.value, 0),
            "url": _queue(status=status.value),
        }
        for status in OPEN_STATUSES
    ]
    units = [
        {
            **unit,
            "url": _queue(state="open", org_unit=unit["id"]),
            "overdue_url": _queue(clock="overdue", org_unit=unit["id"]),
        }
        for unit in figures["units"]
    ]
    return {
        "figures": figures,
        "computed_at": dt.datetime.fromisoformat(figures["computed_at"]),
        "statuses": statuses,
        "units": units,
        "links": {
            "open": _queue(state="open"),
            "overdue": _queue(clock="overdue"),
            "due_soon": _queue(clock="due_soon"),
            "breached": _queue(state="open", clock="breached"),
        },
        "ttl": ttl_seconds(),
    }
