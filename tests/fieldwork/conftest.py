"""Fixtures of the field-work tests (SVC-3, SVC-5): a Hangzhou order planned for an on-site
visit by the Hangzhou technician, and the service tests' customer, unit and signatures."""

import datetime

import pytest
from django.utils import timezone

from aftersales.fieldwork import services as fieldwork
from aftersales.fieldwork.models import ChecklistItem
from aftersales.service import services
from tests.service.conftest import dispatched, hz_customer, hz_unit, new_order  # noqa: F401


def planned_on_site(order, people, mode="on_site"):
    """Dispatched to the Hangzhou technician, customer contacted, plan agreed."""
    order = dispatched(order, people)
    tech = people["technician"]
    order = services.record_contact(actor=tech, order=order)
    return services.set_plan(
        actor=tech,
        order=order,
        mode=mode,
        diagnosis="疑似温度传感器故障",
        appointment_at=timezone.now() + datetime.timedelta(hours=3),
    )


def tick_all(order, actor):
    return fieldwork.tick_checklist(
        actor=actor, order=order, item_ids=[i.pk for i in fieldwork.checklist_for(order)]
    )


@pytest.fixture
def on_site(new_order, people):  # noqa: F811
    """An order planned for an on-site visit, its checklist not ticked."""
    return planned_on_site(new_order(), people)


@pytest.fixture
def checklist():
    """The seeded default checklist (SVC-5), in list order."""
    items = list(ChecklistItem.objects.active().order_by("rank", "pk"))
    assert items, "the data migration seeds the default checklist"
    return items
