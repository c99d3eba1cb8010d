"""Demo sales leads (SVC-9): the Hangzhou technician passes four purchase intents to sales —
one new, one taken up, one won (commission 2000 → information fee 100.00), one lost."""

from decimal import Decimal

from aftersales.leads import services
from aftersales.service.models import ServiceOrder

LEADS = [
    ("客户想再买一台空气能热水器，给新建的员工宿舍用", "下月预算批下来后决定，联系人王经理"),
    ("现有机组偏小，考虑升级到大一号的热泵机组", "客户希望先看报价"),
    ("酒店新楼要配三台热水机组", "已约好下周二上午到现场看"),
    ("想加装一台净水器", ""),
]


def load(ctx: dict) -> None:
    people = ctx["people"]
    technician, salesperson = people["hz_jishi"], people["hz_xiaoshou"]
    # The orders the technician worked on (the demo list holds them as first received).
    orders = list(
        ServiceOrder.objects.filter(
            pk__in=[o.pk for o in ctx.get("orders", [])], technician=technician
        ).order_by("received_at", "pk")
    )
    if not orders:
        return
    leads = []
    for i, (interest, note) in enumerate(LEADS):
        leads.append(
            services.record_lead(
                actor=technician,
                order=orders[i % len(orders)],
                product_interest=interest,
                note=note,
            )
        )
    new, contacted, won, lost = leads
    services.contact_lead(actor=salesperson, lead=contacted, note="已电话联系，客户需要报价")
    won = services.contact_lead(actor=salesperson, lead=won)
    services.win_lead(actor=salesperson, lead=won, commission=Decimal("2000.00"))
    services.lose_lead(actor=salesperson, lead=lost, reason="客户已在别家购买")
    ctx["leads"] = leads
