import pytest

from aftersales.service.models import ServiceOrder, Status

pytestmark = pytest.mark.django_db


def test_demo_has_orders_in_every_state_with_their_audit_trail():
    from aftersales.audit.models import AuditEntry
    from aftersales.core.demo import load

    load()
    assert set(ServiceOrder.objects.values_list("status", flat=True)) == set(Status.values)
    closed = ServiceOrder.objects.filter(status=Status.CLOSED).order_by("pk").first()
    actions = set(AuditEntry.objects.for_object(closed).values_list("action", flat=True))
    assert {"service.order.received", "service.order.dispatch", "service.order.close"} <= actions
