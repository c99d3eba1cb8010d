"""Concurrency on PostgreSQL (issue 3, bad input and safety): real transactions in threads.

Each test states the invariant it checks. Skipped on SQLite, which serialises writers.
"""

import pytest
from django.db import connection

from aftersales.accounts import services as account_services
from aftersales.core.exceptions import ServiceError
from aftersales.service import services
from aftersales.service.models import ServiceOrder, Status
from tests.threads import run_together as _run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_dispatches_of_one_order_exactly_one_wins(new_order, people, org):
    """Invariant: two agents dispatching the same order at once — one succeeds, the other
    is told the order is no longer received; the order has one technician and one
    dispatch in its history."""
    order = new_order()
    second = account_services.create_user(
        actor=people["admin"],
        username="hz_jishi2",
        password=None,
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
    )
    jobs = [
        lambda: services.dispatch_order(
            actor=people["agent"], order=order, technician=people["technician"]
        ),
        lambda: services.dispatch_order(
            actor=people["branch_manager"], order=order, technician=second
        ),
    ]
    results, errors = _run_together(jobs)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    losers = [e for e in errors if e is not None]
    assert len(losers) == 1 and isinstance(losers[0], ServiceError)
    fresh = ServiceOrder.objects.get(pk=order.pk)
    assert fresh.status == Status.DISPATCHED
    assert fresh.technician_id == winners[0].technician_id
    from aftersales.audit.models import AuditEntry

    assert AuditEntry.objects.for_object(fresh).filter(action="service.order.dispatch").count() == 1


def test_concurrent_intake_keeps_order_numbers_unique_and_gap_free(people, hz_customer, hz_unit):
    """Invariant: eight agents recording orders at once get eight different numbers of the
    day's series with no gap."""

    def intake(i):
        return lambda: (
            services.receive_order(
                actor=people["agent"],
                customer=hz_customer,
                unit=hz_unit,
                order_type="repair",
                channel="phone",
                description=f"并发受理 {i}",
                confirm_duplicate=True,
            ).number
        )

    results, errors = _run_together([intake(i) for i in range(8)])
    assert errors == [None] * 8
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in results)
    assert serials == list(range(serials[0], serials[0] + 8))
    assert len(set(results)) == 8


def test_two_completions_of_one_order_exactly_one_wins(new_order, people):
    """Invariant: the technician's phone sending "complete" twice at once completes the order
    once and writes one warranty-card line."""
    from aftersales.products.models import UnitServiceRecord
    from tests.service.conftest import in_progress, signature_png

    order = in_progress(new_order(), people)

    def complete():
        return services.complete_order(
            actor=people["technician"],
            order=order,
            result="已修好",
            signature=signature_png(),
            signer_name="王",
        )

    results, errors = _run_together([complete, complete])
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, ServiceError) for e in errors) == 1
    assert UnitServiceRecord.objects.filter(reference=order.number).count() == 1
