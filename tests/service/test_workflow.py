"""The service order's transitions table: every (state, action) cell and who may act."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.accounts import services as accounts_services
from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.service import services, workflow
from aftersales.service.models import ServiceOrder, Status
from tests.service.conftest import signature_png

pytestmark = pytest.mark.django_db


def _call(action, order, actor, technician, other=None):
    """Call the action's service with valid arguments."""
    later = timezone.now() + datetime.timedelta(days=1)
    calls = {
        "dispatch": lambda: services.dispatch_order(
            actor=actor, order=order, technician=technician
        ),
        "reassign": lambda: services.reassign_order(
            actor=actor, order=order, technician=technician, reason="客户改约"
        ),
        "contact": lambda: services.record_contact(actor=actor, order=order),
        "plan": lambda: services.set_plan(
            actor=actor, order=order, mode="on_site", diagnosis="传感器", appointment_at=later
        ),
        "start": lambda: services.start_work(actor=actor, order=order),
        "wait_parts": lambda: services.wait_for_parts(actor=actor, order=order, reason="传感器"),
        "wait_customer": lambda: services.wait_for_customer(
            actor=actor, order=order, reason="出差"
        ),
        "resume": lambda: services.resume_work(actor=actor, order=order),
        "complete": lambda: services.complete_order(
            actor=actor,
            order=order,
            result="更换传感器",
            signature=signature_png(),
            signer_name="王",
        ),
        "escalate": lambda: services.escalate_order(
            actor=actor, order=order, reason="分公司无此型号配件"
        ),
        "merge": lambda: services.merge_order(actor=actor, order=order, into=other),
        "close": lambda: services.close_order(actor=actor, order=order),
        "cancel": lambda: services.cancel_order(actor=actor, order=order, reason="客户撤销"),
        "reopen": lambda: services.reopen_order(actor=actor, order=order, reason="故障复发"),
    }
    return calls[action]()


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_every_cell_of_the_transitions_table(status, action, new_order, people, org):
    """Allowed cells move to the table's target and are audited; others refuse, write nothing."""
    # given an order in `status`, assigned to someone else (so reassign has a change to make)
    order = new_order()
    first_tech = people["technician"]
    ServiceOrder.objects.filter(pk=order.pk).update(status=status, technician=first_tech)
    order.refresh_from_db()
    second_tech = accounts_services.create_user(
        actor=people["admin"],
        username="hz_jishi2",
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
    )
    other = new_order(description="同一台机器再次来电")  # an open order to merge into
    ServiceOrder.objects.filter(pk=order.pk).update(duplicate_of=other)  # merge's guard
    order.refresh_from_db()
    transition = workflow.TRANSITIONS[action]
    # the branch manager dispatches, closes, and may act for the technician
    actor = people["branch_manager"]
    audit_before = AuditEntry.objects.count()
    # when / then
    if status in transition.sources:
        changed = _call(action, order, actor, second_tech, other)
        assert changed.status == (transition.target or status)
        # (the customer's SMS, when the step sends one, is its own entry)
        entry = (
            AuditEntry.objects.for_object(order)
            .exclude(action="service.order.customer_texted")
            .first()
        )
        assert entry.action == f"service.order.{action}" and entry.actor == actor
    else:
        with pytest.raises(ServiceError):
            _call(action, order, actor, second_tech, other)
        order.refresh_from_db()
        assert order.status == status
        assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_a_role_without_the_right_is_refused_every_action(action, new_order, people):
    """Finance may look at orders but take no action on them: 403, nothing written."""
    order = new_order()
    source = sorted(workflow.TRANSITIONS[action].sources)[0]
    ServiceOrder.objects.filter(pk=order.pk).update(status=source, technician=people["technician"])
    order.refresh_from_db()
    with pytest.raises(PermissionDenied):
        _call(action, order, people["finance"], people["technician"])
    order.refresh_from_db()
    assert order.status == source


def test_only_the_assigned_technician_works_the_order(new_order, people, org):
    """A technician acts on their own orders; another technician is refused."""
    order = services.dispatch_order(
        actor=people["agent"], order=new_order(), technician=people["technician"]
    )
    colleague = accounts_services.create_user(
        actor=people["admin"],
        username="hz_jishi2",
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
    )
    with pytest.raises(PermissionDenied):
        services.record_contact(actor=colleague, order=order)
    order = services.record_contact(actor=people["technician"], order=order)
    assert order.status == Status.CONTACTED and order.contacted_at is not None
    # a technician cannot dispatch or close
    assert workflow.actions_for(order, people["technician"]) == ["plan"]


def test_the_whole_path_from_intake_to_closed(new_order, people):
    tech, agent = people["technician"], people["agent"]
    order = new_order()
    order = services.dispatch_order(actor=agent, order=order, technician=tech)
    order = services.record_contact(actor=tech, order=order)
    order = services.set_plan(
        actor=tech,
        order=order,
        mode="on_site",
        diagnosis="温度传感器损坏",
        appointment_at=timezone.now() + datetime.timedelta(hours=20),
    )
    order = services.start_work(actor=tech, order=order)
    order = services.wait_for_parts(actor=tech, order=order, reason="等传感器到货")
    order = services.resume_work(actor=tech, order=order)
    order = services.complete_order(
        actor=tech,
        order=order,
        result="更换温度传感器，试机正常",
        signature=signature_png(),
        signer_name="王经理",
    )
    # FUP-1: the order closes once its return visit is made (closing before is refused)
    from aftersales.followup import visits
    from aftersales.followup.models import ReturnVisit

    with pytest.raises(ServiceError):
        services.close_order(actor=agent, order=order)
    visit = ReturnVisit.objects.get(order=order, status="due")
    answers = {q.pk: "是" for q in visits.script_for(order)}
    visits.record_call(actor=agent, visit=visit, outcome="satisfied", answers=answers)
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    actions = list(
        AuditEntry.objects.for_object(order)
        .exclude(action="service.order.customer_texted")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        f"service.order.{a}"
        for a in [
            "received",
            "dispatch",
            "contact",
            "plan",
            "start",
            "wait_parts",
            "resume",
            "complete",
            "close",
        ]
    ]
