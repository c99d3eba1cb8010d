"""What the service order page's panels share while the page is built (issue 7).

The page shows a dozen panels from as many apps, each reading the order's own rows (parts
lines, visits, quotations, follow-up...). Most orders have rows in few of them, so the
page first learns, in one query, which of those lists hold any row at all; a panel skips
its query for a list it knows to be empty (``may_have``). What several panels compute
alike (the charge sheet: the "complete" guard, the charges card, the money card) is
computed once (``memoized``).

Both live only inside ``building(order)``, around the page's reads and rendering: outside
it (every service, every write, the API) ``may_have`` is always True and ``memoized``
always computes, so nothing else can see a stale answer.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef

from aftersales.service.models import ServiceOrder

# The order's related lists (reverse accessor names) that the page's panels read.
PANEL_RELATIONS = (
    "attachments",
    "referrals",
    "site_visits",
    "take_backs",
    "visit_checks",
    "leads",
    "part_lines",
    "shipments",
    "labour_lines",
    "quotations",
    "customer_payments",
    "invoices",
    "return_visits",
    "followup_cases",
    "surveys",
    "complaints",
    "exchange_requests",
)

_page: ContextVar[dict | None] = ContextVar("aftersales_order_page", default=None)


def _presence(order: ServiceOrder) -> dict[str, bool]:
    """{relation: has a row} for PANEL_RELATIONS of the order, in one query."""
    alias = ServiceOrder.objects.db
    sql, params, names = _presence_query(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [order.pk if p == _ANY_ORDER else p for p in params])
        row = cursor.fetchone()
    if row is None:
        return {}
    return {name: bool(value) for name, value in zip(names, row, strict=True)}


# Stands for the order's id in the query built once per process and database (issue 7:
# building seventeen EXISTS subqueries with the ORM cost more than running them).
_ANY_ORDER = -7_000_000_007


@functools.cache
def _presence_query(alias: str) -> tuple[str, tuple, list[str]]:
    relations = {
        rel.get_accessor_name(): rel
        for rel in ServiceOrder._meta.related_objects
        if rel.one_to_many and rel.get_accessor_name() in PANEL_RELATIONS
    }
    names = list(relations)
    queryset = (
        ServiceOrder.objects.using(alias)
        .filter(pk=_ANY_ORDER)
        .order_by()
        .values(
            **{
                f"has_{name}": Exists(
                    relations[name].related_model._base_manager.filter(
                        **{relations[name].field.name: OuterRef("pk")}
                    )
                )
                for name in names
            }
        )[:1]
    )
    sql, params = queryset.query.sql_with_params()
    if params.count(_ANY_ORDER) != 1:  # the id is put in by position
        raise RuntimeError("the order page's presence query must hold the order id once")
    return sql, tuple(params), names


@contextmanager
def building(order: ServiceOrder) -> Iterator[None]:
    """While the page of ``order`` is read and rendered: which of its panel lists have rows
    (one query, made now, so a page shown again after a write sees that write), and an
    empty memo."""
    token = _page.set({"order": order.pk, "present": _presence(order), "memo": {}})
    try:
        yield
    finally:
        _page.reset(token)


def may_have(order: ServiceOrder, relation: str) -> bool:
    """False only while the order's page is built and the order has no row in
    ``relation`` (a reverse accessor name of PANEL_RELATIONS); True otherwise."""
    page = _page.get()
    if page is None or page["order"] != order.pk:
        return True
    return page["present"].get(relation, True)


def rows(order: ServiceOrder, relation: str, queryset) -> list:
    """The queryset's rows, or none without a query when the order's page knows the
    ``relation`` list is empty (see ``may_have``)."""
    return list(queryset) if may_have(order, relation) else []


def memoized(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per page being built for ``key``; every time outside a page."""
    page = _page.get()
    if page is None:
        return compute()
    memo = page["memo"]
    if key not in memo:
        memo[key] = compute()
    return memo[key]
