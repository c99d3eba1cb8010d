"""Return visits and follow-up cases: the services (FUP-1, FUP-5)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.followup import visits
from aftersales.followup.models import (
    FollowupCase,
    ReturnVisit,
    VisitCall,
    VisitQuestion,
    VisitSampling,
)
from aftersales.notifications.models import Notification
from aftersales.service import services
from aftersales.service.models import ServiceOrder, Status
from tests.followup.conftest import complete
from tests.service.conftest import in_progress

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def script(db):
    """The common script (two questions) and one asked only on installations, in place of
    the default script."""
    VisitQuestion.objects.all().delete()
    return [
        VisitQuestion.objects.create(text="技术员是否按约定时间到达？", position=10),
        VisitQuestion.objects.create(text="故障是否已经排除？", position=20),
        VisitQuestion.objects.create(
            text="安装位置是否满意？", position=30, order_type="installation"
        ),
    ]


def answers_for(visit, text="是"):
    return {q.pk: text for q in visits.script_for(visit.order)}


def call(actor, visit, outcome, **fields):
    """record_call with the script answered when the customer answers."""
    if outcome != "unreachable":
        fields.setdefault("answers", answers_for(visit))
    return visits.record_call(actor=actor, visit=visit, outcome=outcome, **fields)


def clock(monkeypatch, at: dt.datetime):
    """Stop the clock at ``at`` (every module reads django.utils.timezone.now)."""
    monkeypatch.setattr(timezone, "now", lambda: at)


# --- creation on completion and sampling ----------------------------------------------------


def test_fup_1_completion_creates_a_visit_due_exactly_24_hours_later(completed_order):
    visit = ReturnVisit.objects.get(order=completed_order)
    assert visit.status == "due"
    assert visit.due_at == completed_order.completed_at + dt.timedelta(hours=24)
    assert visit.next_call_at == completed_order.completed_at
    assert visit.attempts == 0
    assert AuditEntry.objects.for_object(visit).filter(action="followup.visit.created").exists()


def test_fup_1_sampling_zero_percent_makes_no_visit_but_notes_it(new_order, people):
    VisitSampling.objects.create(order_type="repair", percent=0)
    order = complete(in_progress(new_order(), people), people)
    assert not ReturnVisit.objects.filter(order=order).exists()
    note = AuditEntry.objects.for_object(order).get(action="followup.visit.not_sampled")
    assert "0 %" in note.note
    # and nothing holds the order open
    assert services.close_order(actor=people["agent"], order=order).status == Status.CLOSED


def test_fup_1_sampling_hundred_percent_and_types_without_a_rule(new_order, people):
    VisitSampling.objects.create(order_type="repair", percent=100)
    VisitSampling.objects.create(order_type="maintenance", percent=0)
    repair = complete(in_progress(new_order(), people), people)
    complaint = complete(in_progress(new_order(order_type="complaint"), people), people)
    assert ReturnVisit.objects.filter(order=repair).count() == 1
    # complaints have no rule: every one is visited
    assert ReturnVisit.objects.filter(order=complaint).count() == 1


def test_fup_1_sampling_n_percent_is_deterministic_by_order_number(new_order, people):
    VisitSampling.objects.create(order_type="repair", percent=50)
    orders = [complete(in_progress(new_order(), people), people) for _ in range(6)]
    for order in orders:
        expected = visits.sample_bucket(order.number) < 50
        assert ReturnVisit.objects.filter(order=order).exists() is expected, order.number
    assert visits.sample_bucket("SO-20260101-0001") == visits.sample_bucket("SO-20260101-0001")
    picked = sum(visits.sample_bucket(f"SO-20260101-{i:04d}") < 30 for i in range(1000))
    assert 250 < picked < 350  # about the share asked for


def test_fup_1_a_reopened_order_completed_again_gets_its_visit_retimed(completed_order, people):
    first = ReturnVisit.objects.get(order=completed_order)
    order = services.reopen_order(actor=people["agent"], order=completed_order, reason="故障复发")
    order = services.dispatch_order(
        actor=people["agent"], order=order, technician=people["technician"]
    )
    tech = people["technician"]
    order = services.record_contact(actor=tech, order=order)
    order = services.set_plan(actor=tech, order=order, mode="phone", diagnosis="参数")
    order = complete(services.start_work(actor=tech, order=order), people)
    due = ReturnVisit.objects.filter(order=order, status="due")
    assert list(due.values_list("pk", flat=True)) == [first.pk]
    assert due.get().due_at == order.completed_at + dt.timedelta(hours=24)


def test_fup_1_a_closed_order_reopened_and_completed_gets_a_new_visit(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    visits.record_call(actor=people["agent"], visit=visit, outcome="unreachable", note="关机")
    for _ in range(2):
        visits.record_call(
            actor=people["agent"], visit=ReturnVisit.objects.get(pk=visit.pk), outcome="unreachable"
        )
    order = ServiceOrder.objects.get(pk=completed_order.pk)
    assert order.status == Status.CLOSED
    order = services.reopen_order(actor=people["agent"], order=order, reason="故障复发")
    tech = people["technician"]
    order = services.dispatch_order(actor=people["agent"], order=order, technician=tech)
    order = in_progress_again(order, tech)
    order = complete(order, people)
    assert ReturnVisit.objects.filter(order=order).count() == 2
    assert ReturnVisit.objects.filter(order=order, status="due").count() == 1


def in_progress_again(order, tech):
    order = services.record_contact(actor=tech, order=order)
    order = services.set_plan(actor=tech, order=order, mode="phone", diagnosis="参数")
    return services.start_work(actor=tech, order=order)


def test_fup_1_one_open_visit_per_order_in_the_database(completed_order):
    visit = ReturnVisit.objects.get(order=completed_order)
    with pytest.raises(IntegrityError):
        ReturnVisit.objects.create(
            order=completed_order, due_at=visit.due_at, next_call_at=visit.due_at
        )


# --- the close guard -----------------------------------------------------------------------


def test_fup_1_close_is_refused_while_the_visit_is_due(completed_order, people):
    with pytest.raises(ServiceError) as refused:
        services.close_order(actor=people["agent"], order=completed_order)
    assert "return visit" in str(refused.value)
    assert ServiceOrder.objects.get(pk=completed_order.pk).status == Status.COMPLETED


def test_fup_1_satisfied_visit_closes_the_order_in_the_same_step(completed_order, people, script):
    visit = ReturnVisit.objects.get(order=completed_order)
    done = visits.record_call(
        actor=people["agent"],
        visit=visit,
        outcome="satisfied",
        answers={script[0].pk: "准时到达", script[1].pk: ""},
        note="客户表示满意",
    )
    assert done.status == "satisfied" and done.done_by == people["agent"]
    assert done.late is False and done.attempts == 1
    # only the questions of a repair are kept, in order, with what the customer said
    assert [(a["question"], a["answer"]) for a in done.answers] == [
        (script[0].text, "准时到达"),
        (script[1].text, ""),
    ]
    order = ServiceOrder.objects.get(pk=completed_order.pk)
    assert order.status == Status.CLOSED and order.closed_at is not None
    assert AuditEntry.objects.for_object(order).filter(action="service.order.close").exists()
    assert VisitCall.objects.get(visit=visit).outcome == "satisfied"


def test_fup_1_a_caller_without_the_close_right_leaves_the_order_completed(completed_order, people):
    """The visit is done; the order waits for someone who may close it (the guard passes)."""
    from django.contrib.auth.models import Permission

    caller = people["supervisor"]
    caller.user_permissions.add(Permission.objects.get(codename="call_returnvisit"))
    caller = type(caller).objects.get(pk=caller.pk)
    assert not caller.has_perm("service.close_serviceorder")
    visit = ReturnVisit.objects.get(order=completed_order)
    call(caller, visit, "satisfied")
    order = ServiceOrder.objects.get(pk=completed_order.pk)
    assert order.status == Status.COMPLETED
    assert services.close_order(actor=people["agent"], order=order).status == Status.CLOSED


def test_fup_1_a_visit_done_after_its_due_time_is_late(completed_order, people, monkeypatch):
    visit = ReturnVisit.objects.get(order=completed_order)
    clock(monkeypatch, visit.due_at + dt.timedelta(minutes=1))
    done = call(people["agent"], visit, "satisfied")
    assert done.late is True


# --- unreachable: the retry schedule ---------------------------------------------------------


def test_fup_1_unreachable_retries_then_closes_after_the_last_call(
    completed_order, people, monkeypatch, settings
):
    settings.AFTERSALES_RETURN_VISIT_RETRY_HOURS = 4
    settings.AFTERSALES_RETURN_VISIT_MAX_CALLS = 3
    visit = ReturnVisit.objects.get(order=completed_order)
    start = visit.next_call_at + dt.timedelta(hours=1)
    agent = people["agent"]
    # 1st call, one hour after completion: nobody answers → call again 4 h later
    clock(monkeypatch, start)
    visit = visits.record_call(actor=agent, visit=visit, outcome="unreachable", note="无人接听")
    assert (visit.status, visit.attempts) == ("due", 1)
    assert visit.next_call_at == start + dt.timedelta(hours=4)
    # 2nd call at the retry time → again 4 h later
    clock(monkeypatch, visit.next_call_at)
    visit = visits.record_call(actor=agent, visit=visit, outcome="unreachable")
    assert (visit.status, visit.attempts) == ("due", 2)
    assert visit.next_call_at == start + dt.timedelta(hours=8)
    assert ServiceOrder.objects.get(pk=completed_order.pk).status == Status.COMPLETED
    # 3rd and last call → closed as unreachable, and the order closes
    clock(monkeypatch, start + dt.timedelta(hours=30))
    visit = visits.record_call(actor=agent, visit=visit, outcome="unreachable")
    assert (visit.status, visit.attempts) == ("unreachable", 3)
    assert visit.done_at == start + dt.timedelta(hours=30)
    # the first try came in time: closing per policy later is not late
    assert visit.late is False
    assert [c.outcome for c in visit.calls.all()] == ["unreachable"] * 3
    assert ServiceOrder.objects.get(pk=completed_order.pk).status == Status.CLOSED


def test_fup_1_an_unreachable_customer_answering_later_ends_the_visit(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    visits.record_call(actor=people["agent"], visit=visit, outcome="unreachable")
    done = call(people["agent"], visit, "satisfied")
    assert (done.status, done.attempts) == ("satisfied", 2)


# --- not satisfied: the follow-up case -------------------------------------------------------


def test_fup_5_not_satisfied_opens_a_case_with_owner_deadline_and_notice(
    completed_order, people, monkeypatch, settings, script
):
    settings.AFTERSALES_FOLLOWUP_CASE_DAYS = 3
    visit = ReturnVisit.objects.get(order=completed_order)
    # Friday 10:00 in Shanghai, an ordinary week: 3 working days → Wednesday 17:30
    friday = dt.datetime(2030, 3, 8, 10, 0, tzinfo=SHANGHAI)
    clock(monkeypatch, friday)
    visit = visits.record_call(
        actor=people["agent"],
        visit=visit,
        outcome="not_satisfied",
        answers={str(script[1].pk): "没有，热水还是不够热"},
        problem="维修后水温仍然偏低",
    )
    assert visit.status == "not_satisfied"
    case = FollowupCase.objects.get(visit=visit)
    assert case.order_id == completed_order.pk and case.status == "open"
    assert case.number.startswith("FUC")
    assert case.owner == people["branch_manager"]  # the handling unit's branch manager
    assert case.due_at == dt.datetime(2030, 3, 13, 17, 30, tzinfo=SHANGHAI)
    note = Notification.objects.get(topic="followup.case", recipient=people["branch_manager"])
    assert case.number in note.title
    assert AuditEntry.objects.for_object(case).filter(action="followup.case.opened").exists()
    # the customer answered: the visit is done and the order closes
    assert ServiceOrder.objects.get(pk=completed_order.pk).status == Status.CLOSED


def test_fup_5_the_caller_may_choose_another_owner(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    call(
        people["agent"],
        visit,
        "not_satisfied",
        problem="技术员态度差",
        case_owner=people["company_manager"],
    )
    assert FollowupCase.objects.get(visit=visit).owner == people["company_manager"]


def test_fup_5_not_satisfied_without_problem_or_with_a_wrong_owner_writes_nothing(
    completed_order, people
):
    visit = ReturnVisit.objects.get(order=completed_order)
    with pytest.raises(ServiceError) as refused:
        visits.record_call(actor=people["agent"], visit=visit, outcome="not_satisfied")
    assert "problem" in refused.value.message_dict
    with pytest.raises(ServiceError) as refused:
        visits.record_call(
            actor=people["agent"],
            visit=visit,
            outcome="not_satisfied",
            problem="水温低",
            case_owner=people["technician"],  # cannot see follow-up cases
        )
    assert "case_owner" in refused.value.message_dict
    assert not FollowupCase.objects.exists() and not VisitCall.objects.exists()
    assert ReturnVisit.objects.get(pk=visit.pk).status == "due"


def test_fup_1_bad_input_is_refused_and_nothing_written(completed_order, people, script):
    visit = ReturnVisit.objects.get(order=completed_order)
    audit = AuditEntry.objects.count()
    bad = [
        {"outcome": "happy"},
        {"outcome": "satisfied", "answers": {script[0].pk: "", script[1].pk: " "}},
        {"outcome": "satisfied", "answers": {script[2].pk: "不是安装单的问题"}},
        {"outcome": "satisfied", "answers": {"x": "是"}},
        {"outcome": "satisfied", "answers": ["是"]},
        {"outcome": "satisfied", "answers": {script[0].pk: "是" * 501}},
        {"outcome": "unreachable", "note": "长" * 501},
    ]
    for arguments in bad:
        with pytest.raises(ServiceError):
            visits.record_call(actor=people["agent"], visit=visit, **arguments)
    assert not VisitCall.objects.exists() and AuditEntry.objects.count() == audit
    assert ReturnVisit.objects.get(pk=visit.pk).attempts == 0


def test_fup_1_a_second_call_on_a_finished_visit_is_refused(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    call(people["agent"], visit, "satisfied")
    with pytest.raises(ServiceError, match="already finished"):
        call(people["agent"], visit, "not_satisfied", problem="x")
    assert VisitCall.objects.filter(visit=visit).count() == 1
    assert not FollowupCase.objects.exists()


def test_fup_1_rights_and_reach_are_checked(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    # the technician has no right to make return visits; the branch manager only looks
    for persona in ("technician", "branch_manager"):
        with pytest.raises(PermissionDenied):
            call(people[persona], visit, "satisfied")
    # a caller outside the order's reach (Nanjing)
    from django.contrib.auth.models import Permission

    outsider = people["outsider"]
    outsider.user_permissions.add(Permission.objects.get(codename="call_returnvisit"))
    outsider = type(outsider).objects.get(pk=outsider.pk)
    with pytest.raises(PermissionDenied):
        call(outsider, visit, "satisfied")
    assert not VisitCall.objects.exists()


# --- resolving the case ----------------------------------------------------------------------


@pytest.fixture
def open_case(completed_order, people):
    visit = ReturnVisit.objects.get(order=completed_order)
    call(people["agent"], visit, "not_satisfied", problem="水温偏低")
    return FollowupCase.objects.get(visit=visit)


def test_fup_5_the_owner_resolves_the_case(open_case, people):
    case = visits.resolve_case(
        actor=people["branch_manager"], case=open_case, resolution="已上门调整温控参数，客户认可"
    )
    assert case.status == "resolved" and case.resolved_by == people["branch_manager"]
    assert case.resolved_at is not None
    assert AuditEntry.objects.for_object(case).filter(action="followup.case.resolved").exists()
    with pytest.raises(ServiceError, match="already resolved"):
        visits.resolve_case(actor=people["branch_manager"], case=case, resolution="再次")


def test_fup_5_sec_5_only_the_owner_or_the_right_resolves(open_case, people):
    for persona in ("agent", "technician", "company_manager", "outsider"):
        with pytest.raises(PermissionDenied):
            visits.resolve_case(actor=people[persona], case=open_case, resolution="处理完毕")
    with pytest.raises(ServiceError):
        visits.resolve_case(actor=people["branch_manager"], case=open_case, resolution="  ")
    assert FollowupCase.objects.get(pk=open_case.pk).status == "open"


def test_fup_5_reassign_tells_the_new_owner(open_case, people):
    case = visits.reassign_case(
        actor=people["branch_manager"],
        case=open_case,
        owner=people["company_manager"],
        reason="客户要求总经理回复",
    )
    assert case.owner == people["company_manager"]
    assert Notification.objects.filter(
        topic="followup.case", recipient=people["company_manager"]
    ).exists()
    with pytest.raises(PermissionDenied):
        visits.reassign_case(actor=people["agent"], case=case, owner=people["branch_manager"])
