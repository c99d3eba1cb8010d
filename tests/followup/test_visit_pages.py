"""Pages of the return visits and follow-up cases (FUP-1, FUP-5)."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.followup import visits
from aftersales.followup.models import FollowupCase, ReturnVisit, VisitCall
from aftersales.service.models import ServiceOrder, Status

pytestmark = pytest.mark.django_db


def answers_post(visit, text="是"):
    return {f"answer_{q.pk}": text for q in visits.script_for(visit.order)}


@pytest.fixture
def visit(completed_order):
    return ReturnVisit.objects.get(order=completed_order)


def test_fup_1_queue_lists_visits_to_call_now_and_flags_overdue(make_completed, people, client_for):
    now_visit = ReturnVisit.objects.get(order=make_completed())
    late_visit = ReturnVisit.objects.get(order=make_completed())
    ReturnVisit.objects.filter(pk=late_visit.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=2)
    )
    retry = ReturnVisit.objects.get(order=make_completed())
    visits.record_call(actor=people["agent"], visit=retry, outcome="unreachable")
    resp = client_for(people["agent"]).get("/followup/return-visits/")
    assert resp.status_code == 200
    call_now = [v.pk for v in resp.context["call_now"]]
    assert call_now == [late_visit.pk, now_visit.pk]  # overdue first (earliest due)
    assert [v.pk for v in resp.context["page_obj"]] == [retry.pk]
    html = resp.content.decode()
    assert html.count('data-overdue="1"') == 1
    assert f"/followup/return-visits/{now_visit.pk}/" in html
    # the overdue filter keeps only the late one
    resp = client_for(people["agent"]).get("/followup/return-visits/?overdue=on")
    assert [v.pk for v in resp.context["call_now"]] == [late_visit.pk]
    # the unit filter: nothing of Nanjing
    nanjing = people["outsider"].org_unit
    resp = client_for(people["agent"]).get(f"/followup/return-visits/?unit={nanjing.pk}")
    assert resp.context["call_now"] == [] and not list(resp.context["page_obj"])


def test_fup_1_the_call_screen_shows_the_order_facts_and_script(visit, people, client_for):
    resp = client_for(people["agent"]).get(f"/followup/return-visits/{visit.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    order = visit.order
    assert order.number in html and order.customer.name in html
    assert f'href="tel:{order.contact_phone}"' in html
    assert "更换温度传感器，试机正常" in html  # what was done
    for question in visits.script_for(order):
        assert question.text in html
    assert f"/complaints/new/?return_visit={visit.pk}" in html
    assert 'data-testid="outcome-not-satisfied"' in html


def test_fup_1_satisfied_through_the_page_closes_the_order(visit, people, client_for):
    agent = client_for(people["agent"])
    resp = agent.post(
        f"/followup/return-visits/{visit.pk}/call/",
        {"outcome": "satisfied", "note": "客户满意", **answers_post(visit)},
    )
    assert resp.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "satisfied" and visit.done_by == people["agent"]
    assert ServiceOrder.objects.get(pk=visit.order_id).status == Status.CLOSED
    page = agent.get(resp.url).content.decode()
    assert "The order is closed." in page and 'data-testid="call-form"' not in page


def test_fup_5_not_satisfied_through_the_page_opens_a_case(visit, people, client_for):
    resp = client_for(people["agent"]).post(
        f"/followup/return-visits/{visit.pk}/call/",
        {
            "outcome": "not_satisfied",
            "problem": "水温仍然偏低",
            "case_owner": people["company_manager"].pk,
            **answers_post(visit, "不满意"),
        },
    )
    assert resp.status_code == 302
    case = FollowupCase.objects.get(visit=visit)
    assert case.owner == people["company_manager"] and case.problem == "水温仍然偏低"


def test_fup_1_bad_input_on_the_page_is_400_and_nothing_written(visit, people, client_for):
    agent = client_for(people["agent"])
    url = f"/followup/return-visits/{visit.pk}/call/"
    resp = agent.post(url, {"outcome": "satisfied"})  # no answers at all
    assert resp.status_code == 400
    assert "Write the customer&#x27;s answers" in resp.content.decode()
    resp = agent.post(url, {"outcome": "not_satisfied", **answers_post(visit)})
    assert resp.status_code == 400
    assert "Write what the customer is not satisfied with." in resp.content.decode()
    resp = agent.post(url, {**answers_post(visit)})  # no outcome
    assert resp.status_code == 400
    assert not VisitCall.objects.exists() and not FollowupCase.objects.exists()


def test_fup_1_a_technician_and_an_outsider_get_403(visit, people, client_for):
    tech = client_for(people["technician"])
    assert tech.get("/followup/return-visits/").status_code == 403
    assert tech.get(f"/followup/return-visits/{visit.pk}/").status_code == 403
    resp = tech.post(f"/followup/return-visits/{visit.pk}/call/", {"outcome": "unreachable"})
    assert resp.status_code == 403
    # the Nanjing manager sees return visits, but not this Hangzhou order's
    outsider = client_for(people["outsider"])
    assert outsider.get(f"/followup/return-visits/{visit.pk}/").status_code == 403
    resp = outsider.get("/followup/return-visits/")
    assert resp.status_code == 200 and resp.context["call_now"] == []
    # the Hangzhou manager may look, not call
    manager = client_for(people["branch_manager"])
    page = manager.get(f"/followup/return-visits/{visit.pk}/")
    assert page.status_code == 200 and 'data-testid="call-form"' not in page.content.decode()
    resp = manager.post(f"/followup/return-visits/{visit.pk}/call/", {"outcome": "unreachable"})
    assert resp.status_code == 403
    assert not VisitCall.objects.exists()


def test_fup_1_the_finished_list(visit, people, client_for):
    visits.record_call(actor=people["agent"], visit=visit, outcome="unreachable")
    visits.record_call(actor=people["agent"], visit=visit, outcome="unreachable")
    visits.record_call(actor=people["agent"], visit=visit, outcome="unreachable")
    resp = client_for(people["agent"]).get("/followup/return-visits/?state=done")
    assert [v.pk for v in resp.context["page_obj"]] == [visit.pk]
    assert "closed: unreachable" in resp.content.decode()


@pytest.fixture
def case(visit, people):
    visits.record_call(
        actor=people["agent"],
        visit=visit,
        outcome="not_satisfied",
        answers={q.pk: "不满意" for q in visits.script_for(visit.order)},
        problem="水温偏低",
    )
    return FollowupCase.objects.get(visit=visit)


def test_fup_5_case_list_and_detail(case, people, client_for):
    manager = client_for(people["branch_manager"])
    resp = manager.get("/followup/cases/")
    assert resp.status_code == 200 and [c.pk for c in resp.context["page_obj"]] == [case.pk]
    resp = manager.get("/followup/cases/?status=resolved")
    assert list(resp.context["page_obj"]) == []
    page = manager.get(f"/followup/cases/{case.pk}/").content.decode()
    assert case.number in page and "水温偏低" in page and 'data-testid="form-resolve"' in page
    # outside reach: 403; without the right to see cases: 403
    assert client_for(people["outsider"]).get(f"/followup/cases/{case.pk}/").status_code == 403
    assert client_for(people["technician"]).get("/followup/cases/").status_code == 403


def test_fup_5_the_owner_resolves_on_the_page(case, people, client_for):
    manager = client_for(people["branch_manager"])
    url = f"/followup/cases/{case.pk}/resolve/"
    resp = manager.post(url, {"resolution": ""})
    assert resp.status_code == 400
    assert FollowupCase.objects.get(pk=case.pk).status == "open"
    resp = manager.post(url, {"resolution": "上门调整温控参数，客户认可"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_by == people["branch_manager"]


def test_fup_5_sec_5_someone_else_cannot_resolve_on_the_page(case, people, client_for):
    agent = client_for(people["agent"])  # sees cases, neither owner nor resolver
    page = agent.get(f"/followup/cases/{case.pk}/").content.decode()
    assert 'data-testid="form-resolve"' not in page
    resp = agent.post(f"/followup/cases/{case.pk}/resolve/", {"resolution": "已处理"})
    assert resp.status_code == 403
    assert FollowupCase.objects.get(pk=case.pk).status == "open"


def test_fup_5_reassign_on_the_page(case, people, client_for):
    manager = client_for(people["branch_manager"])
    resp = manager.post(
        f"/followup/cases/{case.pk}/reassign/",
        {"case_owner": people["company_manager"].pk, "reason": "客户要求"},
    )
    assert resp.status_code == 302
    assert FollowupCase.objects.get(pk=case.pk).owner == people["company_manager"]
    resp = client_for(people["agent"]).post(
        f"/followup/cases/{case.pk}/reassign/", {"case_owner": people["branch_manager"].pk}
    )
    assert resp.status_code == 403


def test_fup_1_rpt_1_the_return_visit_survey_prints_as_pdf(client_for, people, completed_order):
    """RPT-1: the return-visit survey (回访调查表) of a finished visit, with the customer's
    answers; a role without the right to see visits gets 403."""
    import shutil
    import subprocess

    from aftersales.followup import visits

    visit = completed_order.return_visits.get()
    answers = {q.pk: "已解决，满意" for q in visits.script_for(completed_order)}
    visits.record_call(actor=people["agent"], visit=visit, outcome="satisfied", answers=answers)
    page = client_for(people["agent"]).get(f"/followup/return-visits/{visit.pk}/")
    assert f"/followup/return-visits/{visit.pk}/pdf/" in page.content.decode()
    resp = client_for(people["agent"]).get(f"/followup/return-visits/{visit.pk}/pdf/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=resp.content, capture_output=True, check=True
        ).stdout.decode()
        assert completed_order.number in text and "已解决，满意" in text
    denied = client_for(people["technician"]).get(f"/followup/return-visits/{visit.pk}/pdf/")
    assert denied.status_code == 403
