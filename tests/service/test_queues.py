"""Work queues (issue 3 §9): the agent queue sorted and filtered by time limits, the
technician's day, the manager's overview of breaches; constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.notifications.models import Notification
from aftersales.service import services, sla
from aftersales.service.models import OrderClock, ServiceOrder
from tests.service.conftest import dispatched, in_progress

pytestmark = pytest.mark.django_db


def _numbers(resp):
    return [o.number for o in resp.context["page_obj"]]


def test_svc_6_the_order_keeps_its_next_due_time_and_breach_flag(new_order, people):
    """Stored on writes, read by the queue: the earliest running clock; breach flag by the sweep."""
    order = new_order()
    req5 = OrderClock.objects.get(order=order, rule_id="REQ-5")
    order.refresh_from_db()
    assert order.next_due_at == req5.due_at  # 12 h, the earliest of the intake clocks
    order = dispatched(order, people)
    order.refresh_from_db()
    earliest = min(c.due_at for c in OrderClock.objects.filter(order=order, state="running"))
    assert order.next_due_at == earliest
    sla.sweep(now=earliest + dt.timedelta(minutes=1))
    order.refresh_from_db()
    assert order.sla_breached is True
    services.cancel_order(actor=people["agent"], order=order, reason="客户撤销")
    order.refresh_from_db()
    assert order.next_due_at is None


def test_the_queue_puts_the_most_urgent_first(client_for, people, new_order):
    """Overdue first, then due soonest; orders without a running clock last."""
    now = timezone.now()
    late = new_order(received_at=now - dt.timedelta(hours=13))  # REQ-5 overdue
    fresh = new_order()
    older_but_done = new_order(received_at=now - dt.timedelta(hours=20))
    services.cancel_order(actor=people["agent"], order=older_but_done, reason="撤销")
    resp = client_for(people["agent"]).get("/orders/")
    numbers = _numbers(resp)
    assert numbers.index(late.number) < numbers.index(fresh.number)
    assert numbers[-1] == older_but_done.number


@pytest.mark.parametrize(
    "clock, expected",
    [("overdue", {"late"}), ("due_soon", {"soon"}), ("on_time", {"fresh"}), ("breached", set())],
)
def test_the_queue_filters_by_time_limit_state(client_for, people, new_order, clock, expected):
    now = timezone.now()
    orders = {
        "late": new_order(received_at=now - dt.timedelta(hours=13)),
        "soon": new_order(received_at=now - dt.timedelta(hours=10)),
        "fresh": new_order(),
    }
    resp = client_for(people["agent"]).get("/orders/", {"clock": clock})
    names = {k for k, o in orders.items() if o.number in _numbers(resp)}
    assert names == expected


def test_the_queue_filters_by_the_customers_region_with_sub_regions(
    client_for, people, new_order, org
):
    order = new_order()
    c = client_for(people["agent"])
    assert order.number in _numbers(c.get("/orders/", {"region": org["regions"]["EAST"].pk}))
    assert order.number not in _numbers(c.get("/orders/", {"region": org["regions"]["NORTH"].pk}))


def test_my_orders_shows_todays_appointments_and_what_to_bring(client_for, people, new_order):
    today = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    order = in_progress(new_order(), people, appointment_at=today)
    ServiceOrder.objects.filter(pk=order.pk).update(plan_notes="带温度传感器 NTC-10K")
    resp = client_for(people["technician"]).get("/orders/mine/")
    assert [o.number for o in resp.context["todays"]] == [order.number]
    html = resp.content.decode()
    assert 'data-testid="what-to-bring"' in html and "NTC-10K" in html


def test_the_overview_counts_overdue_and_breaches_per_unit(client_for, people, new_order):
    now = timezone.now()
    late = new_order(received_at=now - dt.timedelta(hours=13))
    new_order()
    sla.sweep()
    resp = client_for(people["branch_manager"]).get("/orders/time-limits/")
    assert resp.status_code == 200
    row = next(r for r in resp.context["by_unit"] if r["org_unit__code"] == "BR-HZ")
    assert row["open"] == 2 and row["overdue"] == 1 and row["breached"] == 1
    assert [o.number for o in resp.context["overdue"]] == [late.number]
    assert resp.context["overdue"][0].level == 1
    rule = next(r for r in resp.context["by_rule"] if r["rule_id"] == "REQ-5")
    assert rule["breached"] == 1


def test_the_overview_is_for_managers_and_dispatchers_only(client_for, people):
    assert client_for(people["technician"]).get("/orders/time-limits/").status_code == 403
    assert client_for(people["company_manager"]).get("/orders/time-limits/").status_code == 200


def test_the_overview_runs_a_constant_number_of_queries(client_for, people, new_order):
    c = client_for(people["agent"])
    now = timezone.now()
    new_order(received_at=now - dt.timedelta(hours=13))
    with CaptureQueriesContext(connection) as one:
        c.get("/orders/time-limits/")
    for _ in range(4):
        new_order(received_at=now - dt.timedelta(hours=14))
    with CaptureQueriesContext(connection) as five:
        c.get("/orders/time-limits/")
    assert len(five) == len(one)


def test_dispatch_tells_the_technician(new_order, people):
    """Issue 3 §10: the technician hears of an order given to them (in-app, e-mail)."""
    order = dispatched(new_order(), people)
    note = Notification.objects.get(recipient=people["technician"], topic="order.assigned")
    assert order.number in note.title and note.url == order.get_absolute_url()
