"""Demo: the complaint register in every state, from several channels, all through the
services — a phone complaint just registered, a letter received days ago that nobody
reported (the CMP-2 sweep records the violations of the technician and his regional head),
a severe media complaint reported at once, answered in writing and closed (FUP-4), a
survey comment and a return visit registered as complaints (CMP-3), a dispute with the
complaint specialist (CMP-5) and one resolved on the spot (CMP-1)."""

import datetime as dt

from django.utils import timezone

from aftersales.complaints import services
from aftersales.complaints.models import ComplaintClass


def _default_classes() -> None:
    """The demo reload empties the tables the migration filled: put the default classes
    (CMP-4, migration 0002) back."""
    from importlib import import_module

    from django.apps import apps

    import_module("aftersales.complaints.migrations.0002_default_classes").create(apps, None)


def load(ctx: dict) -> None:
    people = ctx["people"]
    agent, manager, supervisor = people["kefu"], people["hz_zhuguan"], people["jiancha"]
    tech, specialist = people["hz_jishi"], people["tousu"]
    _default_classes()
    classes = {c.name: c for c in ComplaintClass.objects.all()}
    now = timezone.now()
    from aftersales.service.models import ServiceOrder

    orders = list(
        ServiceOrder.objects.filter(
            pk__in=[o.pk for o in ctx.get("orders", [])],
            technician__isnull=False,
            org_unit__code="BR-HZ",
        )
        .select_related("customer", "technician", "org_unit")
        .order_by("pk")
    )
    if len(orders) < 4:
        return
    first, second, third, fourth = orders[:4]

    def register(order, **fields):
        contact = order.contact_name or order.customer.name
        base = {
            "actor": agent,
            "order": order,
            "complainant_name": contact,
            "complainant_phone": order.contact_phone or order.customer.phone,
        }
        return services.register_complaint(**{**base, **fields})

    # A phone complaint just registered (CMP-3), owned by the agent.
    register(
        first,
        channel="phone",
        complaint_class=classes["服务时效"],
        subject="约好上午上门，下午还没人来",
        content="客户来电：约定上午 9 点上门，到下午 2 点仍无人联系。",
        received_at=now - dt.timedelta(hours=1),
    )

    # A letter received three days ago, nobody reported it: the CMP-2 sweep records it.
    services.register_complaint(
        actor=tech,
        order=second,
        channel="letter",
        complaint_class=classes["服务态度"],
        subject="来信反映维修人员态度生硬",
        content="客户来信：维修人员说话生硬，不解释收费原因。",
        complainant_name=second.customer.name,
        received_at=now - dt.timedelta(days=3),
    )
    services.record_late_complaints(now)

    # A severe media complaint: the company manager is told at once (FUP-4), it is
    # investigated, resolved, answered in writing (顾客来函处理回复单) and closed.
    severe = register(
        third,
        channel="media",
        complaint_class=classes["媒体曝光 / 投诉信函"],
        subject="晚报报道：热水器维修后漏水淹了楼下",
        content="本地晚报报道客户家热水器维修后接头漏水，楼下住户天花板受损。",
        received_at=now - dt.timedelta(days=2),
    )
    services.investigate_complaint(
        actor=agent,
        complaint=severe,
        cause="维修后进水接头未拧紧，密封圈老化未更换。",
        proposal="免费更换接头与密封圈，赔偿楼下住户装修损失，向客户书面致歉。",
    )
    services.resolve_complaint(
        actor=agent,
        complaint=severe,
        resolution="已免费维修并赔偿楼下住户 1,200 元，客户表示满意。",
        customer_satisfied=True,
    )
    services.add_reply(
        actor=agent,
        complaint=severe,
        text="尊敬的客户：经调查，漏水系维修时接头未拧紧所致。我司已免费更换配件并赔偿损失，"
        "对维修人员进行了培训与处罚。感谢您的监督。",
        sent_via="letter",
    )
    services.close_complaint(actor=supervisor, complaint=severe, note="媒体已回访，结案")

    # A survey comment registered as a complaint and being investigated (CMP-3).
    from aftersales.followup.models import ReturnVisit, Survey

    survey = (
        Survey.objects.filter(answered_at__isnull=False, satisfied=False, order__isnull=False)
        .exclude(suggestions="")
        .select_related("order__customer", "customer")
        .first()
    )
    if survey is not None and services.visible_complaints(agent).filter(survey=survey).count() == 0:
        data = services.prefill_from_survey(agent, survey)
        complaint = services.register_complaint(
            actor=agent,
            channel=data["channel"],
            complaint_class=classes["服务态度"],
            subject=data["subject"],
            content=data["content"],
            complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"],
            survey=survey,
            responsible=data["responsible"],
        )
        services.investigate_complaint(
            actor=agent,
            complaint=complaint,
            cause="技术员当天任务过多，未提前通知客户改约。",
            proposal="向客户致歉，调整排班，次日回访。",
        )

    # A return visit's complaint, resolved (the customer is satisfied now).
    visit = (
        ReturnVisit.objects.filter(status="not_satisfied").select_related("order__customer").first()
    )
    if visit is not None:
        data = services.prefill_from_visit(agent, visit)
        complaint = services.register_complaint(
            actor=agent,
            channel=data["channel"],
            complaint_class=classes["维修质量"],
            subject=data["subject"],
            content=data["content"] or "回访时客户表示不满意。",
            complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"],
            return_visit=visit,
        )
        services.report_complaint(
            actor=agent, complaint=complaint, report_note="回访不满意，已报公司售后服务部。"
        )
        services.resolve_complaint(
            actor=agent,
            complaint=complaint,
            resolution="技术员二次上门处理，客户确认正常使用。",
            customer_satisfied=True,
        )

    # A dispute about charges with the complaint specialist team (CMP-5).
    dispute = register(
        fourth,
        channel="phone",
        complaint_class=classes["收费争议"],
        subject="客户认为保修期内不应收费",
        content="客户称机器仍在保修期，拒绝支付配件费，要求全额退款。",
        received_at=now - dt.timedelta(hours=20),
        owner=manager,
    )
    services.report_complaint(
        actor=manager, complaint=dispute, report_note="收费争议，客户情绪激动，已上报。"
    )
    services.refer_complaint(
        actor=manager,
        complaint=dispute,
        specialist=specialist,
        note="保修范围认定有分歧，请投诉专员协调。",
    )

    # Resolved on the spot (CMP-1): a walk-in visitor.
    register(
        first,
        channel="visit",
        kind="suggestion",
        complaint_class=classes["意见与建议"],
        subject="希望提供周末上门服务",
        content="客户到店建议周末也能预约上门。",
        resolved_on_spot=True,
        resolution="告知客户周六可预约，已登记客户需求。",
    )
