"""Demo field work (SVC-3, SVC-5) on the service demo's on-site orders: one planned order
with its checklist ticked and the technician on site now; one order in progress whose
part went back to the depot on a signed hand-over."""

import datetime as dt

from django.utils import timezone

from aftersales.fieldwork import services
from aftersales.service.models import PlanMode, ServiceOrder, Status


def load(ctx: dict) -> None:
    pks = [order.pk for order in ctx.get("orders", [])]
    # The service demo walked its orders on; read their state now.
    on_site = list(
        ServiceOrder.objects.filter(
            pk__in=pks, plan_mode=PlanMode.ON_SITE, technician__isnull=False
        )
        .select_related("technician")
        .order_by("pk")
    )
    planned = next((o for o in on_site if o.status == Status.PLANNED), None)
    working = next((o for o in on_site if o.status == Status.IN_PROGRESS), None)
    done = {}
    # A technician is on one site at a time: the earlier visit is closed first.
    if working is not None:
        tech = working.technician
        _tick_all(working)
        services.check_in(actor=tech, order=working)
        take_back = services.record_take_back(
            actor=tech,
            order=working,
            items="主控板 1 块（温度传感器接口损坏）",
            serial_numbers="PCB-20260518-0731",
            condition="外观完好，无划痕；随板带回连接线 1 根",
            promised_return_on=timezone.localdate() + dt.timedelta(days=5),
            technician_signature=_signature(seed=1),
            customer_signature=_signature(seed=2),
            signer_name=working.contact_name[:3] or "客户",
        )
        services.check_out(
            actor=tech,
            order=working,
            note="现场无法修复，主控板带回维修，已告知客户 5 日内送回安装。",
        )
        done["take_back"] = take_back
    if planned is not None:
        _tick_all(planned)
        services.check_in(
            actor=planned.technician,
            order=planned,
            latitude="30.274085",
            longitude="120.155070",
        )
        done["checked_in"] = planned
    ctx["fieldwork"] = done


def _tick_all(order) -> None:
    items = [item.pk for item in services.checklist_for(order)]
    if items:
        services.tick_checklist(actor=order.technician, order=order, item_ids=items)


def _signature(seed: int) -> bytes:
    """A drawn signature, as the phone's signature pad would send it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    step = 20 + 10 * seed
    points = [(20 + i * step, 90 if i % 2 else 30 + 5 * seed) for i in range(360 // step)]
    draw.line(points, fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
