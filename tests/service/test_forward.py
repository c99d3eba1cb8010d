"""REQ-3 / REQ-8: a salesperson's or a branch's forward is recorded and timed."""

import datetime

import pytest
from django.utils import timezone

from aftersales.core.exceptions import ServiceError
from aftersales.service import services
from aftersales.service.models import OrderClock

pytestmark = pytest.mark.django_db


def _forward_clock(order):
    return OrderClock.objects.get(order=order, rule_id="REQ-3")


def test_req_3_a_salesperson_recording_a_report_is_the_forward(people, hz_customer, hz_unit):
    """REQ-3: the salesperson who records the customer's report forwards it now; the 12 h
    forward clock from the report to the forward is met."""
    told = timezone.now() - datetime.timedelta(hours=2)
    order = services.receive_order(
        actor=people["salesperson"],
        customer=hz_customer,
        unit=hz_unit,
        order_type="repair",
        channel="salesperson",
        description="客户在门店反映热水器不制热",
        received_at=told,
    )
    assert order.forwarded_by == people["salesperson"]
    assert order.forwarded_at >= told
    clock = _forward_clock(order)
    assert clock.state == "stopped" and not clock.breached


def test_req_3_a_forward_later_than_12_hours_is_breached(people, hz_customer, hz_unit):
    """REQ-3: reported 15 h before the salesperson passed it on: the forward clock is breached."""
    now = timezone.now()
    order = services.receive_order(
        actor=people["agent"],
        customer=hz_customer,
        unit=hz_unit,
        order_type="repair",
        channel="salesperson",
        description="业务员转报：机组噪音大",
        received_at=now - datetime.timedelta(hours=16),
        forwarded_by=people["salesperson"],
        forwarded_at=now - datetime.timedelta(hours=1),
    )
    clock = _forward_clock(order)
    assert clock.state == "stopped" and clock.breached
    assert order.forwarded_by == people["salesperson"]


def test_req_3_orders_not_forwarded_have_no_forward_clock(new_order):
    assert not OrderClock.objects.filter(order=new_order(), rule_id="REQ-3").exists()


def test_req_3_a_forward_before_the_report_is_refused(people, hz_customer):
    now = timezone.now()
    with pytest.raises(ServiceError) as exc:
        services.receive_order(
            actor=people["agent"],
            customer=hz_customer,
            order_type="repair",
            channel="branch",
            description="分公司转报",
            received_at=now - datetime.timedelta(hours=1),
            forwarded_at=now - datetime.timedelta(hours=2),
        )
    assert "forwarded_at" in exc.value.message_dict


def test_req_8_a_branch_forward_through_the_api(api_for, people, hz_customer, hz_unit):
    """REQ-8: a branch's intake passed to HQ records who and when."""
    resp = api_for(people["agent"]).post(
        "/api/orders/",
        {
            "customer": hz_customer.pk,
            "unit": hz_unit.pk,
            "order_type": "repair",
            "channel": "branch",
            "description": "分公司转报：不制热",
            "forwarded_by": people["branch_manager"].pk,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.data
    assert resp.data["forwarded_by"] == people["branch_manager"].pk
    assert resp.data["forwarded_at"]
