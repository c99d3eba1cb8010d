"""Concurrency of return visits on PostgreSQL (FUP-1): real transactions in threads.
Skipped on SQLite, which serialises writers."""

import pytest
from django.db import connection

from aftersales.core.exceptions import ServiceError
from aftersales.followup import visits
from aftersales.followup.models import FollowupCase, ReturnVisit, VisitCall
from tests.service.test_concurrency import _run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_fup_1_two_agents_finishing_one_visit_at_once_exactly_one_wins(completed_order, people):
    """Invariant: two final calls on the same visit at once — one is recorded, the other is
    told the visit is finished; one call, at most one case, the order closed once."""
    visit = ReturnVisit.objects.get(order=completed_order)
    answers = {q.pk: "是" for q in visits.script_for(completed_order)}
    agent = people["agent"]
    jobs = [
        lambda: visits.record_call(actor=agent, visit=visit, outcome="satisfied", answers=answers),
        lambda: visits.record_call(
            actor=agent, visit=visit, outcome="not_satisfied", answers=answers, problem="水温低"
        ),
    ]
    results, errors = _run_together(jobs)
    assert sum(r is not None for r in results) == 1
    refused = [e for e in errors if e is not None]
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), refused
    assert VisitCall.objects.filter(visit=visit).count() == 1
    assert FollowupCase.objects.count() <= 1
    completed_order.refresh_from_db()
    assert completed_order.status == "closed"
