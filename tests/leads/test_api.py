"""SVC-9 API: /api/leads/ — read what one may read (ORG-3), record a lead, and the steps."""

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.leads import services
from aftersales.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def test_svc_9_technician_records_a_lead_through_the_api(api_for, order, people):
    resp = api_for(people["technician"]).post(
        "/api/leads/",
        {"order": order.pk, "product_interest": "再买一台热水器", "note": "宿舍用"},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["number"].startswith("SL-") and body["status"] == "new"
    assert body["reporter"] == people["technician"].pk and body["customer"] == order.customer_id
    assert body["actions"] == []  # the reporter takes no step
    assert AuditEntry.objects.filter(action="leads.lead.recorded").count() == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"order": "abc", "product_interest": "x"}, {"product_interest": "x"}, {"order": 1}],
)
def test_svc_9_bad_records_are_400(payload, api_for, order, people):
    resp = api_for(people["technician"]).post("/api/leads/", payload, format="json")
    assert resp.status_code == 400
    assert not Lead.objects.exists()


def test_svc_9_blank_interest_is_a_field_error(api_for, order, people):
    resp = api_for(people["technician"]).post(
        "/api/leads/", {"order": order.pk, "product_interest": "   "}, format="json"
    )
    assert resp.status_code == 400 and "product_interest" in resp.json()


@pytest.mark.parametrize("persona", ["keeper", "salesperson", "outsider"])
def test_svc_9_recording_is_403_without_the_right_or_the_reach(persona, api_for, order, people):
    resp = api_for(people[persona]).post(
        "/api/leads/", {"order": order.pk, "product_interest": "再买一台"}, format="json"
    )
    assert resp.status_code == 403
    assert not Lead.objects.exists()


def test_svc_9_sales_works_the_lead_through_the_api(api_for, lead, people):
    api = api_for(people["salesperson"])
    listed = api.get("/api/leads/").json()
    assert [x["id"] for x in listed["results"]] == [lead.pk]
    assert listed["results"][0]["actions"] == ["contact", "lose"]
    resp = api.post(f"/api/leads/{lead.pk}/contact/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["salesperson"] == people["salesperson"].pk
    resp = api.post(f"/api/leads/{lead.pk}/win/", {"commission": "1234.57"}, format="json")
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["status"] == "won"
    assert (body["commission"], body["info_fee_rate"], body["info_fee"]) == (
        "1234.57",
        "0.0500",
        "61.73",
    )


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "12.345", "NaN", "1e20", None, ""])
def test_svc_9_bad_commission_is_400_and_nothing_is_written(amount, api_for, contacted, people):
    audit_before = AuditEntry.objects.count()
    resp = api_for(people["salesperson"]).post(
        f"/api/leads/{contacted.pk}/win/", {"commission": amount}, format="json"
    )
    assert resp.status_code == 400 and "commission" in resp.json()
    contacted.refresh_from_db()
    assert contacted.status == LeadStatus.CONTACTED and contacted.info_fee is None
    assert AuditEntry.objects.count() == audit_before


def test_svc_9_lost_through_the_api_needs_the_reason(api_for, contacted, people):
    api = api_for(people["salesperson"])
    assert api.post(f"/api/leads/{contacted.pk}/lose/", {}, format="json").status_code == 400
    resp = api.post(f"/api/leads/{contacted.pk}/lose/", {"reason": "预算不足"}, format="json")
    assert resp.status_code == 200 and resp.json()["lost_reason"] == "预算不足"


def test_svc_9_a_step_in_the_wrong_state_is_400(api_for, lead, people):
    resp = api_for(people["salesperson"]).post(
        f"/api/leads/{lead.pk}/win/", {"commission": "100"}, format="json"
    )
    assert resp.status_code == 400 and "non_field_errors" in resp.json()


def test_svc_9_the_reporter_reads_only_their_own_leads(api_for, make_lead, people):
    own = make_lead()
    other = make_lead(actor=people["branch_manager"])
    api = api_for(people["technician"])
    assert [x["id"] for x in api.get("/api/leads/").json()["results"]] == [own.pk]
    assert api.get(f"/api/leads/{own.pk}/").status_code == 200
    resp = api.get(f"/api/leads/{other.pk}/")
    assert resp.status_code == 403 and "leads.view_lead" in resp.json()["detail"]
    # and may take no step on their own lead
    resp = api.post(f"/api/leads/{own.pk}/contact/", {}, format="json")
    assert resp.status_code == 403
    assert Lead.objects.get(pk=own.pk).status == LeadStatus.NEW


@pytest.mark.parametrize("persona", ["keeper", "agent"])
def test_svc_9_the_api_is_403_without_a_lead_right(persona, api_for, lead, people):
    api = api_for(people[persona])
    for resp in (
        api.get("/api/leads/"),
        api.get(f"/api/leads/{lead.pk}/"),
        api.post(f"/api/leads/{lead.pk}/contact/", {}, format="json"),
    ):
        assert resp.status_code == 403
        assert "leads." in resp.json()["detail"]


def test_org_3_another_branch_gets_403_on_the_lead_and_an_empty_list(api_for, lead, people):
    """As for service orders: a record outside reach is a 403 that says why, never hidden."""
    api = api_for(people["outsider"])
    assert api.get(f"/api/orders/{lead.order_id}/").status_code == 403
    assert api.get("/api/leads/").json()["results"] == []
    resp = api.get(f"/api/leads/{lead.pk}/")
    assert resp.status_code == 403 and "outside your reach" in resp.json()["detail"]
    resp = api.post(f"/api/leads/{lead.pk}/contact/", {}, format="json")
    assert resp.status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_a_missing_lead_is_404(api_for, people):
    api = api_for(people["salesperson"])
    assert api.get("/api/leads/999999/").status_code == 404
    assert api.post("/api/leads/999999/win/", {"commission": "1"}, format="json").status_code == 404


def test_anonymous_is_refused(api_for, lead):
    assert api_for().get("/api/leads/").status_code in (401, 403)


def test_svc_9_api_filters_by_status_and_reporter(api_for, make_lead, people):
    sales = people["salesperson"]
    a = services.contact_lead(actor=sales, lead=make_lead())
    b = make_lead(actor=people["branch_manager"])
    api = api_for(sales)
    assert [x["id"] for x in api.get("/api/leads/?status=contacted").json()["results"]] == [a.pk]
    reporter = people["branch_manager"].pk
    assert [x["id"] for x in api.get(f"/api/leads/?reporter={reporter}").json()["results"]] == [
        b.pk
    ]


def test_hostile_ids_and_filters_never_break(api_for, client_for, people):
    huge = "9" * 30
    api = api_for(people["salesperson"])
    assert api.get(f"/api/leads/{huge}/").status_code == 404
    assert (
        api.post(f"/api/leads/{huge}/win/", {"commission": "1"}, format="json").status_code == 404
    )
    assert api.get("/api/leads/", {"reporter": huge, "status": "zz"}).status_code == 400
    page = client_for(people["salesperson"])
    assert page.get(f"/leads/{huge}/").status_code == 404
    assert page.get("/leads/", {"reporter": huge, "salesperson": "x"}).status_code == 200
    assert client_for(people["technician"]).get(f"/leads/new/{huge}/").status_code == 404
