"""Demo product catalogue and installed base: every warranty and contract state exists.

Dates are chosen relative to today, so the demo shows units in warranty, expiring this
month, expired, with an extended warranty (running and ended), under a maintenance
contract (in force, ended, cancelled), and without any date yet. Seeded: the same
data on every load (for the same day).
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from aftersales.customers.models import Customer
from aftersales.products import services

CATEGORIES = [
    ("HW", "空气能热水器"),
    ("BOILER", "燃气壁挂炉"),
    ("WATER", "净水器"),
    ("HP", "商用热泵"),
]
# code, name, category, months, starts from, scope
MODELS = [
    ("KRF-35", "空气能热水器 KRF-35 (150L)", "HW", 36, "delivery", "整机三年，压缩机五年"),
    ("KRF-50", "空气能热水器 KRF-50 (200L)", "HW", 36, "invoice", "整机三年"),
    ("L1PB26", "燃气壁挂炉 L1PB26", "BOILER", 24, "delivery", "整机两年，换热器三年"),
    ("L1PB32", "燃气壁挂炉 L1PB32", "BOILER", 24, "sale", "整机两年"),
    ("RO-400", "净水器 RO-400", "WATER", 12, "sale", "整机一年，滤芯不保"),
    ("RO-600", "净水器 RO-600", "WATER", 12, "invoice", "整机一年，滤芯不保"),
    ("HP-120", "商用热泵 HP-120", "HP", 24, "delivery", "整机两年，含上门"),
    ("HP-250", "商用热泵 HP-250", "HP", 36, "invoice", "整机三年，含上门"),
]
UNIT_COUNT = 200


def _serial(code: str, year: int, n: int) -> str:
    return f"{code.replace('-', '')}-{year}-{n:06d}"


def _start_for_end(end: datetime.date, months: int) -> datetime.date:
    """A start date whose warranty of ``months`` ends on ``end`` (or the closest before)."""
    day = end - datetime.timedelta(days=months * 31 + 3)
    while services.warranty_end(day, months) < end:
        day += datetime.timedelta(days=1)
    return day


def load(ctx: dict) -> None:
    customers: list[Customer] = ctx.get("customers") or []
    admin = ctx["admin"]
    today = timezone.localdate()
    rng = random.Random(2026)

    categories = {
        code: services.save_category(actor=admin, code=code, name=name) for code, name in CATEGORIES
    }
    models = {}
    for code, name, cat, months, basis, scope in MODELS:
        models[code] = services.save_product_model(
            actor=admin,
            code=code,
            name=name,
            category=categories[cat],
            warranty_months=months,
            warranty_starts_from=basis,
            warranty_scope=scope,
        )
    ctx["product_models"] = models
    if not customers:
        return  # no customers to own units

    people = ctx.get("people", {})
    salesperson = people.get("hz_xiaoshou")
    local = customers
    if salesperson is not None:
        visible = set(Customer.objects.visible_to(salesperson).values_list("pk", flat=True))
        local = [c for c in customers if c.pk in visible] or customers
    counter = iter(range(100, 100000))

    def register(model_code, owner, *, sale=None, delivery=None, invoice=None, batch=None):
        model = models[model_code]
        first = next((d for d in (sale, delivery, invoice) if d), today)
        production = first - datetime.timedelta(days=rng.randint(15, 90))
        return services.register_unit(
            actor=admin,
            serial_number=_serial(model_code, (sale or first).year, next(counter)),
            product_model=model,
            owner=owner,
            batch=batch or f"{production:%Y%m}-{rng.randint(1, 3)}",
            production_date=production,
            sale_date=sale,
            invoice_date=invoice,
            delivery_date=delivery,
            installation_address=owner.address,
        )

    days = datetime.timedelta
    units = []
    # In warranty: delivered 100 days ago, three years' cover.
    units.append(register("KRF-35", local[0], sale=today - days(105), delivery=today - days(100)))
    # Expiring this month: a one-year warranty that ends before the month is out.
    month_end = (today.replace(day=28) + days(4)).replace(day=1) - days(1)
    expiring_end = min(today + days(5), month_end)
    start = _start_for_end(expiring_end, 12)
    units.append(register("RO-400", local[1 % len(local)], sale=start, delivery=start))
    # Expired three years ago or so.
    units.append(
        register(
            "RO-600", local[2 % len(local)], sale=today - days(1100), invoice=today - days(1100)
        )
    )
    # Extended warranty in force after the standard one ended.
    ext = register(
        "L1PB32", local[3 % len(local)], sale=today - days(800), delivery=today - days(795)
    )
    services.add_extended_warranty(
        actor=admin, unit=ext, months=24, price=Decimal("680.00"), reference="YB-2025-0017"
    )
    units.append(ext)
    # Extended warranty that has ended too.
    old = register(
        "RO-400", local[4 % len(local)], sale=today - days(2200), delivery=today - days(2198)
    )
    services.add_extended_warranty(
        actor=admin, unit=old, months=24, price=Decimal("260.00"), reference="YB-2020-0003"
    )
    units.append(old)
    # Maintenance contracts: in force, ended, cancelled (on out-of-warranty units).
    owner = local[5 % len(local)]
    c_units = [
        register("HP-120", owner, sale=today - days(1000), delivery=today - days(990)),
        register("HP-120", owner, sale=today - days(1000), delivery=today - days(990)),
    ]
    services.create_maintenance_contract(
        actor=admin,
        customer=owner,
        units=c_units,
        start_date=today - days(100),
        end_date=today + days(265),
        covered_items="每年两次保养：清洗换热器、检查冷媒压力、电气安全检测",
        visits_per_year=2,
        amount=Decimal("3600.00"),
    )
    owner2 = local[6 % len(local)]
    ended = register("L1PB26", owner2, sale=today - days(1500), delivery=today - days(1490))
    services.create_maintenance_contract(
        actor=admin,
        customer=owner2,
        units=[ended],
        start_date=today - days(800),
        end_date=today - days(436),
        covered_items="年度保养一次",
        amount=Decimal("480.00"),
    )
    cancelled_unit = register("RO-600", owner2, sale=today - days(900), invoice=today - days(895))
    cancelled = services.create_maintenance_contract(
        actor=admin,
        customer=owner2,
        units=[cancelled_unit],
        start_date=today - days(60),
        end_date=today + days(305),
        covered_items="滤芯更换两次",
        visits_per_year=2,
        amount=Decimal("520.00"),
    )
    services.cancel_maintenance_contract(
        actor=admin, contract=cancelled, reason="客户搬迁，退订保养合同"
    )
    units += c_units + [ended, cancelled_unit]
    # Sold, not delivered yet (warranty counts from the sale date until delivery is known),
    # and one with no date at all (no warranty yet).
    units.append(register("KRF-35", local[7 % len(local)], sale=today - days(3)))
    units.append(register("HP-250", local[8 % len(local)]))

    # The rest: spread over models, customers and the last four years.
    codes = list(models)
    while len(units) < UNIT_COUNT:
        code = codes[len(units) % len(codes)]
        owner = customers[rng.randrange(len(customers))]
        sale = today - days(rng.randint(0, 4 * 365))
        delivery = min(today, sale + days(rng.randint(0, 14)))
        invoice = min(today, sale + days(rng.randint(0, 30)))
        units.append(register(code, owner, sale=sale, delivery=delivery, invoice=invoice))

    # Handovers by the Hangzhou salesperson, for recent units within their reach.
    if salesperson is not None:
        visible = set(Customer.objects.visible_to(salesperson).values_list("pk", flat=True))
        recent = [
            u
            for u in units
            if u.owner_id in visible and u.delivery_date and (today - u.delivery_date).days < 400
        ][:4]
        for unit in recent:
            services.record_delivery_handover(
                actor=salesperson,
                unit=unit,
                delivered_on=unit.delivery_date,
                received_by=f"{unit.owner.name}（本人）"
                if len(unit.owner.name) <= 4
                else "设备科 王工",
                explained_use=True,
                explained_maintenance=True,
                explained_precautions=rng.random() > 0.3,
                notes="已演示开关机、定时与防冻设置",
            )
    # A few warranty-card lines (later written by completed service orders).
    for unit, (ago, content, ref) in zip(
        units[:3],
        [
            (30, "上门检查：温控器接线松动，已紧固，试机正常。", "SO-DEMO-0001"),
            (200, "年度保养：清洗滤网、检查冷媒压力。", "SO-DEMO-0002"),
            (90, "更换 RO 膜一支（在保，免费）。", "SO-DEMO-0003"),
        ],
        strict=True,
    ):
        date = max(unit.delivery_date or unit.sale_date or today, today - days(ago))
        services.add_service_record(
            actor=admin, unit=unit, date=min(date, today), content=content, reference=ref
        )
    ctx["product_units"] = units
