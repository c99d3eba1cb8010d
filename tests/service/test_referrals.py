"""REQ-6: a question that cannot be answered at once goes to the person responsible and the
customer has the reply within 30 minutes; SVC-7: technical questions go to the technical
dept, and a reply about to be late warns that person."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification, Topic
from aftersales.notifications.sms import MemoryBackend
from aftersales.service import services, sla
from aftersales.service.models import ClockState, OrderClock, Referral

pytestmark = pytest.mark.django_db


def refer(order, people, to="engineer", actor="agent", question="E3 故障码是什么意思？"):
    return services.refer_question(
        actor=people[actor],
        order=order,
        question=question,
        referred_to=people[to],
        kind="technical",
    )


def test_req_6_a_referred_question_runs_a_30_minute_clock_owned_by_the_person_told(
    new_order, people
):
    """REQ-6: the clock starts at the referral, is due 30 min later, and belongs to the
    technical engineer, who is notified at once; the order's queue due time follows."""
    order = new_order()
    referral = refer(order, people)
    clock = referral.clock
    assert clock.rule_id == "REQ-6"
    assert clock.owner == people["engineer"]
    assert clock.due_at - clock.started_at == dt.timedelta(minutes=30)
    assert clock.state == ClockState.RUNNING
    order.refresh_from_db()
    assert order.next_due_at == clock.due_at  # the soonest running clock of the order
    note = Notification.objects.get(topic=Topic.QUESTION_REFERRED)
    assert note.recipient == people["engineer"]
    assert order.number in note.title
    entry = AuditEntry.objects.get(action="service.order.question_referred")
    assert entry.note == "E3 故障码是什么意思？"
    assert entry.changes["referred_to"][1] == people["engineer"].username


def test_req_6_the_reply_in_time_meets_the_clock_and_tells_the_agent(new_order, people):
    order = new_order()
    referral = refer(order, people)
    answered = services.answer_question(
        actor=people["engineer"],
        referral=referral,
        answer="E3 是水温传感器故障，需上门更换传感器。",
        reply_channel="phone",
    )
    assert answered.answered_at is not None
    assert answered.answered_by == people["engineer"]
    clock = OrderClock.objects.get(pk=referral.clock_id)
    assert clock.state == ClockState.STOPPED
    assert clock.met is True
    told = Notification.objects.get(topic=Topic.QUESTION_ANSWERED)
    assert told.recipient == people["agent"]
    assert AuditEntry.objects.filter(action="service.order.question_answered").count() == 1


def test_req_6_a_reply_after_30_minutes_is_recorded_as_late(new_order, people):
    order = new_order()
    referral = refer(order, people)
    # Thirty-one minutes have passed: the clock was due a minute ago.
    OrderClock.objects.filter(pk=referral.clock_id).update(
        due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    referral.refresh_from_db()
    services.answer_question(
        actor=people["engineer"], referral=referral, answer="已电话答复", reply_channel="phone"
    )
    clock = OrderClock.objects.get(pk=referral.clock_id)
    assert clock.state == ClockState.STOPPED and clock.breached is True
    order.refresh_from_db()
    assert order.sla_breached is True


def test_req_6_a_dispatcher_may_relay_the_reply_but_others_may_not(new_order, people):
    from django.core.exceptions import PermissionDenied

    order = new_order()
    referral = refer(order, people)
    with pytest.raises(PermissionDenied):
        services.answer_question(
            actor=people["salesperson"], referral=referral, answer="x", reply_channel="phone"
        )
    services.answer_question(
        actor=people["agent"],
        referral=referral,
        answer="技术部答复：更换传感器",
        reply_channel="phone",
    )
    assert Referral.objects.get(pk=referral.pk).answered_by == people["agent"]


def test_req_6_a_reply_by_text_message_is_sent_to_the_customer(new_order, people, settings):
    settings.AFTERSALES_SMS_BACKEND = "aftersales.notifications.sms.MemoryBackend"
    MemoryBackend.outbox = []
    order = new_order(contact_phone="13800000011")
    referral = refer(order, people)
    with pytest.raises(ServiceError) as too_long:
        services.answer_question(
            actor=people["engineer"], referral=referral, answer="长" * 301, reply_channel="sms"
        )
    assert "answer" in too_long.value.message_dict
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.answer_question(
            actor=people["engineer"],
            referral=referral,
            answer="请重启设备后再试",
            reply_channel="sms",
        )
    assert MemoryBackend.outbox == [("13800000011", "请重启设备后再试")]


def test_req_6_bad_referrals_are_refused_with_field_errors_and_nothing_written(new_order, people):
    order = new_order()
    cases = [
        ({"question": "  ", "referred_to": people["engineer"]}, "question"),
        ({"question": "?", "referred_to": None}, "referred_to"),
        ({"question": "?", "referred_to": people["agent"]}, "referred_to"),  # oneself
        # ORG-3: the manager of another branch cannot see a Hangzhou order.
        ({"question": "?", "referred_to": people["outsider"]}, "referred_to"),
        ({"question": "?", "referred_to": people["engineer"], "kind": "gossip"}, "kind"),
    ]
    for fields, field in cases:
        with pytest.raises(ServiceError) as refused:
            services.refer_question(actor=people["agent"], order=order, **fields)
        assert field in refused.value.message_dict, fields
    assert not Referral.objects.exists()
    assert not OrderClock.objects.filter(rule_id="REQ-6").exists()
    assert not AuditEntry.objects.filter(action="service.order.question_referred").exists()


def test_req_6_one_open_question_at_a_time_and_the_next_gets_its_own_clock(new_order, people):
    order = new_order()
    first = refer(order, people)
    with pytest.raises(ServiceError):
        refer(order, people, question="另一个问题")
    services.answer_question(
        actor=people["engineer"], referral=first, answer="已答复", reply_channel="phone"
    )
    second = refer(order, people, question="另一个问题")
    assert second.clock_id != first.clock_id
    assert OrderClock.objects.filter(order=order, rule_id="REQ-6").count() == 2
    with pytest.raises(ServiceError):
        services.answer_question(
            actor=people["engineer"], referral=first, answer="again", reply_channel="phone"
        )


def test_req_6_a_role_without_the_right_cannot_refer(new_order, people, client_for, api_for):
    """Finance may view orders but not refer questions: the service, the page and the API
    refuse (403)."""
    from django.core.exceptions import PermissionDenied

    order = new_order()
    with pytest.raises(PermissionDenied):
        refer(order, people, actor="finance")
    response = client_for(people["finance"]).post(
        reverse("service:order_refer", args=[order.pk]),
        {"kind": "technical", "question": "?", "referred_to": people["engineer"].pk},
    )
    assert response.status_code == 403
    response = api_for(people["finance"]).post(
        "/api/referrals/",
        {"order": order.pk, "question": "?", "referred_to": people["engineer"].pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_svc_7_technical_dept_engineers_come_first_among_the_candidates(new_order, people):
    """SVC-7: technical questions go to the technical dept; only people who can see the
    order are offered."""
    order = new_order()
    candidates = list(services.referral_candidates(order, actor=people["agent"]))
    assert candidates[0] == people["engineer"]
    assert people["outsider"] not in candidates
    assert people["agent"] not in candidates
    assert people["branch_manager"] in candidates  # the order's own branch


def test_svc_7_a_reply_about_to_be_late_warns_the_person_it_was_referred_to(new_order, people):
    order = new_order()
    referral = refer(order, people)
    OrderClock.objects.filter(order=order).exclude(pk=referral.clock_id).delete()
    clock = referral.clock
    result = sla.sweep(now=clock.started_at + dt.timedelta(minutes=25))
    assert result["warned"] == 1
    warned = Notification.objects.filter(topic=Topic.SLA_WARNING)
    assert people["engineer"].pk in set(warned.values_list("recipient", flat=True))
    result = sla.sweep(now=clock.started_at + dt.timedelta(minutes=31))
    assert result["breached"] == 1
    escalated = Notification.objects.filter(topic=Topic.SLA_ESCALATED)
    assert people["engineer"].pk in set(escalated.values_list("recipient", flat=True))


# --- pages ---------------------------------------------------------------------------------


def test_req_6_refer_and_answer_on_the_order_page(new_order, people, client_for):
    order = new_order()
    agent = client_for(people["agent"])
    page = agent.get(order.get_absolute_url())
    assert page.status_code == 200
    # the form is loaded when the card's details open (issue 7): a link without script
    assert b'data-testid="refer-details"' in page.content
    assert b'data-testid="refer-form"' not in page.content
    refer_url = reverse("service:order_refer", args=[order.pk])
    assert f'href="{refer_url}"'.encode() in page.content
    fragment = agent.get(refer_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b'data-testid="refer-form"' in fragment.content and b"<html" not in fragment.content
    alone = agent.get(refer_url)
    assert b'data-testid="refer-form"' in alone.content and b"<html" in alone.content
    bad = agent.post(
        reverse("service:order_refer", args=[order.pk]),
        {"kind": "technical", "question": "", "referred_to": people["engineer"].pk},
    )
    assert bad.status_code == 400
    assert b"invalid-feedback" in bad.content
    done = agent.post(
        reverse("service:order_refer", args=[order.pk]),
        {"kind": "technical", "question": "能否远程升级？", "referred_to": people["engineer"].pk},
    )
    assert done.status_code == 302
    referral = Referral.objects.get()
    engineer = client_for(people["engineer"])
    listing = engineer.get(reverse("service:referral_list"))
    assert "能否远程升级？" in listing.content.decode()
    page = engineer.get(order.get_absolute_url())
    assert b'data-testid="answer-form"' in page.content
    url = reverse("service:referral_answer", args=[order.pk, referral.pk])
    bad = engineer.post(url, {"answer": "", "reply_channel": "phone"})
    assert bad.status_code == 400
    done = engineer.post(url, {"answer": "可以，已安排远程升级。", "reply_channel": "phone"})
    assert done.status_code == 302
    assert Referral.objects.get().answered_at is not None
    assert "可以，已安排远程升级。" in engineer.get(order.get_absolute_url()).content.decode()
    # Nobody but the person told or dispatch answers.
    assert client_for(people["salesperson"]).post(url, {"answer": "x"}).status_code == 403


def test_req_6_the_question_list_runs_constant_queries(
    new_order, people, client_for, django_assert_max_num_queries
):
    client = client_for(people["engineer"])
    client.get(reverse("service:referral_list"))  # warm the session and reach caches
    for i in range(3):
        order = new_order(description=f"问题 {i}")
        refer(order, people, question=f"问题 {i}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("service:referral_list"))
    for i in range(3, 9):
        refer(new_order(description=f"问题 {i}"), people, question=f"问题 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("service:referral_list"))
    assert response.content.decode().count('data-testid="question"') == 9


# --- API -----------------------------------------------------------------------------------


def test_req_6_refer_list_and_answer_through_the_api(new_order, people, api_for):
    order = new_order()
    agent = api_for(people["agent"])
    bad = agent.post(
        "/api/referrals/",
        {"order": order.pk, "question": "?", "referred_to": people["outsider"].pk},
        format="json",
    )
    assert bad.status_code == 400
    assert "referred_to" in bad.json()
    made = agent.post(
        "/api/referrals/",
        {
            "order": order.pk,
            "kind": "technical",
            "question": "E3?",
            "referred_to": people["engineer"].pk,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["reply_due_at"]
    engineer = api_for(people["engineer"])
    mine = engineer.get("/api/referrals/?open=true&mine=true").json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [r["id"] for r in rows] == [made.json()["id"]]
    bad = engineer.post(f"/api/referrals/{made.json()['id']}/answer/", {}, format="json")
    assert bad.status_code == 400
    assert {"answer", "reply_channel"} <= set(bad.json())
    done = engineer.post(
        f"/api/referrals/{made.json()['id']}/answer/",
        {"answer": "传感器故障", "reply_channel": "phone"},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["reply_late"] is False


# --- REQ-7: quality-problem repairs ----------------------------------------------------------


def test_req_7_a_quality_problem_repair_must_be_on_site_the_next_day(new_order, people):
    """REQ-7: the quality-repair policy applies only to repairs marked as a quality problem;
    its on-site clock ends at closing time of the next calendar day."""
    from aftersales.core import calendar as cal

    order = new_order(quality_problem=True)
    assert order.sla_policy.name == "质量问题维修时限"
    clock = OrderClock.objects.get(order=order, rule_id="REQ-7")
    received = timezone.localtime(order.received_at)
    due = timezone.localtime(clock.due_at)
    assert due.date() == received.date() + dt.timedelta(days=1)
    day_cal = cal.get_calendar(order.org_unit, years=[due.year])
    assert due.time() == day_cal.closing_time(due.date())
    plain = new_order()
    assert plain.sla_policy.name == "标准时限"
    assert not OrderClock.objects.filter(order=plain, rule_id="REQ-7").exists()


def test_req_7_only_a_repair_can_be_a_quality_problem(new_order):
    with pytest.raises(ServiceError) as refused:
        new_order(order_type="installation", quality_problem=True)
    assert "quality_problem" in refused.value.message_dict


def test_req_7_the_intake_page_and_api_take_the_quality_flag(
    people, hz_customer, hz_unit, client_for, api_for
):
    from aftersales.service.models import ServiceOrder

    response = api_for(people["agent"]).post(
        "/api/orders/",
        {
            "customer": hz_customer.pk,
            "unit": hz_unit.pk,
            "order_type": "repair",
            "channel": "phone",
            "description": "压缩机不启动",
            "quality_problem": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["quality_problem"] is True
    order = ServiceOrder.objects.get(pk=response.json()["id"])
    assert order.sla_policy.quality_problem is True
    page = client_for(people["agent"]).get(order.get_absolute_url())
    assert b'data-testid="quality-problem"' in page.content
