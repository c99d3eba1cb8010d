"""Demo service orders: every state of the workflow, Hangzhou and Nanjing, phone and web."""

import datetime as dt

from django.utils import timezone

from aftersales.service import services
from aftersales.service.models import FaultType

FAULTS = [
    ("repair", "phone", "热水器不制热，显示 E3 故障码"),
    ("repair", "web", "净水器出水量很小，滤芯刚换过"),
    ("installation", "salesperson", "新购热泵机组需要上门安装调试"),
    ("maintenance", "phone", "年度保养，请安排上门"),
    ("consultation", "phone", "咨询壁挂炉冬季防冻怎么设置"),
    ("repair", "letter", "来信反映燃气壁挂炉点火困难"),
    ("repair", "phone", "机组运行噪音大，晚上影响休息"),
    ("repair", "qr", "扫码报修：显示屏不亮"),
    ("complaint", "phone", "上次维修后故障复发，要求尽快处理"),
    ("repair", "visit", "来访：水箱漏水"),
    ("repair", "phone", "遥控器失灵，无法开机"),
    ("repair", "email", "邮件报修：压缩机不启动"),
]

# EXC-5: the fault types (default rows of migration 0013) of the repair orders, so the 三包
# card of the intake and order pages judges a real case.
FAULT_CODES = {
    "热水器不制热，显示 E3 故障码": "F05",
    "净水器出水量很小，滤芯刚换过": "F05",
    "来信反映燃气壁挂炉点火困难": "F01",
    "机组运行噪音大，晚上影响休息": "F02",
    "扫码报修：显示屏不亮": "F04",
    "来访：水箱漏水": "F03",
    "遥控器失灵，无法开机": "F04",
    "邮件报修：压缩机不启动": "F01",
}

# The steps each demo order is taken through (the last one is its state).
PATHS = [
    [],
    [],
    ["dispatch"],
    ["dispatch", "contact"],
    ["dispatch", "contact", "plan_phone"],
    ["dispatch", "contact", "plan_on_site"],
    ["dispatch", "contact", "plan_on_site", "start"],
    ["dispatch", "contact", "plan_on_site", "start", "wait_parts"],
    ["dispatch", "contact", "plan_phone", "start", "complete"],
    ["dispatch", "contact", "plan_phone", "start", "complete", "close"],
    ["cancel"],
    ["dispatch", "contact", "plan_on_site", "start", "wait_customer"],
]


def load(ctx: dict) -> None:
    people = ctx["people"]
    agent, managers = people["kefu"], {"BR-HZ": people["hz_zhuguan"], "BR-NJ": people["nj_zhuguan"]}
    technicians = {"BR-HZ": people["hz_jishi"], "SC-NB": people["tyfw"]}
    units_by_owner: dict[int, list] = {}
    for unit in ctx["product_units"]:
        units_by_owner.setdefault(unit.owner_id, []).append(unit)
    customers = [c for c in ctx["customers"] if c.is_active and units_by_owner.get(c.pk)]
    now = timezone.now()
    orders = []
    for i, (order_type, channel, text) in enumerate(FAULTS):
        customer = customers[(i * 7) % len(customers)]
        unit = units_by_owner[customer.pk][0]
        # HQ's own customers are served by the Hangzhou branch in the demo company.
        handler = customer.owner_unit
        if handler.code not in ("BR-HZ", "SC-NB", "BR-NJ"):
            handler = ctx["units"]["BR-HZ"]
        order = services.receive_order(
            org_unit=handler,
            actor=agent,
            customer=customer,
            unit=unit,
            order_type=order_type,
            channel=channel,
            description=text,
            received_at=now - dt.timedelta(hours=3 + 9 * i),
            # REQ-7: a compressor that will not start is the product's own fault.
            quality_problem="压缩机" in text,
            fault_type=FaultType.objects.filter(code=FAULT_CODES.get(text, "")).first(),
        )
        code = order.org_unit.code
        tech = technicians.get(code) or technicians["BR-HZ"]
        if code == "BR-NJ":
            tech = None  # Nanjing has no technician in the demo: its orders wait for dispatch
        _walk(order, PATHS[i % len(PATHS)], agent=agent, tech=tech, now=now)
        orders.append(order)
    ctx["orders"] = orders
    ctx.setdefault("managers", managers)
    _web_requests(ctx, customers, units_by_owner, agent=agent, now=now)
    _skills(ctx, technicians)
    _duplicate_and_escalation(orders, agent=agent, managers=managers)
    _questions(orders, agent=agent, engineer=people["jishu"])
    _closed_last_month(ctx, customers, units_by_owner, agent=agent, technicians=technicians)
    # SVC-7: one sweep, as the worker would run it, so the overdue demo orders carry their
    # warnings, breaches, escalations and the notifications in the inbox.
    from aftersales.service import sla

    ctx["sla_sweep"] = sla.sweep()


def _skills(ctx, technicians) -> None:
    """SVC-8: what each demo technician is trained for, shown when dispatching."""
    from aftersales.products.models import ProductCategory
    from aftersales.service.models import TechnicianProfile

    categories = list(ProductCategory.objects.order_by("code"))
    for i, tech in enumerate(technicians.values()):
        profile, _created = TechnicianProfile.objects.get_or_create(user=tech)
        profile.skills.set(categories[i::2] or categories)


def _duplicate_and_escalation(orders, *, agent, managers) -> None:
    """REQ-9: the customer of the first order calls again (flagged, to merge); ORG-4: Nanjing,
    with no technician free, escalates one of its orders to HQ."""
    first = orders[0]
    services.receive_order(
        actor=agent,
        org_unit=first.org_unit,
        customer=first.customer,
        unit=first.unit,
        order_type="repair",
        channel="phone",
        description="客户再次来电催修：" + first.description,
        confirm_duplicate=True,
    )
    nanjing = next(
        (o for o in orders if o.org_unit.code == "BR-NJ" and o.status == "received"), None
    )
    if nanjing is not None:
        services.escalate_order(
            actor=managers["BR-NJ"], order=nanjing, reason="南京分公司暂无空闲技术员，请总部派单"
        )


def _questions(orders, *, agent, engineer) -> None:
    """REQ-6, SVC-7: the agent could not answer two callers at once and referred the
    questions to the technical dept — one answered in time, one still waiting."""
    answered = services.refer_question(
        actor=agent,
        order=orders[0],
        question="客户问 E3 故障码是什么意思，能否自行复位？",
        referred_to=engineer,
        kind="technical",
    )
    services.answer_question(
        actor=engineer,
        referral=answered,
        answer="E3 为水温传感器故障，不能自行复位，请等待技术员上门更换传感器。",
        reply_channel="phone",
    )
    services.refer_question(
        actor=agent,
        order=orders[4],
        question="客户问壁挂炉冬季长期不用时，防冻模式是否需要一直通电？",
        referred_to=engineer,
        kind="technical",
    )


# FIN-1: orders closed last month, so the monthly statistics (last month by default) show rows.
LAST_MONTH = [
    ("repair", "BR-HZ", "热水器不制热，显示 E3 故障码"),
    ("maintenance", "BR-HZ", "年度保养：清洗换热器"),
    ("repair", "SC-NB", "机组运行噪音大，晚上影响休息"),
]


def _closed_last_month(ctx, customers, units_by_owner, *, agent, technicians) -> None:
    """Walked through every step like the other orders, then moved back to last month:
    received on the 10th, 15th, 20th, completed hours later, closed two days after."""
    from aftersales.service.models import ServiceOrder
    from aftersales.service.statistics import last_month

    now = timezone.now()
    first = last_month(timezone.localdate(now))
    for i, (order_type, code, text) in enumerate(LAST_MONTH):
        customer = customers[(i * 5 + 2) % len(customers)]
        order = services.receive_order(
            org_unit=ctx["units"][code],
            actor=agent,
            customer=customer,
            unit=units_by_owner[customer.pk][0],
            order_type=order_type,
            channel="phone",
            description=text,
            received_at=now,
            confirm_duplicate=True,
        )
        steps = ["dispatch", "contact", "plan_phone", "start", "complete", "close"]
        _walk(order, steps, agent=agent, tech=technicians[code], now=now)
        received = timezone.make_aware(
            dt.datetime.combine(first.replace(day=10 + 5 * i), dt.time(9, 30))
        )
        hour = dt.timedelta(hours=1)
        ServiceOrder.objects.filter(pk=order.pk).update(
            received_at=received,
            dispatched_at=received + hour / 2,
            contacted_at=received + hour,
            planned_at=received + 2 * hour,
            started_at=received + 3 * hour,
            completed_at=received + (5 + 2 * i) * hour,
            signed_at=received + (5 + 2 * i) * hour,
            closed_at=received + dt.timedelta(days=2),
        )


def _walk(order, steps, *, agent, tech, now) -> None:
    for step in steps:
        if tech is None and step != "cancel":
            return
        if step == "dispatch":
            order = services.dispatch_order(actor=agent, order=order, technician=tech)
        elif step == "contact":
            order = services.record_contact(actor=tech, order=order, note="已电话联系客户")
        elif step == "plan_phone":
            order = services.set_plan(
                actor=tech, order=order, mode="phone", diagnosis="参数设置不当"
            )
        elif step == "plan_on_site":
            order = services.set_plan(
                actor=tech,
                order=order,
                mode="on_site",
                diagnosis="疑似温度传感器故障",
                appointment_at=now + dt.timedelta(hours=20),
            )
        elif step == "start":
            order = services.start_work(actor=tech, order=order)
        elif step == "wait_parts":
            order = services.wait_for_parts(
                actor=tech, order=order, reason="温度传感器已申领，等待到货"
            )
        elif step == "wait_customer":
            order = services.wait_for_customer(actor=tech, order=order, reason="客户出差，下周再约")
        elif step == "complete":
            order = services.complete_order(
                actor=tech,
                order=order,
                result="电话指导客户重设参数，试机正常",
                signature=_signature(),
                signer_name=order.contact_name[:3],
                customer_comments="服务及时，态度很好。",
            )
        elif step == "close":
            # FUP-1: the order closes with its return visit (the customer is satisfied).
            from aftersales.followup import visits

            visit = order.return_visits.get(status="due")
            answers = {q.pk: "满意" for q in visits.script_for(order)}
            visits.record_call(
                actor=agent, visit=visit, outcome="satisfied", answers=answers, note="客户满意"
            )
            order.refresh_from_db()
        elif step == "cancel":
            order = services.cancel_order(actor=agent, order=order, reason="客户来电撤销报修")


def _signature() -> bytes:
    """A drawn signature, as the phone's signature pad would send it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(20, 90), (60, 30), (90, 85), (130, 35), (170, 80)], fill="black", width=4)
    draw.line([(190, 60), (250, 55), (230, 95), (330, 40)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _web_requests(ctx, customers, units_by_owner, *, agent, now) -> None:
    """REQ-1, REQ-4: the intake queue — one new and recent, one new and overdue, one accepted."""
    from aftersales.service.models import WebRequest

    def sent(hours_ago: float, **fields):
        web_request = services.submit_web_request(client_ip="203.0.113.7", **fields)
        # Sent earlier than the demo is loaded: its age in the queue is real.
        WebRequest.objects.filter(pk=web_request.pk).update(
            created_at=now - dt.timedelta(hours=hours_ago)
        )
        web_request.refresh_from_db()
        return web_request

    recent = sent(
        0.7,
        name="孙丽",
        phone="13905710001",
        address="杭州市拱墅区湖墅南路 88 号 3 幢 502",
        product_text="空气能热水器",
        description="热水器下方漏水，地面有积水。",
    )
    overdue = sent(
        6.5,
        name="周先生",
        phone="13805180002",
        address="南京市鼓楼区中山北路 200 号",
        product_text="燃气壁挂炉",
        order_type="maintenance",
        description="想预约冬季前的保养，周末上门最好。",
    )
    # A customer with no open order (REQ-9 would flag the request as a repeat).
    customer, unit = customers[0], units_by_owner[customers[0].pk][0]
    for candidate in customers:
        first_unit = units_by_owner[candidate.pk][0]
        if not services.intake_duplicates(actor=agent, customer=candidate, unit=first_unit):
            customer, unit = candidate, first_unit
            break
    handler = customer.owner_unit
    if handler.code not in ("BR-HZ", "SC-NB", "BR-NJ"):
        handler = ctx["units"]["BR-HZ"]
    scanned = sent(
        26,
        name=customer.name,
        phone=customer.phone,
        address=unit.installation_address or customer.address,
        serial_number=unit.serial_number,
        product_text=unit.product_model.name,
        via_qr=True,
        description="扫码报修：开机后显示屏闪烁，无法设定温度。",
    )
    services.accept_web_request(
        actor=agent,
        request_obj=scanned,
        customer=customer,
        unit=unit,
        org_unit=handler,
        confirm_duplicate=True,  # matters only if every demo customer has an open order
    )
    ctx["web_requests"] = [recent, overdue, scanned]
