"""The complaint's steps (CMP-1, CMP-4, CMP-5, FUP-4, SEC-5): who may take them, in which
state, and what each writes."""

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.complaints import services, workflow
from aftersales.complaints.models import Complaint, ComplaintNote, ComplaintReply
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification


def _resolved(complaint, actor):
    return services.resolve_complaint(
        actor=actor, complaint=complaint, resolution="更换师傅并道歉", customer_satisfied=True
    )


def test_cmp_1_report_investigate_resolve_close(register, people):
    agent = people["agent"]
    c = register()
    c = services.report_complaint(actor=agent, complaint=c, report_note="客户投诉师傅态度")
    assert c.reported_at is not None
    assert Notification.objects.filter(
        recipient=people["company_manager"], title__contains=c.number
    ).exists()
    c = services.investigate_complaint(
        actor=agent, complaint=c, cause="师傅连续加班情绪差", proposal="道歉并回访"
    )
    assert c.status == "investigating" and c.cause and c.proposal
    c = _resolved(c, agent)
    assert c.status == "resolved" and c.customer_satisfied is True and c.resolved_at
    c = services.close_complaint(actor=agent, complaint=c)  # the owner with handle rights
    assert c.status == "closed" and c.closed_at
    actions = list(c.notes.values_list("action", flat=True))
    assert actions == ["register", "report", "investigate", "resolve", "close"]
    assert AuditEntry.objects.filter(action="complaints.complaint.close").count() == 1


def test_cmp_1_report_twice_is_refused(register, people):
    c = services.report_complaint(actor=people["agent"], complaint=register(), report_note="x")
    with pytest.raises(ServiceError):
        services.report_complaint(actor=people["agent"], complaint=c, report_note="again")


def test_cmp_4_close_without_the_written_reply_is_refused_nothing_written(
    register, charges_class, people
):
    agent = people["agent"]
    c = _resolved(register(complaint_class=charges_class), agent)
    notes, audits = ComplaintNote.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ServiceError) as err:
        services.close_complaint(actor=agent, complaint=c)
    assert "written reply" in str(err.value)
    c.refresh_from_db()
    assert c.status == "resolved" and c.closed_at is None
    assert (ComplaintNote.objects.count(), AuditEntry.objects.count()) == (notes, audits)
    reply = services.add_reply(
        actor=agent, complaint=c, text="经调查，收费符合标准，详见附件。", sent_via="letter"
    )
    assert reply.number.startswith("CLR-")
    c = services.close_complaint(actor=agent, complaint=c)
    assert c.status == "closed"


def test_fup_4_severe_complaint_needs_its_reply_whatever_the_class(register, people):
    agent = people["agent"]
    c = _resolved(register(severity="severe"), agent)  # class 服务态度 needs no reply
    assert workflow.needs_written_reply(c)
    with pytest.raises(ServiceError):
        services.close_complaint(actor=people["supervisor"], complaint=c)
    services.add_reply(actor=agent, complaint=c, text="处理结果如下……", sent_via="email")
    assert services.close_complaint(actor=people["supervisor"], complaint=c).status == "closed"


def test_cmp_5_dispute_goes_to_the_specialist(register, people):
    c = register()
    c = services.refer_complaint(actor=people["agent"], complaint=c, note="客户要求赔偿，分歧大")
    assert c.status == "dispute" and c.owner == people["specialist"]
    assert Notification.objects.filter(recipient=people["specialist"]).exists()
    # The specialist owns it now and works it like any owner.
    c = _resolved(c, people["specialist"])
    assert services.close_complaint(actor=people["specialist"], complaint=c).status == "closed"


def test_cmp_5_refer_to_someone_outside_the_team_is_refused(register, people):
    with pytest.raises(ServiceError) as err:
        services.refer_complaint(
            actor=people["agent"], complaint=register(), note="x", specialist=people["finance"]
        )
    assert "specialist" in err.value.error_dict


def test_cmp_4_assign_changes_the_owner_and_tells_them(register, people):
    c = services.assign_complaint(
        actor=people["agent"], complaint=register(), owner=people["branch_manager"]
    )
    assert c.owner == people["branch_manager"]
    assert Notification.objects.filter(
        recipient=people["branch_manager"], topic="complaint.assigned"
    ).exists()
    with pytest.raises(ServiceError) as err:  # a technician cannot own complaints
        services.assign_complaint(actor=people["agent"], complaint=c, owner=people["technician"])
    assert "owner" in err.value.error_dict


def test_sec_5_technician_cannot_close(register, people):
    c = _resolved(register(actor=people["technician"]), people["branch_manager"])
    with pytest.raises(PermissionDenied):
        services.close_complaint(actor=people["technician"], complaint=c)
    assert Complaint.objects.get().status == "resolved"


def test_org_3_outsider_cannot_act(register, people):
    c = register()
    with pytest.raises(PermissionDenied):
        services.investigate_complaint(
            actor=people["outsider"], complaint=c, cause="x", proposal="y"
        )
    assert not services.visible_complaints(people["outsider"]).exists()
    assert services.visible_complaints(people["branch_manager"]).count() == 1
    assert services.visible_complaints(people["supervisor"]).count() == 1


def test_reply_allowed_when_resolved_not_when_closed_and_reopen(register, people):
    agent = people["agent"]
    c = _resolved(register(), agent)
    services.add_reply(actor=agent, complaint=c, text="回复", sent_via="sms")
    c = services.close_complaint(actor=agent, complaint=c)
    with pytest.raises(ServiceError):
        services.add_reply(actor=agent, complaint=c, text="再回复", sent_via="sms")
    assert ComplaintReply.objects.count() == 1
    c = services.reopen_complaint(actor=people["supervisor"], complaint=c, reason="客户再次来电")
    assert c.status == "investigating" and c.closed_at is None


def test_wrong_state_and_bad_input(register, people):
    agent = people["agent"]
    c = register()
    with pytest.raises(ServiceError):  # only a resolved complaint closes
        services.close_complaint(actor=agent, complaint=c)
    with pytest.raises(ServiceError) as err:
        services.investigate_complaint(actor=agent, complaint=c, cause="", proposal=" ")
    assert {"cause", "proposal"} <= set(err.value.error_dict)
    with pytest.raises(ServiceError) as err:
        services.add_reply(actor=agent, complaint=c, text="", sent_via="pigeon")
    assert {"text", "sent_via"} <= set(err.value.error_dict)
    assert list(c.notes.values_list("action", flat=True)) == ["register"]


def test_actions_for_each_role(register, people):
    c = register(actor=people["technician"])  # owned by the branch manager
    assert workflow.actions_for(c, people["technician"]) == []
    assert "close" not in workflow.actions_for(c, people["branch_manager"])
    assert set(workflow.actions_for(c, people["branch_manager"])) == {
        "assign",
        "report",
        "investigate",
        "refer",
        "resolve",
        "reply",
    }
    assert workflow.actions_for(c, people["outsider"]) == []
