"""Issue 7: the work queue and the order list API write their rows the fast way — and show
exactly what the slow way showed (the filter's selects, the rows, the API's fields)."""

import datetime as dt
import re

import pytest
from django import forms
from django.test import RequestFactory
from django.utils import timezone

from aftersales.service import services, workflow
from aftersales.service.api import ServiceOrderSerializer
from aftersales.service.filtersets import QuickSelect, ServiceOrderFilter
from aftersales.service.models import FaultType, ServiceOrder
from tests.service.test_query_counts import _mixed_orders

pytestmark = pytest.mark.django_db


def _cell(html: str, number: str) -> str:
    """The next-due cell of the order's row."""
    row = html[html.index(f">{number}</a>") :]
    return re.search(r'data-testid="next-due">(.*?)</td>', row).group(1)


def test_the_queue_marks_overdue_due_soon_and_later_orders(client_for, people, new_order):
    now = timezone.now()
    orders = {
        "late": new_order(received_at=now - dt.timedelta(hours=13)),
        "soon": new_order(received_at=now - dt.timedelta(hours=10)),
        "fresh": new_order(),
        "done": new_order(),
    }
    services.cancel_order(actor=people["agent"], order=orders["done"], reason="撤销")
    html = client_for(people["agent"]).get("/orders/").content.decode()
    late = ServiceOrder.objects.get(pk=orders["late"].pk).next_due_at
    due = timezone.localtime(late).strftime("%m-%d %H:%M")
    assert _cell(html, orders["late"].number) == (
        f'<span class="text-danger fw-bold">overdue {due}</span>'
    )
    assert _cell(html, orders["soon"].number).startswith(
        '<span class="text-warning-emphasis fw-bold">'
    )
    assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d", _cell(html, orders["fresh"].number))
    assert _cell(html, orders["done"].number) == "—"


def test_the_queue_row_shows_the_order_as_the_detail_page_links_it(client_for, people, new_order):
    order = new_order(contact_name="王先生")
    html = client_for(people["agent"]).get("/orders/").content.decode()
    received = timezone.localtime(order.received_at)
    assert f'<a href="/orders/{order.pk}/">{order.number}</a>' in html
    assert f"{received:%Y-%m-%d %H:%M}</td>" in html
    assert '<div class="small">王先生</div>' in html  # the contact differs from the customer
    assert 'data-testid="status-badge">Received</span>' in html
    assert "KRF35-0001" in html


def test_quick_select_writes_what_djangos_select_template_writes(rf, people, org):
    """Every select of the filter bar, with and without a value, as Django renders it."""
    request = rf.get("/orders/", {"status": "received", "org_unit": org["units"]["BR-HZ"].pk})
    request.user = people["agent"]
    form = ServiceOrderFilter(request.GET, request=request).form
    selects = [name for name, f in form.fields.items() if isinstance(f.widget, QuickSelect)]
    assert {"status", "org_unit", "technician", "region", "clock"} <= set(selects)
    for name in selects:
        field = form.fields[name]
        value = form[name].value()
        attrs = {"id": f"id_{name}", "class": "form-select form-control-sm"}
        plain = forms.Select(choices=field.widget.choices)
        assert field.widget.render(name, value, attrs) == plain.render(name, value, attrs), name
    assert 'value="received" selected>' in form["status"].as_widget()


def test_quick_select_escapes_like_the_template():
    choices = [("", "---"), ('a"<b>', "<i>R&D</i>"), ("x", "plain")]
    attrs = {"data-x": 'say "hi" & <go>', "required": True, "disabled": False}
    quick = QuickSelect(choices=choices).render("f&<", 'a"<b>', attrs)
    assert quick == forms.Select(choices=choices).render("f&<", 'a"<b>', attrs)
    assert "&lt;i&gt;R&amp;D&lt;/i&gt;" in quick


def test_the_list_api_writes_each_order_as_the_order_serializer(api_for, people, new_order, signed):
    """Same fields and values as ServiceOrderSerializer (the schema's), actions included."""
    _mixed_orders(new_order, people, signed, 5)
    fault = FaultType.objects.create(code="T-LIST-1", name="不制热")
    new_order(quality_problem=True, fault_type=fault, contact_name="王先生")
    rows = api_for(people["agent"]).get("/api/orders/").json()["results"]
    request = RequestFactory().get("/api/orders/")
    request.user = people["agent"]
    orders = ServiceOrder.objects.in_bulk([row["id"] for row in rows])
    assert len(rows) == ServiceOrder.objects.count() >= 6
    for row in rows:
        order = orders[row["id"]]
        expected = ServiceOrderSerializer(order, context={"request": request}).data
        assert row == dict(expected)
        assert row["actions"] == workflow.actions_for(order, people["agent"])
    assert {row["fault_type_name"] for row in rows} == {None, "不制热"}


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option [^>]*>(.*?)</option>", select)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_filter_lists_are_kept_until_a_person_unit_or_region_changes(client_for, people, org):
    """Issue 7: the unit, technician and region lists are read once per process; a new
    technician, a renamed region or a person's new role shows on the next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.accounts.models import User

    client = client_for(people["agent"])
    first = client.get("/orders/").content.decode()
    with CaptureQueriesContext(connection) as kept:
        again = client.get("/orders/").content.decode()
    assert again == first.replace(_csrf(first), _csrf(again))
    assert not [q for q in kept if 'FROM "accounts_region"' in q["sql"]]

    newcomer = User.objects.create(
        username="new_tech", display_name="新来的技师", org_unit=people["technician"].org_unit
    )
    assert "新来的技师" not in _options(client.get("/orders/").content.decode(), "technician")
    newcomer.groups.set(people["technician"].groups.all())  # the technician role
    east = org["regions"]["EAST"]
    east.name = "华东大区"
    east.save()
    html = client.get("/orders/").content.decode()
    assert "新来的技师" in _options(html, "technician")
    assert "华东大区" in _options(html, "region")


def _csrf(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
