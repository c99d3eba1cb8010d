"""Demo satisfaction surveys (FUP-2, FUP-3, FUP-6), all through the services: three months
of answered surveys for the Hangzhou technician and the service centre's (good and poor
grades, so the satisfaction page has a trend around the 90 % target), this month's answers
on the web and on paper cards, a link sent and waiting, one expired, one not sent yet, and
new-customer surveys (one answered, one waiting).

The history is made as it would have happened: orders received, worked and completed
through the services, the return visit made, the survey sent at its time and answered on
the web a day later — only the survey's send time is set back to the past month (the
orders themselves are today's). Called by ``followup.demo`` after the return visits.
ctx["survey_tokens"] keeps the links of the open surveys (e.g. for ``serve`` to print).
"""

import datetime as dt

from django.utils import timezone

from aftersales.followup import surveys, visits
from aftersales.followup.models import ReturnVisit, Survey, VisitStatus
from aftersales.service import services

DONE_PATH = ["dispatch", "contact", "plan_phone", "start", "complete"]

# Months back → for each technician, the grades (attitude, skill, punctuality, promises)
# and a comment of each answer.
HISTORY = {
    3: {
        "hz_jishi": [((5, 5, 5, 5), "师傅讲解很耐心"), ((5, 4, 5, 4), "")],
        "tyfw": [((4, 4, 5, 4), "")],
    },
    2: {
        "hz_jishi": [((5, 5, 4, 5), ""), ((3, 4, 2, 3), "约好上午来，下午才到")],
        "tyfw": [((4, 3, 3, 3), "第一次没修好，又来了一次")],
    },
    1: {
        "hz_jishi": [((4, 4, 5, 4), ""), ((5, 5, 5, 5), "")],
        "tyfw": [((4, 5, 4, 4), "希望能提供上门保养套餐")],
    },
}
FAULTS = ["热水器不制热", "机组噪音偏大", "显示屏报 E1 故障", "出水温度不稳定", "遥控器无反应"]


def _grades(values) -> dict:
    return dict(zip(["attitude", "skill", "punctuality", "promises"], values, strict=True))


def _month_day(months_back: int, day: int, now: dt.datetime) -> dt.datetime:
    first = surveys.add_months(timezone.localdate(now).replace(day=1), -months_back)
    return surveys._local_at(first.replace(day=day), surveys.send_time())


def _send_at(survey: Survey, when: dt.datetime) -> str:
    """Set the survey's send time to ``when`` (history) and send it then; the token."""
    Survey.objects.filter(pk=survey.pk).update(
        send_at=when, expires_at=when + dt.timedelta(days=surveys.valid_days())
    )
    return surveys.send_one(survey.pk, when) or ""


def _completed_order(*, agent, tech, unit, org_unit, text, received_at):
    from aftersales.service.demo import _walk

    order = services.receive_order(
        actor=agent,
        org_unit=org_unit,
        customer=unit.owner,
        unit=unit,
        order_type="repair",
        channel="phone",
        description=text,
        received_at=received_at,
        confirm_duplicate=True,
    )
    _walk(order, DONE_PATH, agent=agent, tech=tech, now=received_at)
    order.refresh_from_db()
    # FUP-1: the return visit was made (satisfied), so the order is closed.
    visit = ReturnVisit.objects.filter(order=order, status=VisitStatus.DUE).first()
    if visit is not None:
        visits.record_call(
            actor=agent,
            visit=visit,
            outcome="satisfied",
            answers={q.pk: "满意" for q in visits.script_for(order)},
        )
    return order


def _history(ctx, *, agent, now) -> None:
    """FUP-3: three past months of web answers for two technicians."""
    people = ctx["people"]
    units = {"hz_jishi": ctx["units"]["BR-HZ"], "tyfw": ctx["units"]["SC-NB"]}
    product_units = [u for u in ctx["product_units"] if u.owner.is_active]
    n = 0
    for months_back, by_tech in sorted(HISTORY.items(), reverse=True):
        for username, answers in by_tech.items():
            for grades, comment in answers:
                n += 1
                order = _completed_order(
                    agent=agent,
                    tech=people[username],
                    unit=product_units[(n * 5) % len(product_units)],
                    org_unit=units[username],
                    text=FAULTS[n % len(FAULTS)],
                    received_at=now - dt.timedelta(hours=2 + n),
                )
                survey = Survey.objects.get(order=order)
                sent = _month_day(months_back, 2 + (n * 3) % 24, now)
                token = _send_at(survey, sent)
                surveys.answer_survey(
                    token=token,
                    **_grades(grades),
                    suggestions=comment,
                    now=sent + dt.timedelta(hours=3 + n % 20),
                )


def _this_month(ctx, *, agent, now) -> dict:
    """This month: web and paper answers, a link waiting, one expired, one not sent."""
    orders = ctx.get("visit_orders") or {}
    tokens: dict[str, str] = {}

    def survey_of(state):
        order = orders.get(state)
        return Survey.objects.filter(order=order).first() if order else None

    today_ten = surveys._local_at(timezone.localdate(now), surveys.send_time())
    sent_early = min(today_ten, now - dt.timedelta(hours=1))
    # Web, good: the installation the customer was happy with.
    good = survey_of("satisfied")
    if good is not None:
        token = _send_at(good, sent_early)
        surveys.answer_survey(
            token=token, **_grades((5, 5, 5, 5)), suggestions="安装很规范，师傅很细心", now=now
        )
    # Web, fair: the technician came late (the same complaint as on the return visit).
    late = survey_of("resolved")
    if late is not None:
        token = _send_at(late, sent_early)
        surveys.answer_survey(
            token=token,
            **_grades((4, 4, 2, 3)),
            suggestions="技术员迟到一小时，也没有提前打电话。",
            now=now,
        )
    # Paper, poor: the card the customer filled in at the visit (a complaint can follow).
    poor = survey_of("not_satisfied")
    if poor is not None:
        surveys.key_in_survey(
            actor=agent,
            survey=poor,
            **_grades((3, 2, 3, 2)),
            suggestions="修完后水泵还是有响声，希望尽快再派人来看。",
            other_needs="想了解延保服务",
        )
    # Paper, good: a card from the service demo's completed order.
    for order in ctx.get("orders", []):
        card = Survey.objects.filter(order=order, answered_at__isnull=True).first()
        if card is not None:
            surveys.key_in_survey(actor=agent, survey=card, **_grades((5, 4, 5, 5)))
            break
    # Sent this morning, waiting for the answer.
    waiting = survey_of("due")
    if waiting is not None:
        tokens["waiting"] = _send_at(waiting, sent_early)
    # Sent 40 days ago and never answered: expired.
    expired = survey_of("unreachable")
    if expired is not None:
        _send_at(expired, now - dt.timedelta(days=40))
    # "overdue" and "retry" keep their survey for tomorrow at the send time: not sent yet.
    return tokens


def _new_customers(ctx, *, agent, now, tokens) -> None:
    """FUP-6: two new customers got the satisfaction survey; one has answered."""
    customers = [
        c
        for c in ctx["customers"]
        if c.is_active
        and c.phone
        and not Survey.objects.filter(customer=c, kind="new_customer").exists()
    ]
    if len(customers) < 2:
        return
    answered = surveys.send_new_customer_survey(actor=agent, customer=customers[-1])
    surveys.answer_survey(
        token=answered.token,
        **_grades((5, 4, 4, 5)),
        other_needs="希望定期上门做保养",
    )
    waiting = surveys.send_new_customer_survey(actor=agent, customer=customers[-2])
    tokens["new_customer"] = waiting.token


def load(ctx: dict) -> None:
    agent = ctx["people"]["kefu"]
    now = timezone.now()
    _history(ctx, agent=agent, now=now)
    tokens = _this_month(ctx, agent=agent, now=now)
    _new_customers(ctx, agent=agent, now=now, tokens=tokens)
    ctx["survey_tokens"] = tokens
