"""Field-work API under /api/fieldwork/: checklist (SVC-5), check-in / check-out and the
take-back hand-over with its return (SVC-3), limited to reach and role (ORG-3)."""

import datetime

import pytest
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.fieldwork.models import SiteVisit, TakeBack
from tests.service.conftest import signature_data_url

pytestmark = pytest.mark.django_db


def take_back_body(**overrides):
    body = {
        "items": "主控板 1 块",
        "serial_numbers": "PCB-0001",
        "condition": "外观完好",
        "promised_return_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        "technician_signature": signature_data_url(),
        "customer_signature": signature_data_url(),
        "signer_name": "王经理",
    }
    return {**body, **overrides}


def test_svc_5_the_checklist_items_are_listed(api_for, people, checklist):
    resp = api_for(people["technician"]).get("/api/fieldwork/checklist-items/")
    assert resp.status_code == 200
    assert [row["id"] for row in resp.json()] == [i.pk for i in checklist]
    assert "on_site" in resp.json()[0]["plan_modes"]


def test_svc_3_svc_5_the_whole_visit_through_the_api(api_for, people, on_site, checklist):
    api = api_for(people["technician"])
    base = f"/api/fieldwork/orders/{on_site.pk}"
    # the order's field work: nothing ticked, every required item still missing
    state = api.get(f"{base}/").json()
    assert state["number"] == on_site.number and state["plan_mode"] == "on_site"
    assert len(state["missing_required"]) == sum(i.required for i in checklist)
    # check-in before ticking: 400 naming the items
    resp = api.post(f"{base}/check-in/", {}, format="json")
    assert resp.status_code == 400
    assert checklist[0].text in resp.json()["checklist"][0]
    # tick, check in with the position, check out
    resp = api.post(f"{base}/checklist/", {"items": [i.pk for i in checklist]}, format="json")
    assert resp.status_code == 200 and resp.json()["missing_required"] == []
    resp = api.post(f"{base}/check-in/", {"latitude": 30.27, "longitude": 120.15}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["latitude"] == "30.270000" and resp.json()["checked_out_at"] is None
    assert api.post(f"{base}/check-in/", {}, format="json").status_code == 400
    resp = api.post(f"{base}/check-out/", {"note": "已修复"}, format="json")
    assert resp.status_code == 200 and resp.json()["note"] == "已修复"
    assert api.post(f"{base}/check-out/", {}, format="json").status_code == 400
    visits = api.get("/api/fieldwork/visits/", {"order": on_site.pk}).json()
    assert visits["count"] == 1


def test_svc_3_take_back_and_return_through_the_api(api_for, people, on_site):
    api = api_for(people["technician"])
    resp = api.post(
        f"/api/fieldwork/orders/{on_site.pk}/take-backs/",
        take_back_body(customer_signature="data:image/png;base64,JVBERi0xLjQK"),
        format="json",
    )
    assert resp.status_code == 400 and "customer_signature" in resp.json()
    resp = api.post(
        f"/api/fieldwork/orders/{on_site.pk}/take-backs/",
        take_back_body(customer_signature="not base64 at all!"),
        format="json",
    )
    assert resp.status_code == 400 and "customer_signature" in resp.json()
    assert not TakeBack.objects.exists()
    resp = api.post(
        f"/api/fieldwork/orders/{on_site.pk}/take-backs/", take_back_body(), format="json"
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["number"].startswith("TB-") and body["returned_at"] is None
    assert body["customer_signature"].endswith(
        f"/fieldwork/take-backs/{body['id']}/signature/customer/"
    )
    resp = api.post(
        f"/api/fieldwork/take-backs/{body['id']}/return/",
        {"customer_signature": signature_data_url(), "signer_name": "王经理", "note": "已装机"},
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["return_signer_name"] == "王经理" and resp.json()["returned_at"]
    listed = api.get("/api/fieldwork/take-backs/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert AuditEntry.objects.filter(action="fieldwork.take_back_returned").count() == 1


def test_org_3_finance_gets_403_on_the_api_writes(api_for, people, on_site, checklist):
    """Finance reads the order's field work but may not do it: 403 naming the right."""
    api = api_for(people["finance"])
    base = f"/api/fieldwork/orders/{on_site.pk}"
    assert api.get(f"{base}/").status_code == 200
    for path, body in [
        ("checklist/", {"items": [checklist[0].pk]}),
        ("check-in/", {}),
        ("check-out/", {}),
        ("take-backs/", take_back_body()),
    ]:
        resp = api.post(f"{base}/{path}", body, format="json")
        assert resp.status_code == 403, path
        assert "handle_serviceorder" in resp.json()["detail"]
    assert not SiteVisit.objects.exists() and not TakeBack.objects.exists()


def test_org_3_the_api_is_limited_to_reach(api_for, people, on_site):
    api = api_for(people["technician"])
    api.post(f"/api/fieldwork/orders/{on_site.pk}/take-backs/", take_back_body(), format="json")
    take_back = TakeBack.objects.get()
    outsider = api_for(people["outsider"])
    resp = outsider.get(f"/api/fieldwork/orders/{on_site.pk}/")
    assert resp.status_code == 403 and "outside your reach" in resp.json()["detail"]
    assert outsider.post(f"/api/fieldwork/orders/{on_site.pk}/check-in/", {}).status_code == 403
    assert outsider.get(f"/api/fieldwork/take-backs/{take_back.pk}/").status_code == 403
    assert outsider.get("/api/fieldwork/take-backs/").json()["count"] == 0
    assert outsider.get("/api/fieldwork/orders/999999/").status_code == 404
    resp = outsider.post(
        f"/api/fieldwork/take-backs/{take_back.pk}/return/",
        {"customer_signature": signature_data_url(), "signer_name": "x"},
        format="json",
    )
    assert resp.status_code == 403
    assert api_for(None).get("/api/fieldwork/checklist-items/").status_code in (401, 403)


def test_a_person_without_order_view_gets_403(api_for, people, org):
    from aftersales.accounts.models import User

    nobody = User.objects.create_user(username="no_roles", password="x", language="en")
    resp = api_for(nobody).get("/api/fieldwork/checklist-items/")
    assert resp.status_code == 403 and "view_serviceorder" in resp.json()["detail"]
