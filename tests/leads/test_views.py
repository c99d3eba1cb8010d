"""SVC-9 pages: the card on the service order, recording a lead, the list in reach (ORG-3),
the lead with its steps, and the reporter's information fees."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AuditEntry
from aftersales.leads import services
from aftersales.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def _no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


# The card on the order page ----------------------------------------------------------------


def test_svc_9_the_technician_sees_the_record_button_on_their_order(client_for, order, people):
    html = client_for(people["technician"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="lead-card"' in html and 'data-testid="record-lead"' in html
    assert f'action="/leads/new/{order.pk}/"' in html
    _no_inline_code(html)


def test_svc_9_the_card_lists_the_leads_for_sales_without_the_button(client_for, lead, people):
    html = client_for(people["salesperson"]).get(f"/orders/{lead.order_id}/").content.decode()
    assert lead.number in html and 'data-testid="order-lead"' in html
    assert 'data-testid="record-lead"' not in html


def test_svc_9_no_card_for_someone_who_neither_records_nor_reads_leads(client_for, order, people):
    html = client_for(people["agent"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="lead-card"' not in html


def test_svc_9_recording_a_lead_from_the_order_page(client_for, order, people):
    c = client_for(people["technician"])
    resp = c.post(
        f"/leads/new/{order.pk}/", {"product_interest": "想加装一台净水器", "note": "周末在家"}
    )
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{order.pk}/"
    lead = Lead.objects.get()
    assert (lead.reporter, lead.product_interest, lead.note) == (
        people["technician"],
        "想加装一台净水器",
        "周末在家",
    )
    assert "想加装一台净水器" in c.get(f"/orders/{order.pk}/").content.decode()


def test_svc_9_an_empty_lead_is_refused_on_the_page(client_for, order, people):
    resp = client_for(people["technician"]).post(
        f"/leads/new/{order.pk}/", {"product_interest": ""}
    )
    assert resp.status_code == 200 and resp.context["form"].errors["product_interest"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("persona", ["keeper", "salesperson", "outsider"])
def test_svc_9_recording_page_is_403_without_the_right_or_the_reach(
    persona, client_for, order, people
):
    c = client_for(people[persona])
    assert c.get(f"/leads/new/{order.pk}/").status_code == 403
    assert c.post(f"/leads/new/{order.pk}/", {"product_interest": "x"}).status_code == 403
    assert not Lead.objects.exists()


def test_svc_9_recording_on_a_missing_order_is_404(client_for, people):
    assert client_for(people["technician"]).get("/leads/new/999999/").status_code == 404


# The list ----------------------------------------------------------------------------------


def test_svc_9_sales_sees_the_leads_of_its_reach(client_for, make_lead, people):
    first, second = make_lead(), make_lead(product_interest="升级大机组")
    resp = client_for(people["salesperson"]).get("/leads/")
    assert resp.status_code == 200
    assert [x.pk for x in resp.context["page_obj"]] == [second.pk, first.pk]  # newest first
    html = resp.content.decode()
    assert html.count('data-testid="lead-row"') == 2 and "升级大机组" in html
    _no_inline_code(html)


def test_org_3_another_branch_lists_none_of_them(client_for, lead, people):
    resp = client_for(people["outsider"]).get("/leads/")
    assert resp.status_code == 200 and list(resp.context["page_obj"]) == []


def test_svc_9_list_filters_by_status_and_reporter(client_for, make_lead, people):
    sales = people["salesperson"]
    mine = make_lead()
    services.contact_lead(actor=sales, lead=mine)
    by_manager = make_lead(actor=people["branch_manager"])
    c = client_for(sales)
    assert [x.pk for x in c.get("/leads/", {"status": "contacted"}).context["page_obj"]] == [
        mine.pk
    ]
    resp = c.get("/leads/", {"reporter": people["branch_manager"].pk})
    assert [x.pk for x in resp.context["page_obj"]] == [by_manager.pk]
    assert [x.pk for x in c.get("/leads/", {"q": mine.number}).context["page_obj"]] == [mine.pk]


def test_svc_9_the_list_costs_the_same_queries_for_2_or_12_leads(client_for, make_lead, people):
    sales = people["salesperson"]
    for _ in range(2):
        services.contact_lead(actor=sales, lead=make_lead())
    c = client_for(sales)
    c.get("/leads/")  # warm the session and permission caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get("/leads/").status_code == 200
        return len(queries)

    few = count()
    assert 5 < few < 30
    for i in range(10):
        lead = make_lead(actor=people["branch_manager"] if i % 2 else people["technician"])
        if i % 3 == 0:
            services.win_lead(
                actor=sales, lead=services.contact_lead(actor=sales, lead=lead), commission="10"
            )
    assert count() == few, few


@pytest.mark.parametrize("persona", ["keeper", "agent", "technician"])
def test_svc_9_the_list_is_403_without_the_view_right(persona, client_for, lead, people):
    resp = client_for(people[persona]).get("/leads/")
    assert resp.status_code == 403
    assert "leads.view_lead" in resp.content.decode()


# The lead page -----------------------------------------------------------------------------


def test_svc_9_sales_takes_up_and_wins_on_the_page(client_for, lead, people):
    c = client_for(people["salesperson"])
    html = c.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="form-contact"' in html and 'data-testid="form-lose"' in html
    assert 'data-testid="form-win"' not in html  # not before it is taken up
    _no_inline_code(html)
    resp = c.post(f"/leads/{lead.pk}/contact/", {"salesperson": "", "note": "已联系"})
    assert resp.status_code == 302
    resp = c.post(f"/leads/{lead.pk}/win/", {"commission": "1234.57"})
    assert resp.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON and str(lead.info_fee) == "61.73"
    html = c.get(f"/leads/{lead.pk}/").content.decode()
    assert "¥61.73" in html and "5 %" in html
    actions = list(AuditEntry.objects.for_object(lead).values_list("action", flat=True))
    assert actions == ["leads.lead.win", "leads.lead.contact", "leads.lead.recorded"]


@pytest.mark.parametrize("amount", ["-1", "0", "abc", "1.234", "", "1e20", "NaN"])
def test_svc_9_a_bad_commission_is_refused_on_the_page(amount, client_for, contacted, people):
    audit_before = AuditEntry.objects.count()
    resp = client_for(people["salesperson"]).post(
        f"/leads/{contacted.pk}/win/", {"commission": amount}
    )
    assert resp.status_code == 200
    panel = next(a for a in resp.context["actions"] if a["action"] == "win")
    assert panel["failed"] and panel["form"].errors
    contacted.refresh_from_db()
    assert contacted.status == LeadStatus.CONTACTED and contacted.info_fee is None
    assert AuditEntry.objects.count() == audit_before


def test_svc_9_a_refused_step_says_why_when_the_state_moved_on(client_for, contacted, people):
    c = client_for(people["salesperson"])
    c.post(f"/leads/{contacted.pk}/lose/", {"reason": "已在别家购买"})
    resp = c.post(f"/leads/{contacted.pk}/win/", {"commission": "100"})
    assert resp.status_code == 200 and resp.context["refused"]
    assert Lead.objects.get(pk=contacted.pk).status == LeadStatus.LOST


def test_svc_9_the_reporter_reads_their_lead_but_takes_no_step(client_for, lead, people):
    c = client_for(people["technician"])
    resp = c.get(f"/leads/{lead.pk}/")
    assert resp.status_code == 200 and resp.context["actions"] == []
    assert c.post(f"/leads/{lead.pk}/contact/", {}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


@pytest.mark.parametrize("persona", ["keeper", "agent"])
def test_svc_9_the_lead_page_is_403_without_the_right(persona, client_for, lead, people):
    c = client_for(people[persona])
    assert c.get(f"/leads/{lead.pk}/").status_code == 403
    assert c.post(f"/leads/{lead.pk}/contact/", {}).status_code == 403


def test_org_3_another_branch_gets_403_as_on_the_order_page(client_for, lead, people):
    """Like the service order pages: a record outside reach is a 403 that says why."""
    c = client_for(people["outsider"])
    assert c.get(f"/orders/{lead.order_id}/").status_code == 403
    resp = c.get(f"/leads/{lead.pk}/")
    assert resp.status_code == 403 and "outside your reach" in resp.content.decode()
    assert c.post(f"/leads/{lead.pk}/contact/", {}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_a_missing_lead_or_action_is_404(client_for, lead, people):
    c = client_for(people["salesperson"])
    assert c.get("/leads/999999/").status_code == 404
    assert c.post(f"/leads/{lead.pk}/delete/", {}).status_code == 404


# My information fees ---------------------------------------------------------------------


def test_svc_9_my_information_fees_lists_won_leads_and_the_total(client_for, make_lead, people):
    sales, tech = people["salesperson"], people["technician"]
    for amount in ("2000", "1234.57"):
        lead = services.contact_lead(actor=sales, lead=make_lead())
        services.win_lead(actor=sales, lead=lead, commission=amount)
    open_lead = make_lead(product_interest="还在考虑的升级")
    someone_else = services.contact_lead(
        actor=sales, lead=make_lead(actor=people["branch_manager"])
    )
    services.win_lead(actor=sales, lead=someone_else, commission="9000")
    resp = client_for(tech).get("/leads/fees/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert html.count('data-testid="won-lead"') == 2
    assert resp.context["total"] == Decimal("161.73")
    assert "¥100.00" in html and "¥61.73" in html and "¥161.73<" in html
    assert "¥450.00" not in html  # another reporter's fee
    assert open_lead.number in html
    _no_inline_code(html)


def test_svc_9_my_information_fees_with_none_won(client_for, people):
    resp = client_for(people["technician"]).get("/leads/fees/")
    assert resp.status_code == 200 and "¥0.00" in resp.content.decode()


def test_svc_9_my_information_fees_is_403_without_the_right(client_for, people):
    assert client_for(people["keeper"]).get("/leads/fees/").status_code == 403


def test_svc_9_the_menu_shows_leads_to_sales_and_fees_to_technicians(client_for, people):
    sales_html = client_for(people["salesperson"]).get("/").content.decode()
    tech_html = client_for(people["technician"]).get("/").content.decode()
    assert 'href="/leads/"' in sales_html and 'href="/leads/fees/"' not in sales_html
    assert 'href="/leads/fees/"' in tech_html and 'href="/leads/"' not in tech_html
