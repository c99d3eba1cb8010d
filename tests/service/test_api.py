"""The service-order API: intake, every action, reach and rights — the same rules as the pages."""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from aftersales.service import workflow
from aftersales.service.models import ServiceOrder
from tests.service.conftest import signature_data_url

pytestmark = pytest.mark.django_db


def _intake(api, customer, unit, **extra):
    body = {
        "customer": customer.pk,
        "unit": unit.pk,
        "order_type": "repair",
        "channel": "phone",
        "description": "不制热",
        **extra,
    }
    return api.post("/api/orders/", body, format="json")


def test_req_2_api_intake_creates_an_order_with_its_service_kind(
    api_for, people, hz_customer, hz_unit
):
    resp = _intake(api_for(people["agent"]), hz_customer, hz_unit)
    assert resp.status_code == 201, resp.data
    assert resp.data["status"] == "received" and resp.data["service_kind"] == "free"
    assert resp.data["number"].startswith("SO-")
    assert "dispatch" in resp.data["actions"]


def test_req_2_api_future_received_time_is_400_and_nothing_written(
    api_for, people, hz_customer, hz_unit
):
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    resp = _intake(api_for(people["agent"]), hz_customer, hz_unit, received_at=future)
    assert resp.status_code == 400 and "received_at" in resp.data
    assert not ServiceOrder.objects.exists()


def test_org_3_api_intake_without_the_right_is_403(api_for, people, hz_customer, hz_unit):
    resp = _intake(api_for(people["finance"]), hz_customer, hz_unit)
    assert resp.status_code == 403 and "service.add_serviceorder" in str(resp.data["detail"])


def test_api_walks_the_path_and_refuses_a_wrong_state(api_for, people, new_order):
    order = new_order()
    agent, tech = api_for(people["agent"]), api_for(people["technician"])
    url = f"/api/orders/{order.pk}"
    assert agent.post(f"{url}/start/").status_code == 400  # not planned yet
    assert tech.post(f"{url}/start/").status_code == 403  # not theirs yet
    resp = agent.post(f"{url}/dispatch/", {"technician": people["technician"].pk}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "dispatched"
    assert tech.post(f"{url}/contact/", {}, format="json").data["status"] == "contacted"
    resp = tech.post(f"{url}/plan/", {"mode": "self_replace"}, format="json")
    assert resp.status_code == 400 and "customer_consent" in resp.data
    resp = tech.post(f"{url}/plan/", {"mode": "phone", "diagnosis": "参数设置错误"}, format="json")
    assert resp.data["status"] == "planned"
    assert tech.post(f"{url}/start/").data["status"] == "in_progress"
    resp = tech.post(
        f"{url}/complete/",
        {"result": "电话指导重设参数", "signature": signature_data_url(), "signer_name": "王经理"},
        format="json",
    )
    assert resp.data["status"] == "completed"
    assert tech.post(f"{url}/close/").status_code == 403  # a technician does not close
    # FUP-1: the order closes only once its return visit is done
    resp = agent.post(f"{url}/close/")
    assert resp.status_code == 400 and "return visit" in str(resp.data)
    from aftersales.followup.models import ReturnVisit

    ReturnVisit.objects.filter(order_id=order.pk).update(status="satisfied")
    assert agent.post(f"{url}/close/").data["status"] == "closed"


def test_org_3_api_outsider_gets_403_with_reason_and_list_hides_the_order(
    api_for, people, new_order
):
    order = new_order()
    api = api_for(people["outsider"])
    resp = api.get(f"/api/orders/{order.pk}/")
    assert resp.status_code == 403 and "outside your reach" in str(resp.data["detail"])
    assert api.get("/api/orders/").data["count"] == 0
    assert api.post(f"/api/orders/{order.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_every_transition_has_an_api_endpoint_in_the_schema(api_for, people):
    schema = api_for(people["admin"]).get("/api/schema/", {"format": "json"}).json()
    for name in workflow.TRANSITIONS:
        assert f"/api/orders/{{id}}/{name.replace('_', '-')}/" in schema["paths"]
    assert "/api/orders/{id}/service-kind/" in schema["paths"]


def test_req_2_issue_7_intake_answers_with_the_documented_order_fields(
    api_for, people, hz_customer, hz_unit
):
    """Issue 7: the 201 is written by a serializer whose fields are built once per process;
    its body is exactly what ServiceOrderSerializer (the schema's) gives for the order —
    for a second intake too, with its own values."""
    from rest_framework.test import APIRequestFactory

    from aftersales.service.api import ServiceOrderSerializer

    api = api_for(people["agent"])
    request = APIRequestFactory().get("/api/orders/")
    request.user = people["agent"]
    for description in ("不制热", "漏水"):
        resp = _intake(api, hz_customer, hz_unit, description=description, confirm_duplicate=True)
        assert resp.status_code == 201, resp.data
        order = ServiceOrder.objects.get(pk=resp.data["id"])
        expected = ServiceOrderSerializer(order, context={"request": request}).data
        assert resp.json() == json.loads(json.dumps(expected, cls=JSONEncoder))
        assert resp.data["description"] == description and resp.data["actions"]


def test_req_2_issue_7_intake_input_errors_stay_with_their_request(
    api_for, people, hz_customer, hz_unit
):
    """Issue 7: the input serializer's fields are copies of per-process prototypes; one
    request's errors and values never reach the next."""
    api = api_for(people["agent"])
    bad = _intake(api, hz_customer, hz_unit, order_type="nonsense", channel="pigeon")
    assert bad.status_code == 400 and {"order_type", "channel"} <= set(bad.data)
    good = _intake(api, hz_customer, hz_unit, description="显示 E3")
    assert good.status_code == 201, good.data
    assert good.data["order_type"] == "repair" and good.data["channel"] == "phone"
    missing = api.post("/api/orders/", {"customer": hz_customer.pk}, format="json")
    assert missing.status_code == 400
    assert {"order_type", "channel", "description"} <= set(missing.data)
    assert "customer" not in missing.data
