"""The demo company shows field work (SVC-3, SVC-5): a planned on-site order with its
checklist ticked and the technician checked in, and an order in progress whose part went
to the depot on a hand-over signed by both."""

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.fieldwork import services
from aftersales.fieldwork.models import SiteVisit, TakeBack
from aftersales.service.models import Status

pytestmark = pytest.mark.django_db


def test_demo_has_a_checked_in_visit_and_a_signed_take_back(client_for):
    from aftersales.core.demo import load

    ctx = load()
    done = ctx["fieldwork"]
    checked_in, take_back = done["checked_in"], done["take_back"]
    assert checked_in.status == Status.PLANNED
    assert services.missing_required(checked_in) == []
    visit = SiteVisit.objects.get(order=checked_in)
    assert visit.is_open and visit.latitude is not None
    take_back = TakeBack.objects.get(pk=take_back.pk)
    assert take_back.order.status == Status.IN_PROGRESS
    assert take_back.technician_signature and take_back.customer_signature
    assert not take_back.is_returned
    actions = set(AuditEntry.objects.for_object(take_back.order).values_list("action", flat=True))
    assert {"fieldwork.check_in", "fieldwork.check_out", "fieldwork.take_back"} <= actions
    # the technician's order page shows it
    client = client_for(take_back.technician)
    html = client.get(f"/orders/{take_back.order_id}/").content.decode()
    assert take_back.number in html
    resp = client.get(f"/fieldwork/take-backs/{take_back.pk}/signature/technician/")
    assert resp.status_code == 200
