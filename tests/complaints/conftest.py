"""Fixtures of the complaint tests (CMP-1…CMP-5, FUP-4): the default classes, a Hangzhou
order worked by the Hangzhou technician, a survey and a return visit with comments."""

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from aftersales.complaints import services
from aftersales.complaints.models import ComplaintClass
from tests.service.conftest import dispatched, hz_customer, hz_unit, new_order  # noqa: F401

# A Friday without holidays around it (CAL-1 worked examples): 2025-03-14 16:00 Shanghai.
FRIDAY_4PM = dt.datetime(2025, 3, 14, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def classes(db):
    return {c.name: c for c in ComplaintClass.objects.all()}


@pytest.fixture
def attitude(classes):
    """服务态度: ordinary, report within 24 h, resolve within 3 working days, no reply."""
    return classes["服务态度"]


@pytest.fixture
def charges_class(classes):
    """收费争议: serious, 8 h, 3 working days, written reply required."""
    return classes["收费争议"]


@pytest.fixture
def safety(classes):
    """安全事故: severe, 2 h, tells the company manager at once, written reply."""
    return classes["安全事故 / 人身财产损害"]


@pytest.fixture
def order(new_order, people):  # noqa: F811
    """A Hangzhou order dispatched to the Hangzhou technician (hz_jishi)."""
    return dispatched(new_order(), people)


@pytest.fixture
def register(people, order, attitude):
    """register(**overrides) → a complaint on the order, registered by the HQ agent."""

    def make(**overrides):
        fields = {
            "actor": people["agent"],
            "channel": "phone",
            "complaint_class": attitude,
            "subject": "师傅态度差",
            "content": "客户来电：维修师傅说话不耐烦。",
            "complainant_name": "李先生",
            "complainant_phone": "13800001111",
            "order": order,
        }
        fields.update(overrides)
        return services.register_complaint(**fields)

    return make


@pytest.fixture
def survey(order):
    from aftersales.followup.models import Survey

    now = timezone.now()
    return Survey.objects.create(
        token_hash=secrets.token_hex(32),
        customer=order.customer,
        order=order,
        technician=order.technician,
        phone="13800002222",
        send_at=now,
        sent_at=now,
        expires_at=now + dt.timedelta(days=30),
        answered_at=now,
        channel="web",
        attitude=1,
        skill=2,
        punctuality=2,
        promises=1,
        score="1.50",
        satisfied=False,
        suggestions="师傅迟到两小时，也没有提前打电话。",
        other_needs="希望安排别的师傅回访。",
    )


@pytest.fixture
def return_visit(order):
    from aftersales.followup.models import ReturnVisit

    now = timezone.now()
    return ReturnVisit.objects.create(
        order=order,
        status="not_satisfied",
        due_at=now,
        next_call_at=now,
        attempts=1,
        notes="客户说热水器修好后第二天又不热了，很不满意。",
        done_at=now,
    )
