"""The demo company's return visits and follow-up cases (FUP-1, FUP-5)."""

import pytest
from django.utils import timezone

from aftersales.followup.models import FollowupCase, ReturnVisit

pytestmark = pytest.mark.django_db


def test_fup_1_fup_5_demo_has_visits_in_every_state():
    from aftersales.core.demo import load

    load()
    now = timezone.now()
    statuses = set(ReturnVisit.objects.values_list("status", flat=True))
    assert statuses == {"due", "satisfied", "not_satisfied", "unreachable"}
    due = ReturnVisit.objects.filter(status="due")
    assert due.filter(due_at__lt=now).exists()  # overdue
    assert due.filter(next_call_at__gt=now, attempts__gte=1).exists()  # retry scheduled
    assert due.filter(next_call_at__lte=now, due_at__gte=now).exists()  # to call now
    assert set(FollowupCase.objects.values_list("status", flat=True)) == {"open", "resolved"}
    # every finished visit closed its order (the agent holds the right to close)
    for visit in ReturnVisit.objects.exclude(status="due").select_related("order"):
        assert visit.order.status == "closed", visit.order.number
