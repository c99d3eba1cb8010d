"""Intake (REQ-1, REQ-2) and the service kind (FEE-1)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.products.models import Warranty
from aftersales.service import services
from aftersales.service.models import ServiceOrder

pytestmark = pytest.mark.django_db


def test_req_2_an_order_records_who_what_how_and_when(new_order, people, hz_customer, hz_unit):
    received = timezone.now() - datetime.timedelta(hours=3)
    order = new_order(received_at=received, channel="letter")
    assert order.number.startswith(f"SO-{timezone.localdate():%Y%m%d}-")
    assert (order.status, order.channel, order.order_type) == ("received", "letter", "repair")
    assert order.received_at == received and order.received_by == people["agent"]
    assert (order.contact_name, order.contact_phone) == (hz_customer.name, "0571-87001234")
    assert order.address == hz_unit.installation_address
    assert order.org_unit.code == "BR-HZ"  # the customer's unit handles it
    entry = AuditEntry.objects.for_object(order).get()
    assert entry.action == "service.order.received" and entry.actor == people["agent"]


def test_req_2_numbers_are_gap_free_per_day(new_order):
    numbers = [new_order().number for _ in range(3)]
    tails = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert tails == [tails[0], tails[0] + 1, tails[0] + 2]


def test_req_2_received_time_in_the_future_is_refused_and_nothing_written(new_order):
    with pytest.raises(ServiceError) as exc:
        new_order(received_at=timezone.now() + datetime.timedelta(hours=2))
    assert "received_at" in exc.value.message_dict
    assert not ServiceOrder.objects.exists()


def test_req_2_missing_description_bad_type_and_channel_are_field_errors(new_order):
    with pytest.raises(ServiceError) as exc:
        new_order(description="  ", order_type="magic", channel="pigeon")
    assert {"description", "order_type", "channel"} <= set(exc.value.message_dict)
    assert not ServiceOrder.objects.exists()


def test_req_2_invalid_phone_is_refused(new_order):
    with pytest.raises(ServiceError) as exc:
        new_order(contact_phone="12345")
    assert "contact_phone" in exc.value.message_dict


def test_req_2_unit_of_another_customer_is_refused(new_order, hz_unit, org):
    from aftersales.customers.models import Customer

    other = Customer.objects.create(
        code="C-HZ-002",
        name="王芳",
        kind="end_user",
        entity="person",
        phone="13851234567",
        owner_unit=org["units"]["BR-HZ"],
    )
    with pytest.raises(ServiceError) as exc:
        new_order(customer=other, unit=hz_unit)
    assert "unit" in exc.value.message_dict


def test_org_3_outsider_cannot_take_an_order_for_a_customer_outside_reach(people, hz_customer):
    with pytest.raises(ServiceError) as exc:
        services.receive_order(
            actor=people["outsider"],
            customer=hz_customer,
            order_type="repair",
            channel="phone",
            description="不制热",
        )
    assert "customer" in exc.value.message_dict


def test_org_3_a_role_without_intake_right_gets_403(people, hz_customer):
    with pytest.raises(PermissionDenied):
        services.receive_order(
            actor=people["finance"],
            customer=hz_customer,
            order_type="repair",
            channel="phone",
            description="不制热",
        )


def test_org_3_orders_are_seen_by_their_unit_hq_and_the_assigned_technician(new_order, people):
    order = new_order()
    visible = lambda who: ServiceOrder.objects.visible_to(people[who]).filter(pk=order.pk).exists()  # noqa: E731
    assert visible("agent") and visible("branch_manager") and visible("technician")
    assert not visible("outsider")


def test_fee_1_unit_in_warranty_gives_free_service_with_the_reason(new_order):
    order = new_order()
    assert order.service_kind == "free"
    assert "standard warranty" in order.service_kind_reason


def test_fee_1_kind_is_taken_on_the_received_date_not_today(new_order, hz_unit):
    # the warranty started 100 days ago: a letter received 200 days ago was outside it
    order = new_order(received_at=timezone.now() - datetime.timedelta(days=200))
    assert order.service_kind == "paid"


def test_fee_1_no_warranty_is_paid_and_consultation_is_other(new_order, hz_unit):
    Warranty.objects.filter(unit=hz_unit).delete()
    assert new_order().service_kind == "paid"
    assert new_order(order_type="consultation").service_kind == "other"
    assert new_order(unit=None).service_kind == "paid"


def test_fee_1_override_needs_the_right_and_a_reason(new_order, people):
    order = new_order()
    with pytest.raises(PermissionDenied):
        services.override_service_kind(
            actor=people["agent"], order=order, kind="paid", reason="人为损坏"
        )
    with pytest.raises(ServiceError) as exc:
        services.override_service_kind(
            actor=people["branch_manager"], order=order, kind="paid", reason=""
        )
    assert "reason" in exc.value.message_dict
    order = services.override_service_kind(
        actor=people["branch_manager"], order=order, kind="paid", reason="人为损坏，收费"
    )
    assert (order.service_kind, order.service_kind_overridden) == ("paid", True)
    entry = AuditEntry.objects.for_object(order).first()
    assert entry.action == "service.order.kind_overridden"
    assert entry.changes["service_kind"] == ["free", "paid"]


def test_svc_2_self_replacement_needs_consent_and_on_site_an_appointment(new_order, people):
    tech = people["technician"]
    order = services.dispatch_order(actor=people["agent"], order=new_order(), technician=tech)
    order = services.record_contact(actor=tech, order=order)
    with pytest.raises(ServiceError) as exc:
        services.set_plan(actor=tech, order=order, mode="self_replace")
    assert "customer_consent" in exc.value.message_dict
    with pytest.raises(ServiceError) as exc:
        services.set_plan(actor=tech, order=order, mode="on_site")
    assert "appointment_at" in exc.value.message_dict
    order.refresh_from_db()
    assert order.status == "contacted" and order.plan_mode == ""
    order = services.set_plan(actor=tech, order=order, mode="self_replace", customer_consent=True)
    assert order.status == "planned" and order.self_replace_consent_at is not None


def test_svc_8_an_order_goes_only_to_a_technician_of_its_unit_or_hq(new_order, people, org):
    from aftersales.accounts import services as accounts_services

    nanjing_tech = accounts_services.create_user(
        actor=people["admin"],
        username="nj_jishi",
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["BR-NJ"],
    )
    with pytest.raises(ServiceError) as exc:
        services.dispatch_order(actor=people["agent"], order=new_order(), technician=nanjing_tech)
    assert "technician" in exc.value.message_dict
    ningbo = people["service_centre"]  # Ningbo sits under Hangzhou
    order = services.dispatch_order(actor=people["agent"], order=new_order(), technician=ningbo)
    assert order.technician == ningbo


def test_req_2_a_deactivated_customer_takes_no_new_order(new_order, hz_customer):
    hz_customer.is_active = False
    hz_customer.save()
    with pytest.raises(ServiceError) as exc:
        new_order()
    assert "deactivated" in exc.value.message_dict["customer"][0]


def test_org_3_issue_7_intake_reach_decided_on_the_customer_row_as_visible_to(
    people, org, hz_customer
):
    """ORG-3, issue 7: intake decides the customer's reach on the loaded row, without a
    query — for every persona, the same answer as Customer.objects.visible_to."""
    from aftersales.customers.models import Customer

    nanjing = Customer.objects.create(
        code="C-NJ-001",
        name="南京客户",
        kind="end_user",
        entity="person",
        phone="13900000001",
        owner_unit=org["units"]["BR-NJ"],
    )
    zhejiang_only = Customer.objects.create(
        code="C-ZJ-002",
        name="南京分公司的浙江客户",
        kind="end_user",
        entity="person",
        phone="13900000002",
        owner_unit=org["units"]["BR-NJ"],  # reached through its region by Zhejiang people
        region=org["regions"]["EAST-ZJ"],
    )
    answers = set()
    for user in people.values():
        for customer in (hz_customer, nanjing, zhejiang_only):
            expected = Customer.objects.visible_to(user).filter(pk=customer.pk).exists()
            assert services.customer_in_reach(user, customer) == expected, (user, customer)
            answers.add(expected)
    assert answers == {True, False}  # both answers were exercised


def test_org_3_issue_7_intake_refuses_a_customer_outside_reach(people, hz_customer, hz_unit):
    """ORG-3: the Nanjing branch manager cannot file an order for a Hangzhou customer."""
    with pytest.raises(ServiceError) as exc:
        services.receive_order(
            actor=people["outsider"],
            customer=hz_customer,
            unit=hz_unit,
            order_type="repair",
            channel="phone",
            description="不制热",
        )
    assert "outside your reach" in exc.value.message_dict["customer"][0]
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize("late", [False, True])
def test_svc_6_req_3_issue_7_intake_due_columns_match_the_clocks(
    people, hz_customer, hz_unit, late
):
    """Issue 7: intake writes the order's queue columns with its INSERT, from the clocks it
    builds; they are what refresh_due reads from the saved clocks — also for a forwarded
    order whose forward clock stopped at once, met or breached (REQ-3)."""
    from django.db.models import Min, Q

    from aftersales.service import sla
    from aftersales.service.models import OrderClock

    now = timezone.now()
    received = now - datetime.timedelta(hours=16 if late else 2)
    order = services.receive_order(
        actor=people["agent"],
        customer=hz_customer,
        unit=hz_unit,
        order_type="repair",
        channel="salesperson",
        description="业务员转报：机组噪音大",
        received_at=received,
        forwarded_by=people["salesperson"],
        forwarded_at=now - datetime.timedelta(hours=1),
    )
    clocks = OrderClock.objects.filter(order=order)
    forward = clocks.get(rule_id="REQ-3")
    assert forward.state == "stopped" and forward.breached == late
    assert clocks.filter(state="running").exists()
    stored = ServiceOrder.objects.get(pk=order.pk)
    running = clocks.aggregate(due=Min("due_at", filter=Q(state="running")))["due"]
    assert stored.next_due_at == running == order.next_due_at
    assert stored.sla_breached == clocks.filter(breached=True).exists() == late
    sla.refresh_due(stored)  # recomputed from the saved clocks: nothing to change
    assert ServiceOrder.objects.get(pk=order.pk).next_due_at == running
