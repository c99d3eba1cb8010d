"""Fixtures of the sales-lead tests (SVC-9): a Hangzhou order worked by the technician."""

import datetime

import pytest
from django.utils import timezone

from aftersales.leads import services
from aftersales.leads.models import Lead, LeadStatus
from tests.service.conftest import dispatched, hz_customer, hz_unit, new_order  # noqa: F401


@pytest.fixture
def order(new_order, people):  # noqa: F811
    """A Hangzhou repair order dispatched to the technician hz_jishi."""
    return dispatched(new_order(), people)


@pytest.fixture
def make_lead(order, people):
    """make_lead(**overrides) → a new lead the technician recorded on the order."""

    def make(**overrides):
        fields = {
            "actor": people["technician"],
            "order": order,
            "product_interest": "再买一台空气能热水器",
            "note": "给员工宿舍用",
        }
        return services.record_lead(**{**fields, **overrides})

    return make


@pytest.fixture
def lead(make_lead):
    return make_lead()


@pytest.fixture
def contacted(lead, people):
    return services.contact_lead(actor=people["salesperson"], lead=lead)


def put_in_state(lead: Lead, status: str, salesperson=None) -> Lead:
    """Set a lead's state directly (tests only), with the fields that state carries."""
    now = timezone.now()
    fields = {"status": status}
    if status != LeadStatus.NEW:
        fields.update(salesperson=salesperson, contacted_at=now - datetime.timedelta(hours=1))
    if status == LeadStatus.WON:
        fields.update(commission="100.00", info_fee_rate="0.0500", info_fee="5.00", won_at=now)
    if status == LeadStatus.LOST:
        fields.update(lost_reason="客户已在别家购买", lost_at=now)
    Lead.objects.filter(pk=lead.pk).update(**fields)
    lead.refresh_from_db()
    return lead
