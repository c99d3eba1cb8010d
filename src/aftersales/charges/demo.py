"""Demo: charges, money, courier shipments and purchase inquiries on the demo orders, so
each state is on screen — labour lines and quotations (one accepted by phone, one signed,
one waiting for the customer), receipts taken on site (one handed over to finance, one
still in the technician's hand), a bank transfer finance has not yet passed on (FEE-5,
late), an invoice issued and one to issue, a parcel with the courier, a return prepared
freight collect, and purchase inquiries open and answered. All through the services."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.charges import money, quotes
from aftersales.charges.sheet import charge_sheet
from aftersales.parts import purchasing, shipping
from aftersales.parts.models import LineStatus, PartLine
from aftersales.service.demo import _signature
from aftersales.service.models import ServiceKind, ServiceOrder, Status

LABOUR_STATUSES = [Status.DISPATCHED, Status.CONTACTED, Status.PLANNED, Status.WAITING_CUSTOMER]


def _paid_orders(ctx) -> list[ServiceOrder]:
    return list(
        ServiceOrder.objects.filter(
            pk__in=[o.pk for o in ctx["orders"]],
            service_kind=ServiceKind.PAID,
            technician__isnull=False,
            status__in=LABOUR_STATUSES,
        )
        .select_related("technician", "customer")
        .order_by("pk")
    )


def load(ctx: dict) -> None:
    people = ctx["people"]
    finance, keeper, buyer = people["caiwu"], people["cangku"], people["caigou"]
    orders = _paid_orders(ctx)
    visit, hour = (code for code in ctx["labour_rates"])
    phone_ok, signed_ok, waiting = (orders + [None, None, None])[:3]
    _transfer_not_passed_on(ctx, finance=finance)
    if phone_ok is not None:
        _phone_accepted(phone_ok, visit=visit, hour=hour)
    if signed_ok is not None:
        _signed_and_paid(signed_ok, finance=finance, visit=visit, hour=hour)
    if waiting is not None:
        tech = waiting.technician
        quotes.add_labour(
            actor=tech, order=waiting, rate_code=hour, quantity="2", description="拆机检修"
        )
        quotes.make_quotation(actor=tech, order=waiting, note="客户考虑是否维修，等待答复")
    _shipments(ctx, keeper=keeper)
    _inquiries(ctx, buyer=buyer)


def _phone_accepted(order, *, visit, hour) -> None:
    """FEE-2 by phone; FEE-3 the customer pays on site in cash — still in the technician's
    hand — and asks for an invoice finance has yet to issue."""
    tech = order.technician
    quotes.add_labour(actor=tech, order=order, rate_code=visit, quantity="1")
    quotes.add_labour(
        actor=tech, order=order, rate_code=hour, quantity="1.5", description="安装调试"
    )
    quotation = quotes.make_quotation(actor=tech, order=order)
    quotes.accept_quotation(
        actor=tech,
        quotation=quotation,
        method="phone",
        signer_name=order.customer.name,
        consent_phone=order.contact_phone or order.customer.phone or "13800000000",
        consent_note="客户电话确认同意报价金额，上门后付现金",
    )
    owed = charge_sheet(order).outstanding
    if owed > 0:
        money.collect_on_site(
            actor=tech, order=order, amount=owed, method="cash", payer=order.customer.name
        )
        money.request_invoice(actor=tech, order=order, title=order.customer.name, amount=owed)


def _signed_and_paid(order, *, finance, visit, hour) -> None:
    """FEE-2 signed on the phone screen; FEE-3 paid on site, handed over to finance and
    invoiced."""
    tech = order.technician
    quotes.add_labour(actor=tech, order=order, rate_code=visit, quantity="1")
    quotes.add_labour(actor=tech, order=order, rate_code=hour, quantity="1", description="保养清洗")
    quotation = quotes.make_quotation(actor=tech, order=order)
    quotes.accept_quotation(
        actor=tech,
        quotation=quotation,
        method="signature",
        signer_name=order.customer.name,
        signature=_signature(),
    )
    owed = charge_sheet(order).outstanding
    receipt = money.collect_on_site(
        actor=tech, order=order, amount=owed, method="cash", payer=order.customer.name
    )
    money.hand_over_cash(
        actor=finance, technician=tech, payments=[receipt], counted_total=owed, note="现金已点清"
    )
    invoice = money.request_invoice(
        actor=finance, order=order, title=order.customer.name, amount=owed
    )
    money.issue_invoice(actor=finance, invoice=invoice, number="04402611" + f"{order.pk:04d}")


def _transfer_not_passed_on(ctx, *, finance) -> None:
    """FEE-5: a transfer for parts arrived 14 hours ago; finance recorded it but has not
    told the technician — late, and the sweep reports it."""
    line = (
        PartLine.objects.filter(
            order__in=[o.pk for o in ctx["orders"]], payment="unpaid", amount__gt=0
        )
        .exclude(charge_rule="d")
        .select_related("order")
        .first()
    )
    if line is None:
        return
    owed = charge_sheet(line.order).outstanding
    if owed <= 0:
        return
    money.register_payment(
        actor=finance,
        order=line.order,
        amount=min(owed, line.amount),
        method="transfer",
        received_at=timezone.now() - dt.timedelta(hours=14),
        payer=line.order.customer.name,
        reference="网银转账 6222****0815",
        notify=False,
    )


def _shipments(ctx, *, keeper) -> None:
    """PRT-4: an issued part with the courier to the technician; an overdue old part's
    return prepared, freight collect."""
    in_orders = [o.pk for o in ctx["orders"]]
    hq = ctx["warehouses"]["HQ-WH"]
    out = (
        PartLine.objects.filter(order__in=in_orders, status=LineStatus.ISSUED)
        .select_related("order__technician")
        .first()
    )
    if out is not None and out.order.technician is not None:
        tech = out.order.technician
        parcel = shipping.create_shipment(
            actor=keeper,
            order=out.order,
            direction="to_technician",
            warehouse=hq,
            technician=tech,
            recipient_name=str(tech),
            recipient_phone=tech.phone or "13900000000",
            address=f"{out.order.org_unit.name}",
            items=[{"line": out, "quantity": out.quantity}],
        )
        shipping.mark_shipped(
            actor=keeper,
            shipment=parcel,
            courier="顺丰速运",
            tracking_number="SF1408826605197",
            freight=Decimal("18.00"),
        )
    back = (
        PartLine.objects.filter(
            order__in=in_orders,
            old_part_required=True,
            old_part_received_at__isnull=True,
            status=LineStatus.USED,
        )
        .select_related("order__technician")
        .first()
    )
    if back is not None and back.order.technician is not None:
        shipping.create_shipment(
            actor=back.order.technician,
            order=back.order,
            direction="return",
            warehouse=ctx["warehouses"]["HQ-OLD"],
            recipient_name=str(keeper),
            recipient_phone="0571-88886666",
            address="总部中心仓库旧件区",
            items=[{"line": back, "quantity": back.quantity, "old_part": True}],
            note="旧件寄回，运费到付",
        )


def _inquiries(ctx, *, buyer) -> None:
    """PRT-7: an open inquiry for a part not in the catalogue, and one purchasing answered."""
    waiting_parts = (
        ServiceOrder.objects.filter(
            pk__in=[o.pk for o in ctx["orders"]],
            status=Status.WAITING_PARTS,
            technician__isnull=False,
        )
        .select_related("technician")
        .first()
    )
    if waiting_parts is not None:
        purchasing.ask_purchasing(
            actor=waiting_parts.technician,
            quantity=1,
            description="壁挂炉排烟管弯头 Φ60/100，90°，原厂件已停产",
            order=waiting_parts,
        )
    asker = ctx["people"]["cangku"]
    answered = purchasing.ask_purchasing(actor=asker, quantity=50, part=ctx["parts"]["IGN-L1"])
    purchasing.answer_inquiry(
        actor=buyer,
        inquiry=answered,
        can_buy=True,
        answer="可采购，原厂同规格，五个工作日到货",
        supplier="宁波华信燃具配件厂",
        unit_cost=Decimal("5.80"),
        expected_on=timezone.localdate() + dt.timedelta(days=7),
    )
