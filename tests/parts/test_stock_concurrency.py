# ruff: noqa: F811 — the fixtures imported from stock_fixtures are used as arguments
"""Stock under concurrency on PostgreSQL (PRT-2, PRT-8): real transactions in threads.

Each test states the invariant it checks. Skipped on SQLite, which serialises writers.
"""

import pytest
from django.db import connection

from aftersales.core.exceptions import ServiceError
from aftersales.parts import stock
from aftersales.parts.models import PartSerial, StockCount, StockMove
from tests.parts.stock_fixtures import (  # noqa: F401
    branch,
    central,
    ledger_sum,
    level,
    part,
    valuable,
)
from tests.threads import run_together as _run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_prt_8_n_takers_of_one_from_k_in_stock_exactly_k_succeed(people, central, branch, part):
    """Invariant: 5 on hand, 8 people each take 1 at the same moment (transfers and scrap
    mixed) → exactly 5 succeed, the other 3 are told there is not enough; on hand ends at
    0, never below, and the ledger's sum equals on hand at both locations."""
    keeper = people["keeper"]
    k, n = 5, 8
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=k)

    def take(i):
        if i % 2:
            return lambda: stock.scrap_stock(
                actor=keeper, warehouse=central, part=part, quantity=1, reason=f"并发 {i}"
            )
        return lambda: stock.transfer_stock(
            actor=keeper, source=central, target=branch, part=part, quantity=1
        )

    results, errors = _run_together([take(i) for i in range(n)])

    assert sum(r is not None for r in results) == k
    refused = [e for e in errors if e is not None]
    assert len(refused) == n - k
    assert all(isinstance(e, ServiceError) and "quantity" in e.message_dict for e in refused)
    assert level(central, part) == 0 == ledger_sum(central, part)
    assert level(branch, part) == ledger_sum(branch, part)
    assert StockMove.objects.filter(from_warehouse=central).count() == k


def test_prt_8_transfers_in_opposite_directions_at_once_do_not_deadlock(
    people, central, branch, part
):
    """Invariant: A→B and B→A at the same moment, many times over, all finish (the levels
    are locked in one order, so no circular wait); the total is unchanged and each
    location's on hand equals its ledger sum."""
    keeper = people["keeper"]
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=50)
    stock.receive_stock(actor=keeper, warehouse=branch, part=part, quantity=50)

    def there():
        return stock.transfer_stock(
            actor=keeper, source=central, target=branch, part=part, quantity=1
        )

    def back():
        return stock.transfer_stock(
            actor=keeper, source=branch, target=central, part=part, quantity=2
        )

    results, errors = _run_together([there, back] * 4)

    assert errors == [None] * 8
    assert (level(central, part), level(branch, part)) == (54, 46)
    assert ledger_sum(central, part) == 54 and ledger_sum(branch, part) == 46


def test_prt_2_the_same_new_serial_received_twice_at_once_enters_stock_once(
    people, central, branch, valuable
):
    """Invariant: two receipts of serial SN-X at the same moment (into two warehouses) →
    one succeeds, the other is told it is already in stock; one serial row, one piece."""
    keeper = people["keeper"]

    def receive(place):
        return lambda: stock.receive_stock(
            actor=keeper, warehouse=place, part=valuable, quantity=1, serials=["SN-X"]
        )

    results, errors = _run_together([receive(central), receive(branch)])

    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, ServiceError) for e in errors) == 1
    assert PartSerial.objects.filter(serial_number="SN-X").count() == 1
    assert level(central, valuable) + level(branch, valuable) == 1


def test_prt_8_two_counts_of_one_location_started_at_once_exactly_one_begins(people, central, part):
    """Invariant: one count of a location at a time — two keepers starting at once get one
    count and one refusal."""
    keeper = people["keeper"]
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=3)

    def start():
        return stock.start_count(actor=keeper, warehouse=central)

    results, errors = _run_together([start, start])

    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, ServiceError) for e in errors) == 1
    assert StockCount.objects.filter(warehouse=central).count() == 1
