"""CMP-2 and STF-3: a complaint neither resolved nor reported in time records a violation
against the responsible person and their regional head — once."""

import datetime as dt
from decimal import Decimal

from aftersales.audit.models import AuditEntry
from aftersales.complaints import services
from aftersales.complaints.models import Violation
from aftersales.core.periodic import jobs
from aftersales.notifications.models import Notification
from tests.complaints.conftest import FRIDAY_4PM

SATURDAY_5PM = FRIDAY_4PM + dt.timedelta(hours=25)  # past the 24 h report deadline


def test_cmp_2_worked_example_person_and_regional_head(register, people):
    """Received Friday 16:00, 服务态度 report within 24 h → due Saturday 16:00; at 17:00
    neither reported nor resolved: 100 CNY for the technician, 200 CNY for 浙江's head."""
    c = register(received_at=FRIDAY_4PM)
    assert services.record_late_complaints(FRIDAY_4PM + dt.timedelta(hours=23)) == 0
    assert services.record_late_complaints(SATURDAY_5PM) == 1
    person = Violation.objects.get(as_head=False)
    head = Violation.objects.get(as_head=True)
    assert person.person == people["technician"] and head.person == people["branch_manager"]
    assert (person.fine, head.fine) == (Decimal("100.00"), Decimal("200.00"))
    assert (person.occurrence, head.occurrence) == (1, 1)
    assert person.rule_id == head.rule_id == "CMP-2" and person.complaint == c
    assert not person.dismissal_proposed
    c.refresh_from_db()
    assert c.violation_checked_at == SATURDAY_5PM
    assert c.notes.filter(action="late").exists()
    for who in ("technician", "branch_manager", "supervisor"):
        assert Notification.objects.filter(recipient=people[who], topic="complaint.late").exists()
    assert AuditEntry.objects.filter(action="complaints.violation.recorded").count() == 2


def test_cmp_2_job_run_twice_acts_once(register):
    register(received_at=FRIDAY_4PM)
    job = jobs()["complaints.late"]
    assert job(SATURDAY_5PM) == 1
    assert job(SATURDAY_5PM + dt.timedelta(days=1)) == 0
    assert Violation.objects.count() == 2


def test_stf_3_second_doubles_third_proposes_dismissal(register):
    for _ in range(3):
        register(received_at=FRIDAY_4PM)
    services.record_late_complaints(SATURDAY_5PM)
    rows = Violation.objects.filter(as_head=False).order_by("occurrence")
    assert [(v.occurrence, v.fine, v.dismissal_proposed) for v in rows] == [
        (1, Decimal("100.00"), False),
        (2, Decimal("200.00"), False),
        (3, Decimal("200.00"), True),
    ]
    heads = Violation.objects.filter(as_head=True).order_by("occurrence")
    assert [v.fine for v in heads] == [Decimal("200.00"), Decimal("400.00"), Decimal("400.00")]
    assert heads.last().dismissal_proposed


def test_cmp_2_reported_resolved_or_severe_ones_record_nothing(register, people, safety):
    reported = register(received_at=FRIDAY_4PM)
    services.report_complaint(actor=people["agent"], complaint=reported, report_note="已上报")
    register(received_at=FRIDAY_4PM, resolved_on_spot=True, resolution="当场解决")
    register(received_at=FRIDAY_4PM, complaint_class=safety)  # reported at once (FUP-4)
    assert services.record_late_complaints(SATURDAY_5PM) == 0
    assert not Violation.objects.exists()


def test_cmp_2_no_regional_head_only_the_person(register, people):
    """The owner is responsible when nobody else is; 冯磊 (江苏) has no regional head."""
    c = register(received_at=FRIDAY_4PM, order=None, responsible=people["outsider"])
    assert services.record_late_complaints(SATURDAY_5PM) == 1
    only = Violation.objects.get()
    assert only.person == people["outsider"] and not only.as_head
    assert "no regional head" in c.notes.get(action="late").text
