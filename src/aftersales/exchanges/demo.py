"""Demo exchange forms in every state (EXC-1…EXC-4): a draft, one with the regional head,
the office and the general manager, one returned for more information, one rejected, one
approved waiting for the goods, one received, an exchange done with its signed ledger row,
and a return refunded. Written through the services, by the people of the chain."""

from decimal import Decimal

from aftersales.customers.models import Customer
from aftersales.exchanges import services

REASONS = [
    "机组安装后第三天压缩机频繁启停，出水温度达不到设定值，重启无效，客户要求换货。",
    "显示屏通电后不亮，检查电源与接线正常，判断主板故障，用户购买不足一周。",
    "客户新房装修延期，机器未拆封未使用，要求调换为大一匹的型号。",
    "净水器出水有异味，更换滤芯后仍然存在，客户不愿继续维修要求退货。",
    "热水器外壳运输中磕碰变形，用户开箱发现，要求换新机。",
    "同一故障（E3 不制热）保修期内已维修两次仍未修复，按三包要求换货。",
]


def load(ctx: dict) -> None:
    people = ctx["people"]
    seller, head = people["hz_xiaoshou"], people["hz_zhuguan"]
    office, gm = people["bangongshi"], people["jingli"]
    keeper, finance = people["cangku"], people["caiwu"]
    warehouse = ctx["warehouses"]["HQ-WH"]
    from aftersales.service.models import FaultType

    fault = (
        FaultType.objects.filter(is_active=True, performance_fault=True).order_by("code").first()
    )
    visible = set(Customer.objects.visible_to(seller).values_list("pk", flat=True))
    units = [u for u in ctx["product_units"] if u.owner_id in visible]
    units.sort(
        key=lambda u: (u.sale_date is None, -(u.sale_date.toordinal() if u.sale_date else 0))
    )
    used = {u.pk for u in units[:10]}
    spares = [u for u in ctx["product_units"] if u.pk not in used]
    pool = iter(units)

    def fill(kind="exchange", i=0, **extra):
        unit = next(pool)
        return services.create_request(
            actor=seller,
            kind=kind,
            customer=unit.owner,
            unit=unit,
            fault_type=fault,
            reason=REASONS[i % len(REASONS)],
            purchase_date=unit.sale_date,
            purchase_price=extra.pop("price", Decimal("4280.00")),
            purchase_proof=extra.pop("proof", f"发票 No. 0441{unit.pk:04d}"),
            **extra,
        )

    def submit(form):
        return services.submit_request(actor=seller, request=form, comment="请审批")

    def to_office(form):
        return services.approve_request(actor=head, request=form, comment="情况属实，同意")

    def to_gm(form):
        return services.approve_request(actor=office, request=form, comment="资料齐全，核对无误")

    def approve(form):
        return services.approve_request(actor=gm, request=form, comment="同意")

    made = {}
    made["draft"] = fill(i=0)
    made["regional_head"] = submit(fill(i=1))
    made["office"] = to_office(submit(fill("transfer", i=2)))
    made["general_manager"] = to_gm(to_office(submit(fill(i=5))))
    returned = to_office(submit(fill(i=1)))
    made["returned"] = services.return_request(
        actor=office, request=returned, comment="请补充故障照片和维修记录"
    )
    made["rejected"] = services.reject_request(
        actor=head, request=submit(fill(i=4)), comment="外壳变形系运输签收后造成，不属三包范围"
    )
    made["approved"] = approve(to_gm(to_office(submit(fill(i=0)))))
    received = approve(to_gm(to_office(submit(fill(i=1)))))
    made["received"] = services.receive_goods(
        actor=keeper,
        request=received,
        warehouse=warehouse,
        inspection="as_claimed",
        inspection_note="通电检测：主板无输出，故障属实",
    )
    done = approve(to_gm(to_office(submit(fill(i=5)))))
    done = services.receive_goods(
        actor=keeper,
        request=done,
        warehouse=warehouse,
        inspection="as_claimed",
        inspection_note="E3 故障复现，压缩机电容失效",
    )
    replacement = next(
        u
        for u in spares
        if u.product_model_id == done.unit.product_model_id and u.pk != done.unit_id
    )
    services.write_ledger(actor=keeper, request=done, replacement_unit=replacement)
    made["done"] = done
    refunded = approve(to_gm(to_office(submit(fill("return", i=3, price=Decimal("2980.00"))))))
    refunded = services.receive_goods(
        actor=keeper,
        request=refunded,
        warehouse=warehouse,
        inspection="unused",
        inspection_note="包装完好，配件齐全",
    )
    services.record_refund(
        actor=finance,
        request=refunded,
        amount=Decimal("2980.00"),
        method="transfer",
        reference="退款 TK-0001",
    )
    made["refunded"] = refunded
    ctx["exchange_forms"] = made
