"""Demo: return visits in every state (FUP-1) and follow-up cases (FUP-5), all through the
services — a visit to call now, one overdue, one with a retry scheduled after an unanswered
call, one satisfied, one not satisfied with its case open, one whose case is resolved, one
closed as unreachable — plus a sampling rule. The survey demo follows (FUP-2)."""

import datetime as dt
from importlib import import_module

from django.utils import timezone

from aftersales.followup import visits
from aftersales.followup.models import ReturnVisit, VisitSampling, VisitStatus
from aftersales.service import services
from aftersales.service.demo import _walk

# (order type, fault, what happens on the return visit)
CASES = [
    ("repair", "热水器出水忽冷忽热", "due"),
    ("maintenance", "年度保养，检查机组运行", "overdue"),
    ("repair", "室外机结霜严重，制热效果差", "retry"),
    ("installation", "新机安装调试", "satisfied"),
    ("repair", "水泵异响", "not_satisfied"),
    ("repair", "控制面板按键失灵", "resolved"),
    ("repair", "管道接头渗水", "unreachable"),
]
DONE_PATH = ["dispatch", "contact", "plan_phone", "start", "complete"]


def _answers(order, text: str) -> dict:
    return {q.pk: text for q in visits.script_for(order)}


def load(ctx: dict) -> None:
    people = ctx["people"]
    agent, tech, manager = people["kefu"], people["hz_jishi"], people["hz_zhuguan"]
    hangzhou = ctx["units"]["BR-HZ"]
    now = timezone.now()
    # FUP-1 sampling: a fifth of consultations are called back; other types every time.
    VisitSampling.objects.get_or_create(
        order_type="consultation", defaults={"percent": 20, "created_by": ctx.get("admin")}
    )
    served = [
        unit
        for unit in ctx["product_units"]
        if unit.owner.is_active and unit.owner.owner_unit.code not in ("BR-NJ", "SC-NB")
    ] or list(ctx["product_units"])
    orders = {}
    for i, (order_type, text, state) in enumerate(CASES):
        unit = served[(i * 3 + 1) % len(served)]
        order = services.receive_order(
            actor=agent,
            org_unit=hangzhou,
            customer=unit.owner,
            unit=unit,
            order_type=order_type,
            channel="phone",
            description=text,
            received_at=now - dt.timedelta(hours=30 + 6 * i),
            confirm_duplicate=True,
        )
        _walk(order, DONE_PATH, agent=agent, tech=tech, now=now)
        order.refresh_from_db()
        orders[state] = order

    def visit_of(state: str) -> ReturnVisit:
        return ReturnVisit.objects.get(order=orders[state], status=VisitStatus.DUE)

    # Overdue: completed yesterday, nobody has called yet (the time is set back, as if the
    # order had been completed 27 hours ago).
    overdue = visit_of("overdue")
    completed = now - dt.timedelta(hours=27)
    ReturnVisit.objects.filter(pk=overdue.pk).update(
        due_at=completed + dt.timedelta(hours=visits.visit_hours()), next_call_at=completed
    )
    orders["overdue"].__class__.objects.filter(pk=orders["overdue"].pk).update(
        completed_at=completed
    )
    # A retry scheduled after one unanswered call.
    visits.record_call(actor=agent, visit=visit_of("retry"), outcome="unreachable", note="无人接听")
    # Satisfied: the order closes with the visit.
    visits.record_call(
        actor=agent,
        visit=visit_of("satisfied"),
        outcome="satisfied",
        answers=_answers(orders["satisfied"], "满意"),
        note="客户对安装效果很满意",
    )
    # Not satisfied, the case open with the Hangzhou branch manager.
    visits.record_call(
        actor=agent,
        visit=visit_of("not_satisfied"),
        outcome="not_satisfied",
        answers=_answers(orders["not_satisfied"], "不太满意，水泵还有轻微响声"),
        problem="维修后水泵仍有轻微异响，客户要求再次上门检查。",
    )
    # Not satisfied, the case already resolved by its owner.
    resolved = visits.record_call(
        actor=agent,
        visit=visit_of("resolved"),
        outcome="not_satisfied",
        answers=_answers(orders["resolved"], "技术员迟到一小时"),
        problem="技术员比约定时间晚到一小时，未提前告知。",
    )
    visits.resolve_case(
        actor=manager,
        case=resolved.cases.get(),
        resolution="已向客户致歉并说明原因；已对技术员进行守时提醒，客户表示谅解。",
    )
    # Unreachable: every allowed call unanswered, the visit closed per policy.
    unreachable = visit_of("unreachable")
    for _ in range(visits.max_calls()):
        unreachable = visits.record_call(
            actor=agent, visit=unreachable, outcome="unreachable", note="电话关机"
        )
    ctx["visit_orders"] = orders

    # FUP-2: the satisfaction surveys (written by the surveys part of this app).
    try:
        survey_demo = import_module("aftersales.followup.survey_demo")
    except ModuleNotFoundError as exc:
        if exc.name != "aftersales.followup.survey_demo":
            raise
    else:
        survey_demo.load(ctx)
