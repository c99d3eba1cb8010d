"""API of the return visits and follow-up cases (FUP-1, FUP-5)."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.followup import visits
from aftersales.followup.models import FollowupCase, ReturnVisit, VisitCall
from aftersales.service.models import ServiceOrder, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(completed_order):
    return ReturnVisit.objects.get(order=completed_order)


def script_answers(visit, text="是"):
    return {str(q.pk): text for q in visits.script_for(visit.order)}


def test_fup_1_api_lists_and_filters_visits(make_completed, people, api_for):
    on_time = ReturnVisit.objects.get(order=make_completed())
    late = ReturnVisit.objects.get(order=make_completed())
    ReturnVisit.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    agent = api_for(people["agent"])
    resp = agent.get("/api/return-visits/")
    assert resp.status_code == 200
    rows = resp.data["results"] if "results" in resp.data else resp.data
    assert {r["id"] for r in rows} == {on_time.pk, late.pk}
    resp = agent.get("/api/return-visits/?overdue=true")
    rows = resp.data["results"] if "results" in resp.data else resp.data
    assert [r["id"] for r in rows] == [late.pk] and rows[0]["overdue"] is True
    resp = agent.get("/api/return-visits/?status=satisfied")
    rows = resp.data["results"] if "results" in resp.data else resp.data
    assert rows == []
    one = agent.get(f"/api/return-visits/{on_time.pk}/").data
    assert one["status"] == "due" and one["order_number"] == on_time.order.number


def test_fup_1_api_call_satisfied_closes_the_order(visit, people, api_for):
    resp = api_for(people["agent"]).post(
        f"/api/return-visits/{visit.pk}/call/",
        {"outcome": "satisfied", "answers": script_answers(visit), "note": "满意"},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    assert resp.data["status"] == "satisfied" and len(resp.data["calls"]) == 1
    assert ServiceOrder.objects.get(pk=visit.order_id).status == Status.CLOSED
    # a second call is refused
    resp = api_for(people["agent"]).post(
        f"/api/return-visits/{visit.pk}/call/", {"outcome": "unreachable"}, format="json"
    )
    assert resp.status_code == 400 and "already finished" in str(resp.data)


def test_fup_5_api_not_satisfied_opens_a_case_then_the_owner_resolves(visit, people, api_for):
    resp = api_for(people["agent"]).post(
        f"/api/return-visits/{visit.pk}/call/",
        {"outcome": "not_satisfied", "answers": script_answers(visit, "否"), "problem": "水温低"},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    case = FollowupCase.objects.get(visit=visit)
    manager = api_for(people["branch_manager"])
    listed = manager.get("/api/followup-cases/?status=open").data
    rows = listed["results"] if "results" in listed else listed
    assert [r["id"] for r in rows] == [case.pk] and rows[0]["owner"] == people["branch_manager"].pk
    # not the owner, no right to resolve: 403
    resp = api_for(people["agent"]).post(
        f"/api/followup-cases/{case.pk}/resolve/", {"resolution": "已处理"}, format="json"
    )
    assert resp.status_code == 403
    resp = manager.post(
        f"/api/followup-cases/{case.pk}/resolve/", {"resolution": ""}, format="json"
    )
    assert resp.status_code == 400 and "resolution" in resp.data
    resp = manager.post(
        f"/api/followup-cases/{case.pk}/resolve/", {"resolution": "已上门处理"}, format="json"
    )
    assert resp.status_code == 200 and resp.data["status"] == "resolved"
    assert resp.data["resolved_by"] == people["branch_manager"].pk


def test_fup_1_api_bad_input_is_400_and_nothing_written(visit, people, api_for):
    agent = api_for(people["agent"])
    url = f"/api/return-visits/{visit.pk}/call/"
    for body in [
        {"outcome": "happy"},
        {"outcome": "satisfied"},
        {"outcome": "satisfied", "answers": {"999999": "是"}},
        {"outcome": "satisfied", "answers": "是"},
        {"outcome": "not_satisfied", "answers": script_answers(visit)},
        {
            "outcome": "not_satisfied",
            "answers": script_answers(visit),
            "problem": "x",
            "case_owner": people["technician"].pk,
        },
        {"outcome": "unreachable", "note": "x" * 501},
    ]:
        resp = agent.post(url, body, format="json")
        assert resp.status_code == 400, body
    assert not VisitCall.objects.exists() and not FollowupCase.objects.exists()
    assert ReturnVisit.objects.get(pk=visit.pk).attempts == 0


def test_fup_1_api_403_for_a_technician_and_outside_reach(visit, people, api_for):
    tech = api_for(people["technician"])
    assert tech.get("/api/return-visits/").status_code == 403
    resp = tech.post(
        f"/api/return-visits/{visit.pk}/call/", {"outcome": "unreachable"}, format="json"
    )
    assert resp.status_code == 403
    outsider = api_for(people["outsider"])
    assert outsider.get(f"/api/return-visits/{visit.pk}/").status_code == 403
    listed = outsider.get("/api/return-visits/").data
    assert (listed["results"] if "results" in listed else listed) == []
    manager = api_for(people["branch_manager"])  # may look, not call
    resp = manager.post(
        f"/api/return-visits/{visit.pk}/call/", {"outcome": "unreachable"}, format="json"
    )
    assert resp.status_code == 403
    assert not VisitCall.objects.exists()
    assert api_for(people["technician"]).get("/api/followup-cases/").status_code == 403
