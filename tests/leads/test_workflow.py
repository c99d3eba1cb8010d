"""SVC-9 lead workflow: recording a lead, every (state, action) cell of the transitions table,
who may act (rights and reach, ORG-3), and the audit trail (SEC-1)."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.leads import services, workflow
from aftersales.leads.models import Lead, LeadStatus
from aftersales.service import services as service_services
from tests.leads.conftest import put_in_state

pytestmark = pytest.mark.django_db

VALID_ARGS = {
    "contact": {},
    "win": {"commission": "2000"},
    "lose": {"reason": "客户预算不足，暂不购买"},
}


# Recording -------------------------------------------------------------------------------


def test_svc_9_technician_records_a_lead_on_their_order(order, people):
    # given the technician's order at the customer's site
    tech = people["technician"]
    # when they record the purchase intent they heard
    lead = services.record_lead(
        actor=tech, order=order, product_interest=" 新楼要三台热泵机组 ", note="下周看现场"
    )
    # then it is a new lead of the order's customer and unit, reported by them, numbered SL
    lead.refresh_from_db()
    assert re.fullmatch(r"SL-\d{8}-0001", lead.number)
    assert lead.status == LeadStatus.NEW
    assert (lead.order, lead.customer, lead.org_unit) == (order, order.customer, order.org_unit)
    assert lead.reporter == tech and lead.product_interest == "新楼要三台热泵机组"
    assert lead.salesperson is None and lead.info_fee is None
    entry = AuditEntry.objects.for_object(lead).get()
    assert entry.action == "leads.lead.recorded" and entry.actor == tech
    assert entry.note == order.number
    assert entry.changes["product_interest"] == [None, "新楼要三台热泵机组"]


def test_svc_9_a_branch_manager_with_the_order_in_reach_may_record(order, people):
    lead = services.record_lead(
        actor=people["branch_manager"], order=order, product_interest="升级机组"
    )
    assert lead.reporter == people["branch_manager"]


@pytest.mark.parametrize(
    "persona",
    [
        "keeper",  # no right to record leads
        "salesperson",  # works leads, does not record them
        "finance",
        "outsider",  # has the right, but the order is another branch's (ORG-3)
        "service_centre",  # a technician of the Ningbo centre: not their order, not in reach
    ],
)
def test_svc_9_recording_is_refused_without_the_right_or_the_reach(persona, order, people):
    with pytest.raises(PermissionDenied):
        services.record_lead(actor=people[persona], order=order, product_interest="再买一台")
    assert not Lead.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="leads.").exists()


def test_svc_9_the_order_s_technician_records_even_from_another_unit(new_order, people, org):
    """The technician the order is assigned to always may, wherever they belong."""
    from aftersales.accounts import services as accounts_services

    hq_tech = accounts_services.create_user(
        actor=people["admin"],
        username="hq_jishi",
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["HQ-SVC"],
    )
    order = service_services.dispatch_order(
        actor=people["agent"], order=new_order(), technician=hq_tech
    )
    lead = services.record_lead(actor=hq_tech, order=order, product_interest="再买一台")
    assert lead.reporter == hq_tech and lead.org_unit == order.org_unit


@pytest.mark.parametrize(
    ("interest", "note"), [("", ""), ("   ", ""), ("x" * 201, ""), ("再买一台", "y" * 2001)]
)
def test_svc_9_a_lead_needs_what_the_customer_wants(interest, note, order, people):
    with pytest.raises(ServiceError) as refused:
        services.record_lead(
            actor=people["technician"], order=order, product_interest=interest, note=note
        )
    assert set(refused.value.message_dict) <= {"product_interest", "note"}
    assert not Lead.objects.exists()


# The transitions table ---------------------------------------------------------------------


@pytest.mark.parametrize("status", LeadStatus.values)
@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_svc_9_every_cell_of_the_transitions_table(status, action, lead, people):
    """Allowed cells move to the table's target and are audited; others refuse, write nothing."""
    # given a lead in `status`
    sales = people["salesperson"]
    lead = put_in_state(lead, status, salesperson=sales)
    transition = workflow.TRANSITIONS[action]
    audit_before = AuditEntry.objects.count()
    # when sales takes the action
    if status in transition.sources:
        changed = services.perform(action, actor=sales, lead=lead, **VALID_ARGS[action])
        # then the lead moves to the target and the step is audited
        assert Lead.objects.get(pk=lead.pk).status == changed.status == transition.target
        entry = AuditEntry.objects.for_object(lead).first()
        assert entry.action == f"leads.lead.{action}" and entry.actor == sales
        assert entry.changes["status"] == [status, transition.target]
    else:
        with pytest.raises(ServiceError):
            services.perform(action, actor=sales, lead=lead, **VALID_ARGS[action])
        assert Lead.objects.get(pk=lead.pk).status == status
        assert AuditEntry.objects.count() == audit_before


def test_svc_9_the_table_is_new_contacted_won_or_lost():
    table = {a: (sorted(t.sources), t.target) for a, t in workflow.TRANSITIONS.items()}
    assert table == {
        "contact": (["new"], "contacted"),
        "win": (["contacted"], "won"),
        "lose": (["contacted", "new"], "lost"),
    }


@pytest.mark.parametrize("persona", ["salesperson", "branch_manager", "company_manager"])
def test_svc_9_sales_and_managers_work_leads_in_reach(persona, lead, people):
    """The salesperson and branch manager of Hangzhou, and the business lead at HQ (jingli
    is company manager and business lead) take leads up and close them."""
    actor = people[persona]
    lead = services.contact_lead(actor=actor, lead=lead)
    assert lead.salesperson == actor
    lead = services.win_lead(actor=actor, lead=lead, commission="500")
    assert lead.info_fee == 25


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
@pytest.mark.parametrize("persona", ["technician", "finance", "keeper", "agent"])
def test_svc_9_a_role_without_the_right_is_refused_every_action(action, persona, lead, people):
    """The reporter, finance (who pays the fee, view only), the warehouse and customer service
    may not work leads: 403, nothing written."""
    source = sorted(workflow.TRANSITIONS[action].sources)[0]
    lead = put_in_state(lead, source, salesperson=people["salesperson"])
    audit_before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.perform(action, actor=people[persona], lead=lead, **VALID_ARGS[action])
    assert Lead.objects.get(pk=lead.pk).status == source
    assert AuditEntry.objects.count() == audit_before
    assert workflow.actions_for(lead, people[persona]) == []


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_org_3_another_branch_may_not_work_the_lead(action, lead, people):
    """The Nanjing manager holds the right but the lead is Hangzhou's: 403, nothing written."""
    source = sorted(workflow.TRANSITIONS[action].sources)[0]
    lead = put_in_state(lead, source, salesperson=people["salesperson"])
    with pytest.raises(PermissionDenied):
        services.perform(action, actor=people["outsider"], lead=lead, **VALID_ARGS[action])
    assert Lead.objects.get(pk=lead.pk).status == source


def test_svc_9_contact_names_the_salesperson(lead, people):
    # the branch manager hands the lead to the salesperson
    lead = services.contact_lead(
        actor=people["branch_manager"], lead=lead, salesperson=people["salesperson"], note="请跟进"
    )
    assert lead.salesperson == people["salesperson"] and lead.contacted_at is not None
    assert AuditEntry.objects.for_object(lead).first().note == "请跟进"


@pytest.mark.parametrize("persona", ["keeper", "outsider", "technician"])
def test_svc_9_the_salesperson_must_work_leads_in_that_unit(persona, lead, people):
    """A person without the right, or of another branch, cannot be given the lead."""
    with pytest.raises(ServiceError) as refused:
        services.contact_lead(
            actor=people["branch_manager"], lead=lead, salesperson=people[persona]
        )
    assert "salesperson" in refused.value.message_dict
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_svc_9_lost_needs_the_reason(contacted, people):
    with pytest.raises(ServiceError) as refused:
        services.lose_lead(actor=people["salesperson"], lead=contacted, reason="  ")
    assert "reason" in refused.value.message_dict
    lost = services.lose_lead(actor=people["salesperson"], lead=contacted, reason="已在别家购买")
    assert lost.status == LeadStatus.LOST and lost.lost_reason == "已在别家购买"
    assert lost.info_fee is None and lost.lost_at is not None
    entry = AuditEntry.objects.for_object(lost).first()
    assert entry.action == "leads.lead.lose" and entry.note == "已在别家购买"


def test_svc_9_a_stale_page_cannot_win_a_lead_twice(contacted, people):
    """The state is checked under the row lock: the second win is refused."""
    sales = people["salesperson"]
    services.win_lead(actor=sales, lead=contacted, commission="2000")
    with pytest.raises(ServiceError):
        services.win_lead(actor=sales, lead=contacted, commission="3000")  # the stale object
    assert Lead.objects.get(pk=contacted.pk).commission == 2000


def test_org_3_reach_of_leads(lead, people):
    """Hangzhou sees its leads, HQ roles all, Nanjing none; a technician reads only their own."""
    visible = {p: Lead.objects.readable_by(people[p]).filter(pk=lead.pk).exists() for p in people}
    assert visible["salesperson"] and visible["branch_manager"] and visible["finance"]
    assert visible["company_manager"] and visible["technician"]  # the reporter
    assert not visible["outsider"] and not visible["keeper"] and not visible["agent"]
    assert not visible["service_centre"]


def test_svc_9_sales_in_the_orders_unit_hear_of_a_new_lead(people, order):
    """SVC-9: the people who work leads in the order's unit are notified; the reporter not."""
    from aftersales.leads import services as lead_services
    from aftersales.notifications.models import Notification

    lead = lead_services.record_lead(
        actor=people["technician"], order=order, product_interest="再买一台热水器"
    )
    told = set(
        Notification.objects.filter(topic="lead.recorded").values_list(
            "recipient__username", flat=True
        )
    )
    assert "hz_xiaoshou" in told and "hz_jishi" not in told
    assert Notification.objects.filter(url=lead.get_absolute_url()).exists()
