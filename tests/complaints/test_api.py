"""The complaint API (CMP-1…CMP-5, FUP-4, ORG-3): create, the POST steps, 400s with field
errors, 403s by role and reach, the violations list."""

import datetime as dt

from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintNote
from tests.complaints.conftest import FRIDAY_4PM


def _body(attitude, order, **extra):
    return {
        "channel": "phone",
        "complaint_class": attitude.pk,
        "subject": "电话投诉",
        "content": "客户说没人上门。",
        "complainant_name": "赵先生",
        "order": order.pk,
        **extra,
    }


def test_cmp_3_api_create_and_steps(api_for, people, attitude, charges_class, order):
    api = api_for(people["agent"])
    response = api.post(
        "/api/complaints/", _body(attitude, order, complaint_class=charges_class.pk), format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["severity"] == "serious"
    assert "report" in response.json()["actions"]
    url = f"/api/complaints/{pk}/"
    assert api.post(url + "report/", {"report_note": "已上报"}, format="json").status_code == 200
    steps = [
        ("investigate/", {"cause": "师傅排班冲突", "proposal": "改派"}),
        ("resolve/", {"resolution": "已改派", "customer_satisfied": True}),
    ]
    for step, body in steps:
        assert api.post(url + step, body, format="json").status_code == 200
    refused = api.post(url + "close/", {}, format="json")
    assert refused.status_code == 400 and "written reply" in str(refused.json())
    reply = api.post(url + "reply/", {"text": "答复", "sent_via": "letter"}, format="json")
    assert reply.status_code == 200 and len(reply.json()["replies"]) == 1
    reply_pk = reply.json()["replies"][0]["id"]
    pdf = api.get(f"/api/complaint-replies/{reply_pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    closed = api.post(url + "close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_api_400_field_errors_nothing_written(api_for, people, attitude, order):
    api = api_for(people["agent"])
    response = api.post(
        "/api/complaints/", _body(attitude, order, channel="pigeon", subject=""), format="json"
    )
    assert response.status_code == 400
    assert {"channel", "subject"} <= set(response.json())
    response = api.post(
        "/api/complaints/",
        _body(attitude, order, resolved_on_spot=True, resolution=""),
        format="json",
    )
    assert response.status_code == 400 and "resolution" in response.json()
    assert not Complaint.objects.exists()


def test_api_403_by_role_and_reach(api_for, people, attitude, order, register):
    assert (
        api_for(people["finance"])
        .post("/api/complaints/", _body(attitude, order), format="json")
        .status_code
        == 403
    )
    c = register()
    assert api_for(people["outsider"]).get(f"/api/complaints/{c.pk}/").status_code == 403
    refused = api_for(people["technician"]).post(
        f"/api/complaints/{c.pk}/investigate/", {"cause": "x", "proposal": "y"}, format="json"
    )
    assert refused.status_code == 403
    assert ComplaintNote.objects.count() == 1
    assert api_for(people["outsider"]).get("/api/complaints/").json()["count"] == 0


def test_api_step_400_with_field_errors(api_for, people, register):
    c = register()
    response = api_for(people["agent"]).post(
        f"/api/complaints/{c.pk}/investigate/", {"cause": ""}, format="json"
    )
    assert response.status_code == 400 and {"cause", "proposal"} <= set(response.json())


def test_cmp_2_api_violations(api_for, people, register):
    register(received_at=FRIDAY_4PM)
    services.record_late_complaints(FRIDAY_4PM + dt.timedelta(days=2))
    rows = api_for(people["supervisor"]).get("/api/violations/").json()["results"]
    assert sorted(r["fine"] for r in rows) == ["100.00", "200.00"]
    assert api_for(people["technician"]).get("/api/violations/").status_code == 403
