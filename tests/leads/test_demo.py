"""SVC-9 demo data: a lead in each state, the won one earning 100.00 on 2000 commission."""

from decimal import Decimal

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def test_svc_9_demo_has_a_lead_in_every_state_with_the_fee_and_audit_trail():
    from aftersales.core.demo import load

    ctx = load()
    assert len(ctx["leads"]) == 4
    assert sorted(Lead.objects.values_list("status", flat=True)) == sorted(LeadStatus.values)
    won = Lead.objects.get(status=LeadStatus.WON)
    assert (won.commission, won.info_fee) == (Decimal("2000.00"), Decimal("100.00"))
    assert won.reporter.username == "hz_jishi" and won.salesperson.username == "hz_xiaoshou"
    actions = list(AuditEntry.objects.for_object(won).values_list("action", flat=True))
    assert actions == ["leads.lead.win", "leads.lead.contact", "leads.lead.recorded"]
