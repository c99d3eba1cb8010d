"""Service-order pages: work queue, intake (REQ-1/2), the order and its steps, my orders."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.customers.models import Customer
from aftersales.service import services
from aftersales.service.models import ServiceOrder, Status
from tests.service.conftest import dispatched, in_progress, signature_data_url, signature_png

pytestmark = pytest.mark.django_db


def local(dt: datetime.datetime) -> str:
    """A datetime as a datetime-local input sends it."""
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def intake_data(customer, unit=None, **overrides):
    data = {
        "customer": customer.pk,
        "unit": unit.pk if unit else "",
        "order_type": "repair",
        "channel": "phone",
        "description": "热水器不制热，显示 E3 故障码",
        "received_at": local(timezone.now() - datetime.timedelta(hours=2)),
        "contact_name": "",
        "contact_phone": "",
        "address": "",
    }
    return {**data, **overrides}


def status_of(order) -> str:
    return ServiceOrder.objects.get(pk=order.pk).status


# Work queue -------------------------------------------------------------------------


def test_the_order_list_shows_orders_in_reach_oldest_first(client_for, people, new_order):
    # given two open orders, the older one received yesterday
    now = timezone.now()
    newer = new_order(received_at=now - datetime.timedelta(hours=1))
    older = new_order(received_at=now - datetime.timedelta(days=1))
    # when the HQ agent opens the work queue
    resp = client_for(people["agent"]).get("/orders/")
    # then both are listed, the oldest first, with the columns the queue needs
    assert resp.status_code == 200
    assert [o.pk for o in resp.context["page_obj"]] == [older.pk, newer.pk]
    html = resp.content.decode()
    assert html.count('data-testid="order-row"') == 2
    for text in [older.number, "杭州西湖宾馆", "tel:0571-87001234", "KRF35-0001", "Received"]:
        assert text in html
    assert 'data-testid="new-order"' in html


def test_org_3_the_order_list_is_limited_to_reach(client_for, people, new_order):
    order = new_order()
    # the Hangzhou branch manager sees the Hangzhou order; the Nanjing manager does not
    resp = client_for(people["branch_manager"]).get("/orders/")
    assert [o.pk for o in resp.context["page_obj"]] == [order.pk]
    resp = client_for(people["outsider"]).get("/orders/")
    assert resp.status_code == 200
    assert list(resp.context["page_obj"]) == []


def test_a_view_only_role_sees_the_list_without_the_new_order_button(client_for, people, new_order):
    new_order()
    resp = client_for(people["finance"]).get("/orders/")
    assert resp.status_code == 200
    assert 'data-testid="order-row"' in resp.content.decode()
    assert 'data-testid="new-order"' not in resp.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=SO", {"first", "second"}),
        ("q=87001234", {"first"}),  # contact phone fragment
        ("q=0571 8700 1234", {"first"}),  # phone written with spaces, stored with a dash
        ("q=13900001111", {"second"}),
        ("q=王先生", {"second"}),  # contact name
        ("q=西湖宾馆", {"first", "second"}),  # customer name
        ("q=KRF35-0001", {"first"}),  # unit serial number
        ("state=open", {"first"}),
        ("state=finished", {"second"}),
        ("status=cancelled", {"second"}),
        ("order_type=consultation", {"second"}),
        ("channel=web", {"second"}),
        ("technician=TECH", {"first"}),
    ],
)
def test_the_order_list_filters(client_for, people, new_order, hz_customer, query, expected):
    # given a dispatched repair order and a cancelled consultation without a unit
    first = dispatched(new_order(), people)
    second = new_order(
        unit=None,
        order_type="consultation",
        channel="web",
        contact_name="王先生",
        contact_phone="13900001111",
    )
    services.cancel_order(actor=people["agent"], order=second, reason="客户撤销")
    names = {first.pk: "first", second.pk: "second"}
    query = query.replace("TECH", str(people["technician"].pk))
    resp = client_for(people["agent"]).get(f"/orders/?{query}")
    assert resp.status_code == 200
    assert {names[o.pk] for o in resp.context["page_obj"]} == expected


def test_the_org_unit_filter_offers_only_units_in_reach(client_for, people):
    resp = client_for(people["branch_manager"]).get("/orders/")
    units = {u.code for u in resp.context["filter"].form.fields["org_unit"].queryset}
    assert units == {"BR-HZ", "SC-NB"}


def test_the_order_list_runs_a_constant_number_of_queries(client_for, people, new_order):
    client = client_for(people["agent"])
    for _ in range(2):
        dispatched(new_order(), people)
    client.get("/orders/")  # warm-up: caches that fill once per process
    with CaptureQueriesContext(connection) as two:
        assert client.get("/orders/").status_code == 200
    for i in range(6):
        order = new_order()
        if i % 2:
            dispatched(order, people, "service_centre")
    with CaptureQueriesContext(connection) as eight:
        resp = client.get("/orders/")
    assert resp.content.decode().count('data-testid="order-row"') == 8
    assert len(eight) == len(two), [q["sql"] for q in eight.captured_queries]


# Intake -----------------------------------------------------------------------------


def test_req_2_intake_form_creates_order(client_for, people, hz_customer, hz_unit):
    client = client_for(people["agent"])
    received = timezone.now() - datetime.timedelta(hours=3)
    # when the agent keys in a call taken three hours ago
    resp = client.post(
        "/orders/new/", intake_data(hz_customer, hz_unit, received_at=local(received))
    )
    # then the order is recorded with the defaults from the file, and the page opens
    order = ServiceOrder.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/orders/{order.pk}/"
    assert order.status == Status.RECEIVED
    assert order.received_by == people["agent"]
    assert local(order.received_at) == local(received)
    assert order.contact_name == hz_customer.name
    assert order.contact_phone == "0571-87001234"
    assert order.address == hz_unit.installation_address
    assert order.service_kind == "free"  # the unit is in warranty (FEE-1)
    page = client.get(resp["Location"])
    assert f"Service order {order.number} was received." in page.content.decode()


def test_req_2_intake_form_prefills_customer_and_unit(client_for, people, hz_customer, hz_unit):
    client = client_for(people["agent"])
    resp = client.get(f"/orders/new/?unit={hz_unit.pk}")
    assert resp.status_code == 200
    form = resp.context["form"]
    assert form.initial["unit"] == hz_unit.pk
    assert form.initial["customer"] == hz_customer.pk  # the unit's owner
    resp = client.get(f"/orders/new/?customer={hz_customer.pk}")
    assert resp.context["form"].initial == {"customer": hz_customer.pk}
    # the time received starts at now, on the local wall clock (Asia/Shanghai)
    received = resp.context["form"]["received_at"].value()  # naive local time, as rendered
    now = timezone.localtime().replace(tzinfo=None)
    assert abs(received - now) < datetime.timedelta(minutes=2)
    assert 'type="datetime-local"' in resp.content.decode()


def test_req_2_intake_prefill_ignores_records_out_of_reach(client_for, people, hz_customer):
    resp = client_for(people["outsider"]).get(f"/orders/new/?customer={hz_customer.pk}")
    assert resp.status_code == 200
    assert resp.context["form"].initial == {}


def test_req_2_future_received_time_is_a_form_error_and_writes_nothing(
    client_for, people, hz_customer, hz_unit
):
    future = timezone.now() + datetime.timedelta(days=1)
    resp = client_for(people["agent"]).post(
        "/orders/new/", intake_data(hz_customer, hz_unit, received_at=local(future))
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["received_at"] == [
        "The time received cannot be in the future."
    ]
    assert not ServiceOrder.objects.exists()


def test_req_2_a_unit_of_another_customer_is_a_form_error(client_for, people, hz_customer, hz_unit):
    other = Customer.objects.create(
        code="C-HZ-002",
        name="杭州另一家",
        kind="end_user",
        entity="person",
        phone="13800001234",
        owner_unit=hz_customer.owner_unit,
    )
    resp = client_for(people["agent"]).post("/orders/new/", intake_data(other, hz_unit))
    assert resp.status_code == 200
    assert resp.context["form"].errors["unit"] == ["This unit belongs to another customer."]
    assert not ServiceOrder.objects.exists()


def test_req_2_missing_description_is_a_form_error(client_for, people, hz_customer):
    resp = client_for(people["agent"]).post(
        "/orders/new/", intake_data(hz_customer, description="")
    )
    assert resp.status_code == 200
    assert "description" in resp.context["form"].errors
    assert not ServiceOrder.objects.exists()


def test_org_3_a_customer_out_of_reach_cannot_be_chosen(client_for, people, hz_customer):
    resp = client_for(people["outsider"]).post("/orders/new/", intake_data(hz_customer))
    assert resp.status_code == 200
    assert "customer" in resp.context["form"].errors
    assert not ServiceOrder.objects.exists()


def test_a_role_without_the_intake_right_gets_403_on_new_order(client_for, people, hz_customer):
    client = client_for(people["finance"])
    resp = client.get("/orders/new/")
    assert resp.status_code == 403
    assert "service.add_serviceorder" in resp.content.decode()
    assert client.post("/orders/new/", intake_data(hz_customer)).status_code == 403
    assert not ServiceOrder.objects.exists()


# The order page ---------------------------------------------------------------------


def test_the_order_page_shows_the_facts_next_steps_and_history(
    client_for, people, new_order, hz_customer, hz_unit
):
    order = new_order()
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    for text in [
        order.number,
        "Received",
        "Repair",
        "Phone hotline",
        f'href="/customers/{hz_customer.pk}/"',
        'href="tel:0571-87001234"',
        f'href="/products/units/{hz_unit.pk}/"',
        "热水器不制热",
        "Free service",
        'data-testid="service-kind-reason"',
        'data-testid="history-panel"',
        "service.order.received",
    ]:
        assert text in html, text
    # the agent may dispatch, escalate (ORG-4) or cancel a received branch order, nothing else
    assert [a["action"] for a in resp.context["actions"]] == ["dispatch", "escalate", "cancel"]
    # the dispatch form is loaded when its panel opens (issue 7); the others are on the page
    assert f'hx-get="/orders/{order.pk}/dispatch/"' in html
    assert f'action="/orders/{order.pk}/escalate/"' in html


def test_dispatch_offers_technicians_of_the_order_unit_and_hq(client_for, people, new_order):
    order = new_order()
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/dispatch/")
    offered = set(resp.context["a"]["form"].fields["technician"].queryset)
    # the Hangzhou technician and the Ningbo service centre under Hangzhou; no managers
    assert offered == {people["technician"], people["service_centre"]}


def test_org_3_outsider_gets_403_on_hangzhou_order(client_for, people, new_order):
    order = new_order()
    client = client_for(people["outsider"])
    resp = client.get(f"/orders/{order.pk}/")
    assert resp.status_code == 403
    assert "outside your reach" in resp.content.decode()
    resp = client.post(f"/orders/{order.pk}/cancel/", {"reason": "不是我们的"})
    assert resp.status_code == 403
    assert status_of(order) == Status.RECEIVED


def test_a_missing_order_is_404(client_for, people):
    assert client_for(people["agent"]).get("/orders/999999/").status_code == 404


def test_the_assigned_technician_outside_the_unit_still_opens_the_order(
    client_for, people, new_order
):
    # the Ningbo service centre is under Hangzhou, but reach also follows the assignment
    order = dispatched(new_order(), people, "service_centre")
    resp = client_for(people["service_centre"]).get(f"/orders/{order.pk}/")
    assert resp.status_code == 200
    assert [a["action"] for a in resp.context["actions"]] == ["contact"]


# Actions ----------------------------------------------------------------------------


def test_req_5_dispatch_from_the_page(client_for, people, new_order):
    order = new_order()
    client = client_for(people["agent"])
    resp = client.post(f"/orders/{order.pk}/dispatch/", {"technician": people["technician"].pk})
    assert resp.status_code == 302
    assert resp["Location"] == f"/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert order.technician == people["technician"]
    page = client.get(resp["Location"]).content.decode()
    assert f"Order {order.number} was dispatched." in page


def test_dispatch_without_a_technician_shows_the_error(client_for, people, new_order):
    order = new_order()
    resp = client_for(people["agent"]).post(f"/orders/{order.pk}/dispatch/", {"technician": ""})
    assert resp.status_code == 200
    [dispatch] = [a for a in resp.context["actions"] if a["action"] == "dispatch"]
    assert dispatch["failed"] and "technician" in dispatch["form"].errors
    assert status_of(order) == Status.RECEIVED


def test_a_technician_cannot_dispatch(client_for, people, new_order):
    order = new_order()
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/dispatch/", {"technician": people["technician"].pk}
    )
    assert resp.status_code == 403
    assert "service.dispatch_serviceorder" in resp.content.decode()
    assert status_of(order) == Status.RECEIVED


def test_reassign_needs_a_reason_and_records_it(client_for, people, new_order):
    order = dispatched(new_order(), people)
    client = client_for(people["branch_manager"])
    url = f"/orders/{order.pk}/reassign/"
    resp = client.post(url, {"technician": people["service_centre"].pk, "reason": ""})
    assert resp.status_code == 200
    [reassign] = [a for a in resp.context["actions"] if a["action"] == "reassign"]
    assert "reason" in reassign["form"].errors
    assert ServiceOrder.objects.get(pk=order.pk).technician == people["technician"]
    resp = client.post(url, {"technician": people["service_centre"].pk, "reason": "客户改约"})
    assert resp.status_code == 302
    assert ServiceOrder.objects.get(pk=order.pk).technician == people["service_centre"]
    assert AuditEntry.objects.for_object(order).filter(note="客户改约").exists()


def test_svc_1_2_the_technician_works_the_order_from_the_page(client_for, people, new_order):
    order = dispatched(new_order(), people)
    tech = client_for(people["technician"])
    appointment = timezone.now() + datetime.timedelta(days=1)
    steps = [
        ("contact", {"note": "已电话联系"}, Status.CONTACTED),
        (
            "plan",
            {
                "mode": "on_site",
                "diagnosis": "温度传感器故障",
                "details": "上门更换传感器",
                "appointment_at": local(appointment),
            },
            Status.PLANNED,
        ),
        ("start", {}, Status.IN_PROGRESS),
        ("wait_parts", {"reason": "传感器缺货"}, Status.WAITING_PARTS),
        ("resume", {}, Status.IN_PROGRESS),
        (
            "complete",
            {
                "result": "更换温度传感器，试机正常",
                "signature": signature_data_url(),
                "signer_name": "王经理",
            },
            Status.COMPLETED,
        ),
    ]
    for action, data, expected in steps:
        resp = tech.post(f"/orders/{order.pk}/{action}/", data)
        assert resp.status_code == 302, (action, resp.context and resp.context["actions"])
        assert status_of(order) == expected, action
    order.refresh_from_db()
    assert local(order.appointment_at) == local(appointment)
    assert order.result == "更换温度传感器，试机正常"
    # the technician may not close; the agent may
    resp = tech.get(f"/orders/{order.pk}/")
    assert resp.context["actions"] == []
    # FUP-1: closing waits for the return visit; once it is done the agent closes the order
    from aftersales.followup.models import ReturnVisit

    ReturnVisit.objects.filter(order=order).update(status="satisfied")
    resp = client_for(people["agent"]).post(f"/orders/{order.pk}/close/")
    assert resp.status_code == 302
    assert status_of(order) == Status.CLOSED


def test_svc_2_plan_without_consent_shows_error(client_for, people, new_order):
    order = services.record_contact(
        actor=people["technician"], order=dispatched(new_order(), people)
    )
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/plan/", {"mode": "self_replace", "diagnosis": "滤网破损"}
    )
    assert resp.status_code == 200
    [plan] = [a for a in resp.context["actions"] if a["action"] == "plan"]
    assert plan["failed"]
    assert "customer_consent" in plan["form"].errors
    html = resp.content.decode()
    assert "damage from wrong assembly is theirs" in html
    assert 'id="action-plan"' in html and "collapse show" in html
    order.refresh_from_db()
    assert order.status == Status.CONTACTED
    assert order.plan_mode == ""


def test_svc_2_plan_with_consent_is_recorded(client_for, people, new_order):
    order = services.record_contact(
        actor=people["technician"], order=dispatched(new_order(), people)
    )
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/plan/",
        {"mode": "self_replace", "diagnosis": "滤网破损", "customer_consent": "on"},
    )
    assert resp.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.PLANNED
    assert order.self_replace_consent_at is not None


def test_svc_2_on_site_plan_without_appointment_shows_error(client_for, people, new_order):
    order = services.record_contact(
        actor=people["technician"], order=dispatched(new_order(), people)
    )
    resp = client_for(people["technician"]).post(f"/orders/{order.pk}/plan/", {"mode": "on_site"})
    assert resp.status_code == 200
    [plan] = [a for a in resp.context["actions"] if a["action"] == "plan"]
    assert plan["form"].errors["appointment_at"] == ["Agree an appointment time with the customer."]
    assert status_of(order) == Status.CONTACTED


def test_an_action_not_allowed_in_the_current_state_shows_why_and_changes_nothing(
    client_for, people, new_order
):
    order = new_order()
    resp = client_for(people["agent"]).post(f"/orders/{order.pk}/close/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="refused"' in html
    assert "An order that is “Received” cannot be “closed”." in html
    assert status_of(order) == Status.RECEIVED


def test_cancel_and_reopen_need_a_reason(client_for, people, new_order):
    order = new_order()
    client = client_for(people["agent"])
    resp = client.post(f"/orders/{order.pk}/cancel/", {"reason": "  "})
    assert resp.status_code == 200
    assert status_of(order) == Status.RECEIVED
    assert client.post(f"/orders/{order.pk}/cancel/", {"reason": "客户撤销"}).status_code == 302
    assert status_of(order) == Status.CANCELLED
    resp = client.get(f"/orders/{order.pk}/")
    assert [a["action"] for a in resp.context["actions"]] == ["reopen"]
    assert client.post(f"/orders/{order.pk}/reopen/", {"reason": "客户再次报修"}).status_code == 302
    assert status_of(order) == Status.RECEIVED


def test_an_unknown_action_is_404_and_get_shows_the_form_only(client_for, people, new_order):
    order = new_order()
    client = client_for(people["agent"])
    assert client.post(f"/orders/{order.pk}/explode/").status_code == 404
    # GET shows the step's form (issue 7: loaded into the page's panel) and changes nothing
    resp = client.get(f"/orders/{order.pk}/cancel/")
    assert resp.status_code == 200 and 'data-testid="form-cancel"' in resp.content.decode()
    assert status_of(order) == Status.RECEIVED
    assert client.put(f"/orders/{order.pk}/cancel/").status_code == 405


# My orders --------------------------------------------------------------------------


def test_technicians_my_orders_lists_only_their_open_orders(client_for, people, new_order):
    now = timezone.now()
    tech = people["technician"]
    # given three open orders of theirs: none, a later and a sooner appointment
    no_appointment = dispatched(new_order(received_at=now - datetime.timedelta(days=2)), people)
    later = in_progress(new_order(), people, appointment_at=now + datetime.timedelta(days=3))
    sooner = in_progress(new_order(), people, appointment_at=now + datetime.timedelta(days=1))
    # and one they finished, and one of another technician
    done = in_progress(new_order(), people)
    services.complete_order(
        actor=tech, order=done, result="已修好", signature=signature_png(), signer_name="王"
    )
    dispatched(new_order(), people, "service_centre")
    # when the technician opens their orders
    resp = client_for(tech).get("/orders/mine/")
    # then only their open ones, the next appointment first, those without one last
    assert resp.status_code == 200
    assert [o.pk for o in resp.context["orders"]] == [sooner.pk, later.pk, no_appointment.pk]
    html = resp.content.decode()
    assert html.count('data-testid="my-order"') == 3
    assert 'href="tel:0571-87001234"' in html
    assert "KRF35-0001" in html


def test_my_orders_needs_the_handle_right(client_for, people):
    resp = client_for(people["agent"]).get("/orders/mine/")
    assert resp.status_code == 403
    assert "service.handle_serviceorder" in resp.content.decode()


def test_the_menu_shows_the_order_pages_by_right(client_for, people):
    tech = client_for(people["technician"]).get("/").content.decode()
    assert 'href="/orders/"' in tech and 'href="/orders/mine/"' in tech
    agent = client_for(people["agent"]).get("/").content.decode()
    assert 'href="/orders/"' in agent and 'href="/orders/mine/"' not in agent


def test_svc_6_order_page_shows_each_sla_clock_and_its_state(client_for, people, new_order):
    """The clocks are read from their stored columns: running, met, overdue."""
    import datetime as dt

    from django.utils import timezone

    order = new_order(received_at=timezone.now() - dt.timedelta(hours=13))
    html = client_for(people["agent"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="clock-REQ-5"' in html and "overdue" in html
    assert 'data-testid="clock-SVC-6P"' in html and "running" in html


def test_req_1_unit_and_customer_pages_start_an_order_prefilled(client_for, people, hz_unit):
    c = client_for(people["agent"])
    html = c.get(f"/products/units/{hz_unit.pk}/").content.decode()
    assert f"/orders/new/?unit={hz_unit.pk}" in html
    html = c.get(f"/customers/{hz_unit.owner_id}/").content.decode()
    assert f"/orders/new/?customer={hz_unit.owner_id}" in html
    form = c.get(f"/orders/new/?unit={hz_unit.pk}").context["form"]
    assert form.initial["unit"] == hz_unit.pk or form["unit"].value() == hz_unit.pk
    # finance may not take orders: no button
    html = client_for(people["finance"]).get(f"/products/units/{hz_unit.pk}/").content.decode()
    assert "/orders/new/" not in html


# Intake lookup (REQ-2) ------------------------------------------------------------------


@pytest.mark.parametrize("q", ["西湖宾馆", "87001234", "C-HZ-001", "KRF35"])
def test_req_2_intake_finds_the_customer_by_name_phone_code_or_serial(
    client_for, people, hz_customer, hz_unit, q
):
    resp = client_for(people["agent"]).get("/orders/new/lookup/", {"q": q})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert f"?customer={hz_customer.pk}" in html or f"?unit={hz_unit.pk}" in html
    assert "KRF35-0001" in html


def test_req_2_intake_lookup_is_limited_to_reach(client_for, people, hz_customer):
    """ORG-3: another branch's manager does not find Hangzhou's customers."""
    resp = client_for(people["outsider"]).get("/orders/new/lookup/", {"q": "西湖宾馆"})
    assert resp.status_code == 200
    assert f"?customer={hz_customer.pk}" not in resp.content.decode()


def test_req_2_intake_lookup_needs_the_intake_right(client_for, people):
    resp = client_for(people["finance"]).get("/orders/new/lookup/", {"q": "西湖"})
    assert resp.status_code == 403


def test_req_2_the_intake_page_asks_for_the_customer_first(client_for, people, hz_customer):
    c = client_for(people["agent"])
    html = c.get("/orders/new/").content.decode()
    assert 'data-testid="intake-search"' in html and 'data-testid="intake-form"' not in html
    html = c.get("/orders/new/", {"customer": hz_customer.pk}).content.decode()
    assert 'data-testid="chosen-customer"' in html and 'data-testid="intake-form"' in html


def test_req_2_intake_lookup_queries_do_not_grow_with_results(client_for, people, hz_customer):
    c = client_for(people["agent"])
    with CaptureQueriesContext(connection) as one:
        c.get("/orders/new/lookup/", {"q": "杭州"})
    for i in range(5):
        Customer.objects.create(
            code=f"C-HZ-1{i}",
            name=f"杭州客户{i}",
            kind="end_user",
            entity="person",
            phone=f"1380000{i:04d}",
            owner_unit=hz_customer.owner_unit,
        )
    with CaptureQueriesContext(connection) as six:
        c.get("/orders/new/lookup/", {"q": "杭州"})
    assert len(six) == len(one)


def test_a_customer_filed_from_intake_returns_to_the_intake(client_for, people, org):
    resp = client_for(people["agent"]).post(
        "/customers/new/?for=order",
        {
            "name": "新客户",
            "kind": "end_user",
            "entity": "person",
            "phone": "13900001111",
            "owner_unit": org["units"]["BR-HZ"].pk,
            "credit": "good",
            "credit_limit": "0",
            "relationship": "active",
            "service_tier": "B",
        },
    )
    assert resp.status_code == 302, resp.context and resp.context["form"].errors
    new = Customer.objects.get(name="新客户")
    assert resp["Location"] == f"/orders/new/?customer={new.pk}"
