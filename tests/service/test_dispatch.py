"""Dispatch candidates (SVC-8), duplicates and merging (REQ-9), escalation to HQ (ORG-4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.accounts import services as accounts_services
from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.products.models import ProductCategory
from aftersales.service import services
from aftersales.service.models import ServiceOrder, Status, TechnicianProfile
from tests.service.conftest import dispatched

pytestmark = pytest.mark.django_db


def _technician(people, org, username, region=None, skills=()):
    user = accounts_services.create_user(
        actor=people["admin"],
        username=username,
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
        region=region,
    )
    if skills:
        TechnicianProfile.objects.create(user=user).skills.set(skills)
    return user


# SVC-8 -------------------------------------------------------------------------------


def test_svc_8_candidates_show_load_next_appointment_region_and_skills(
    new_order, people, org, hz_unit
):
    """SVC-8: the dispatcher sees each technician's open load, region and skills; the one
    trained for the product and in the customer's region comes first."""
    category = hz_unit.product_model.category
    other_category = ProductCategory.objects.create(code="AC", name="空调")
    zj = org["regions"]["EAST-ZJ"]
    trained = _technician(people, org, "hz_trained", region=zj, skills=[category])
    _technician(people, org, "hz_other_skill", region=zj, skills=[other_category])
    # the demo technician has two open orders, one with an appointment tomorrow
    busy = people["technician"]
    dispatched(new_order(), people)
    soon = timezone.now() + datetime.timedelta(days=1)
    booked = dispatched(new_order(), people)
    ServiceOrder.objects.filter(pk=booked.pk).update(appointment_at=soon)
    order = new_order()

    candidates = services.dispatch_candidates(order)
    by_name = {c.technician.username: c for c in candidates}

    assert candidates[0].technician == trained
    assert by_name["hz_trained"].skill_match is True
    assert by_name["hz_trained"].same_region is True
    assert by_name["hz_trained"].skills == ("空气能热水器",)
    assert by_name["hz_other_skill"].skill_match is False
    assert by_name[busy.username].open_load == 2
    assert by_name[busy.username].next_appointment == soon
    assert by_name["hz_trained"].open_load == 0
    # the technician of another branch is no candidate
    assert people["outsider"].username not in by_name


def test_svc_8_candidates_take_a_constant_number_of_queries(new_order, people, org, hz_unit):
    order = new_order()
    _technician(people, org, "t1", skills=[hz_unit.product_model.category])
    with CaptureQueriesContext(connection) as few:
        services.dispatch_candidates(order)
    for i in range(5):
        _technician(people, org, f"more{i}", skills=[hz_unit.product_model.category])
    with CaptureQueriesContext(connection) as many:
        services.dispatch_candidates(order)
    assert len(many) == len(few)


def test_svc_8_the_dispatch_form_lists_candidates(client_for, new_order, people):
    """SVC-8; issue 7: the order page offers the dispatch step and loads its form (the
    candidates and their load) when the panel opens, or as a page of its own."""
    order = new_order()
    agent = client_for(people["agent"])
    page = agent.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="candidates"' not in page
    assert f'hx-get="/orders/{order.pk}/dispatch/"' in page
    assert f'href="/orders/{order.pk}/dispatch/"' in page
    for headers in ({"HX-Request": "true"}, {}):
        resp = agent.get(f"/orders/{order.pk}/dispatch/", headers=headers)
        assert resp.status_code == 200
        html = resp.content.decode()
        assert ("<html" in html) is not bool(headers)  # a fragment for htmx, else a page
        assert 'data-testid="form-dispatch"' in html
        assert 'data-testid="candidates"' in html
        assert f'data-testid="candidate-{people["technician"].username}"' in html


def test_org_2_a_step_form_is_403_to_a_role_without_its_right_or_out_of_turn(
    client_for, new_order, people
):
    """ORG-2: the form of a step is shown only to whom the step is open now: a technician
    cannot open the dispatch form; a received order has no completion form."""
    order = new_order()
    resp = client_for(people["technician"]).get(f"/orders/{order.pk}/dispatch/")
    assert resp.status_code == 403
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/complete/")
    assert resp.status_code == 403
    assert client_for(people["agent"]).get(f"/orders/{order.pk}/nonsense/").status_code == 404


def test_issue_7_every_step_form_has_fields_exactly_when_its_class_declares_some(new_order):
    """The order page tells a step with a form from a plain button by the form class's
    declared fields, without building the form (issue 7): the two must agree."""
    from aftersales.service.views import ACTIONS, _action_form

    order = new_order()
    for action, form_class in ACTIONS.items():
        assert bool(_action_form(action, order).fields) == bool(form_class.base_fields), action


def test_svc_8_candidates_api_and_403_for_a_role_without_dispatch(api_for, new_order, people):
    order = new_order()
    resp = api_for(people["agent"]).get(f"/api/orders/{order.pk}/candidates/")
    assert resp.status_code == 200
    assert people["technician"].pk in [c["technician"] for c in resp.data]
    assert {"open_load", "next_appointment", "skills", "region"} <= set(resp.data[0])
    assert (
        api_for(people["technician"]).get(f"/api/orders/{order.pk}/candidates/").status_code == 403
    )


# REQ-9 -------------------------------------------------------------------------------


def test_req_9_a_second_open_order_for_the_same_unit_is_flagged(new_order, people, hz_customer):
    """REQ-9: while an order is open for the unit, a new one needs confirmation; nothing
    is written until then."""
    first = new_order()
    count = ServiceOrder.objects.count()
    with pytest.raises(ServiceError) as exc:
        new_order(confirm_duplicate=False, description="又坏了")
    assert first.number in exc.value.message_dict["confirm_duplicate"][0]
    assert ServiceOrder.objects.count() == count
    second = new_order(confirm_duplicate=True, description="又坏了")
    assert second.duplicate_of == first


def test_req_9_the_same_phone_is_a_duplicate_too(new_order, people, hz_customer):
    first = new_order(unit=None, contact_phone="13800001111")
    with pytest.raises(ServiceError):
        new_order(unit=None, contact_phone="138 0000 1111", confirm_duplicate=False)
    assert first.contact_phone == "13800001111"


def test_req_9_a_closed_order_is_no_duplicate(new_order, people):
    first = new_order()
    services.cancel_order(actor=people["agent"], order=first, reason="客户撤销")
    assert new_order(confirm_duplicate=False).duplicate_of is None


def test_req_9_the_intake_page_lists_the_open_orders_and_asks(
    client_for, new_order, people, hz_customer, hz_unit
):
    first = new_order()
    data = {
        "customer": hz_customer.pk,
        "unit": hz_unit.pk,
        "order_type": "repair",
        "channel": "phone",
        "description": "又不制热",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    c = client_for(people["agent"])
    resp = c.post("/orders/new/", data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="duplicates"' in html and first.number in html
    assert 'type="checkbox" name="confirm_duplicate"' in html
    resp = c.post("/orders/new/", {**data, "confirm_duplicate": "on"})
    assert resp.status_code == 302
    assert ServiceOrder.objects.filter(duplicate_of=first).count() == 1


def test_req_9_merge_cancels_the_duplicate_into_the_original(new_order, people):
    """REQ-9: merged, the duplicate is cancelled, points at the original, clocks stop, and the
    original's history keeps what the customer said."""
    first = new_order()
    second = new_order(description="第二次来电：漏水")
    merged = services.merge_order(actor=people["agent"], order=second, into=first)
    assert merged.status == Status.CANCELLED
    assert merged.merged_into == first
    assert not merged.clocks.filter(state="running").exists()
    note = AuditEntry.objects.for_object(first).filter(action="service.order.duplicate_merged")
    assert "第二次来电：漏水" in note.get().note


def test_req_9_merge_needs_an_open_order_of_the_same_customer(new_order, people, org):
    first = new_order()
    second = new_order()
    services.cancel_order(actor=people["agent"], order=first, reason="客户撤销")
    with pytest.raises(ServiceError) as exc:
        services.merge_order(actor=people["agent"], order=second, into=first)
    assert "into" in exc.value.message_dict
    with pytest.raises(ServiceError):
        services.merge_order(actor=people["agent"], order=second, into=second)
    assert ServiceOrder.objects.get(pk=second.pk).status == Status.RECEIVED


def test_req_9_an_order_not_flagged_cannot_be_merged(new_order, people):
    first = new_order()
    other = new_order(confirm_duplicate=True)
    ServiceOrder.objects.filter(pk=first.pk).update(duplicate_of=None)
    first.refresh_from_db()
    with pytest.raises(ServiceError):
        services.merge_order(actor=people["agent"], order=first, into=other)


def test_req_9_merge_through_the_api_and_403_without_the_right(api_for, new_order, people):
    first = new_order()
    second = new_order()
    url = f"/api/orders/{second.pk}/merge/"
    assert (
        api_for(people["technician"]).post(url, {"into": first.pk}, format="json").status_code
        == 403
    )
    resp = api_for(people["agent"]).post(url, {"into": first.pk}, format="json")
    assert resp.status_code == 200, resp.data
    assert resp.data["merged_into"] == first.pk


# ORG-4 -------------------------------------------------------------------------------


def test_org_4_a_branch_escalates_to_hq(new_order, people, org):
    """ORG-4: the branch hands the order to HQ's after-sales department with the reason;
    it is back to received there, the technician cleared, the origin kept."""
    order = dispatched(new_order(), people)
    escalated = services.escalate_order(
        actor=people["branch_manager"], order=order, reason="需要总部技术支持"
    )
    assert escalated.status == Status.RECEIVED
    assert escalated.org_unit == org["units"]["HQ-SVC"]
    assert escalated.escalated_from == org["units"]["BR-HZ"]
    assert escalated.technician is None
    entry = AuditEntry.objects.for_object(order).first()
    assert entry.action == "service.order.escalate" and entry.note == "需要总部技术支持"
    # HQ cannot escalate further, and the branch now only sees it if it is in reach
    with pytest.raises(ServiceError):
        services.escalate_order(actor=people["agent"], order=escalated, reason="再上报")


def test_org_4_escalation_needs_a_reason_and_the_right(new_order, people):
    order = new_order()
    with pytest.raises(ServiceError):
        services.escalate_order(actor=people["branch_manager"], order=order, reason=" ")
    with pytest.raises(PermissionDenied):
        services.escalate_order(actor=people["technician"], order=order, reason="做不了")
    assert ServiceOrder.objects.get(pk=order.pk).escalated_from is None
