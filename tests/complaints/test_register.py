"""Registering complaints (CMP-1, CMP-3, CMP-4, FUP-4): every channel, prefill from surveys
and return visits, deadlines on the business calendar, severe ones to the company manager."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintNote
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification
from tests.complaints.conftest import FRIDAY_4PM

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "channel", ["phone", "letter", "fax", "email", "media", "visit", "survey", "return_visit"]
)
def test_cmp_3_every_channel_is_registered(register, channel):
    complaint = register(channel=channel)
    assert complaint.number.startswith("CMP-")
    assert complaint.channel == channel
    assert complaint.status == "registered"
    assert complaint.notes.get().action == "register"
    assert AuditEntry.objects.filter(action="complaints.complaint.registered").count() == 1


def test_cmp_3_defaults_owner_unit_responsible(register, people, order):
    complaint = register()
    assert complaint.owner == people["agent"]  # the agent holds handle rights
    assert complaint.org_unit == order.org_unit  # the order's handling unit (BR-HZ)
    assert complaint.responsible == people["technician"]  # the order's technician
    assert complaint.customer == order.customer
    assert complaint.severity == "ordinary"  # the class's


def test_cmp_4_technician_registers_owner_is_the_branch_handler(register, people):
    """A technician has no handle rights: the branch's handler owns it and is told."""
    complaint = register(actor=people["technician"])
    assert complaint.owner == people["branch_manager"]
    note = Notification.objects.get(recipient=people["branch_manager"])
    assert note.topic == "complaint.assigned"
    assert complaint.number in note.title


def test_cmp_1_worked_deadlines_report_hours_and_working_days_over_a_weekend(
    register, attitude, charges_class
):
    """Friday 16:00: 24 h → Saturday 16:00 (wall clock); 3 working days → Wednesday 17:30."""
    c = register(received_at=FRIDAY_4PM)
    assert c.report_due_at.astimezone(SH) == dt.datetime(2025, 3, 15, 16, 0, tzinfo=SH)
    assert c.resolve_due_at.astimezone(SH) == dt.datetime(2025, 3, 19, 17, 30, tzinfo=SH)
    serious = register(received_at=FRIDAY_4PM, complaint_class=charges_class)
    assert serious.report_due_at.astimezone(SH) == dt.datetime(2025, 3, 15, 0, 0, tzinfo=SH)
    assert serious.severity == "serious"


def test_cmp_1_resolved_on_the_spot(register):
    c = register(resolved_on_spot=True, resolution="当场道歉并重新安排师傅，客户接受。")
    assert c.status == "resolved" and c.resolved_on_spot and c.resolved_at
    assert [n.action for n in c.notes.all()] == ["register", "resolve"]


def test_cmp_1_resolved_on_the_spot_needs_the_resolution(register):
    with pytest.raises(ServiceError) as err:
        register(resolved_on_spot=True, resolution=" ")
    assert "resolution" in err.value.error_dict
    assert not Complaint.objects.exists() and not ComplaintNote.objects.exists()


def test_fup_4_severe_tells_every_company_manager_at_once_and_is_its_report(
    register, safety, people
):
    c = register(complaint_class=safety, channel="media", subject="热水器漏电致人受伤")
    assert c.severity == "severe"
    assert c.reported_at is not None and "FUP-4" in c.report_note
    note = Notification.objects.get(recipient=people["company_manager"], topic="complaint.severe")
    assert c.number in note.title
    assert [n.action for n in c.notes.all()] == ["register", "report"]


def test_cmp_4_severity_raised_to_severe_tells_the_manager(register, people):
    c = register(severity="severe")
    assert c.severity == "severe" and c.reported_at is not None
    assert Notification.objects.filter(
        recipient=people["company_manager"], topic="complaint.severe"
    ).exists()


def test_cmp_4_severity_cannot_be_lowered_below_the_class(register, charges_class):
    with pytest.raises(ServiceError) as err:
        register(complaint_class=charges_class, severity="ordinary")
    assert "severity" in err.value.error_dict
    assert not Complaint.objects.exists()


def test_bad_input_names_each_field_and_writes_nothing(register):
    with pytest.raises(ServiceError) as err:
        register(channel="pigeon", subject="", content="", complainant_name="")
    assert {"channel", "subject", "content", "complainant_name"} <= set(err.value.error_dict)
    with pytest.raises(ServiceError) as err:
        register(received_at=dt.datetime(2099, 1, 1, tzinfo=SH))
    assert "received_at" in err.value.error_dict
    assert not Complaint.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="complaints.").exists()


def test_cmp_3_finance_cannot_register(register, people):
    with pytest.raises(PermissionDenied):
        register(actor=people["finance"])
    assert not Complaint.objects.exists()


def test_org_3_order_outside_reach_is_refused(register, people):
    with pytest.raises(PermissionDenied):
        register(actor=people["outsider"])


def test_cmp_3_survey_comments_prefill_and_link(register, survey, people):
    initial = services.prefill_from_survey(people["agent"], survey)
    assert initial["channel"] == "survey"
    assert initial["customer"] == survey.customer and initial["order"] == survey.order
    assert "迟到两小时" in initial["content"] and "别的师傅" in initial["content"]
    c = register(
        channel="survey", survey=survey, order=None, content=initial["content"], subject="迟到"
    )
    assert c.survey == survey and c.order == survey.order and c.customer == survey.customer


def test_cmp_3_return_visit_notes_prefill_and_link(register, return_visit, people):
    initial = services.prefill_from_visit(people["agent"], return_visit)
    assert initial["channel"] == "return_visit"
    assert initial["order"] == return_visit.order
    assert "第二天又不热" in initial["content"]
    c = register(channel="return_visit", return_visit=return_visit, order=None)
    assert c.return_visit == return_visit and c.order == return_visit.order


def test_cmp_3_survey_of_another_customer_is_refused(register, survey, hz_customer):
    from aftersales.customers.models import Customer

    other = Customer.objects.create(
        code="C-X",
        name="别家",
        kind="end_user",
        entity="person",
        phone="1",
        owner_unit=hz_customer.owner_unit,
    )
    with pytest.raises(ServiceError) as err:
        register(survey=survey, order=None, customer=other)
    assert "survey" in err.value.error_dict
