"""Demo spare parts (PRT-8), finance's price list and labour rates (FEE-2), warehouses.

The warehouse keeper adds the parts of the demo product models (air-source water
heaters and heat pumps, gas wall boilers, water purifiers); finance prices them from 60
days ago (``allow_past``: the list was already in force when the demo company started
using the system) and raised the compressor's price 20 days ago, so the price history
shows that an order received before the change keeps the old price.

Puts ``ctx["parts"]`` (by part no.), ``ctx["warehouses"]`` (by code) and
``ctx["labour_rates"]`` (by code) for the demo modules that follow.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from aftersales.parts import catalogue
from aftersales.parts.models import WarehouseKind

HEATERS = ["KRF-35", "KRF-50"]
HEAT_PUMPS = ["HP-120", "HP-250"]
BOILERS = ["L1PB26", "L1PB32"]
PURIFIERS = ["RO-400", "RO-600"]
AIR_SOURCE = HEATERS + HEAT_PUMPS  # compressor circuit parts fit both
WATER_SIDE = HEATERS + BOILERS + PURIFIERS

# code, name, specification, unit, fits, flags, list price, cost.
# Flags: A assembly (总成), V valuable (serial-tracked), R has recovery value.
# fmt: off
PARTS = [
    ("SNS-NTC10K", "水温传感器", "NTC 10K，线长 1.5 m", "个", AIR_SOURCE, "", "38.00", "12.50"),
    ("CMP-QXA25", "压缩机", "旋转式 2.5 匹，R32", "台", AIR_SOURCE, "AVR", "1680.00", "1050.00"),
    ("VLV-4W-20", "四通阀", "STF-20，含线圈", "个", AIR_SOURCE, "AR", "260.00", "138.00"),
    ("VLV-EXV-16", "电子膨胀阀", "口径 1.6 mm，12 V", "个", AIR_SOURCE, "AR", "185.00", "96.00"),
    ("PCB-KRF-M", "主控板", "空气能热水器主控板 V3", "块", HEATERS, "AVR", "480.00", "255.00"),
    ("PCB-HP-M", "主控板（商用）", "商用热泵主控板", "块", HEAT_PUMPS, "AVR", "860.00", "520.00"),
    ("PCB-KRF-D", "显示板", "触摸显示板，带蜂鸣器", "块", HEATERS, "AR", "150.00", "72.00"),
    ("MOT-FAN-120", "风机电机", "120 W 直流无刷", "台", AIR_SOURCE, "AR", "320.00", "178.00"),
    ("SEAL-DN20", "密封圈", "DN20 硅橡胶", "个", WATER_SIDE, "", "3.50", "0.80"),
    ("FUSE-T5A", "保险丝", "T5A 250 V 玻璃管", "个", AIR_SOURCE + BOILERS, "", "2.00", "0.30"),
    ("RC-KRF", "遥控器", "红外遥控器，含电池", "个", HEATERS, "A", "45.00", "18.00"),
    ("IGN-L1", "点火针", "双针陶瓷点火针", "支", BOILERS, "", "18.00", "6.00"),
    ("PUMP-L1", "水泵", "壁挂炉循环水泵 15-6", "台", BOILERS, "AR", "420.00", "255.00"),
    ("GV-L1", "燃气比例阀", "SIT 845 型", "个", BOILERS, "AVR", "360.00", "210.00"),
    ("HX-L1", "主换热器", "铜制，26-32 kW", "台", BOILERS, "AVR", "680.00", "415.00"),
    ("ANODE-KRF", "镁棒", "水箱防腐镁棒 Φ22×300", "支", HEATERS, "", "28.00", "9.00"),
    ("RO-MEM-400", "RO 膜", "400 加仑反渗透膜", "支", PURIFIERS, "A", "260.00", "120.00"),
]
# fmt: on
# A part no longer used: kept for history, inactive (old main board, replaced by V3).
OLD_PART = ("PCB-KRF-M2", "主控板（旧版）", "空气能热水器主控板 V2，已停用", "块", HEATERS)

# code, name, basis, rate
LABOUR_RATES = [
    (catalogue.LABOUR_VISIT, "上门服务费", "item", "80.00"),
    (catalogue.LABOUR_HOUR, "维修工时", "hour", "60.00"),
]

# code, name, kind, org unit code
WAREHOUSES = [
    ("HQ-WH", "总部中心仓库", WarehouseKind.CENTRAL, "HQ-WH"),
    ("HQ-OLD", "总部旧件区", WarehouseKind.OLD_PARTS, "HQ-WH"),
    ("HZ-WH", "杭州分公司仓库", WarehouseKind.BRANCH, "BR-HZ"),
]
PRICED_DAYS_AGO = 60
RAISED_DAYS_AGO = 20


def load(ctx: dict) -> None:
    people = ctx["people"]
    admin = ctx["admin"]
    keeper = people["cangku"]
    finance = people["caiwu"]
    models = ctx.get("product_models", {})
    today = timezone.localdate()
    priced_from = today - datetime.timedelta(days=PRICED_DAYS_AGO)

    warehouses = {}
    for code, name, kind, unit in WAREHOUSES:
        warehouses[code] = catalogue.create_warehouse(
            actor=admin, code=code, name=name, kind=kind, org_unit=ctx["units"][unit]
        )
    ctx["warehouses"] = warehouses

    parts = {}
    for code, name, spec, uom, fits, flags, price, cost in PARTS:
        part = catalogue.create_part(
            actor=keeper,
            code=code,
            name=name,
            specification=spec,
            unit_of_measure=uom,
            compatible_models=[models[m] for m in fits if m in models],
            is_assembly="A" in flags,
            is_valuable="V" in flags,
            has_recovery_value="R" in flags,
        )
        catalogue.set_price(
            actor=finance,
            part=part,
            list_price=Decimal(price),
            cost=Decimal(cost),
            effective_from=priced_from,
            allow_past=True,
        )
        parts[code] = part
    code, name, spec, uom, fits = OLD_PART
    old = catalogue.create_part(
        actor=keeper,
        code=code,
        name=name,
        specification=spec,
        unit_of_measure=uom,
        compatible_models=[models[m] for m in fits if m in models],
        is_valuable=True,
    )
    parts[code] = catalogue.update_part(actor=keeper, part=old, is_active=False)
    # The compressor's purchase price went up; finance raised its price 20 days ago.
    catalogue.set_price(
        actor=finance,
        part=parts["CMP-QXA25"],
        list_price=Decimal("1780.00"),
        cost=Decimal("1120.00"),
        effective_from=today - datetime.timedelta(days=RAISED_DAYS_AGO),
        allow_past=True,
    )
    ctx["parts"] = parts

    ctx["labour_rates"] = {
        code: catalogue.set_labour_rate(
            actor=finance,
            code=code,
            name=name,
            basis=basis,
            rate=Decimal(rate),
            effective_from=priced_from,
            allow_past=True,
        )
        for code, name, basis, rate in LABOUR_RATES
    }

    # Initial stock is not written here: the stock module's demo receives it into
    # ctx["warehouses"] through the stock ledger (parts.stock.move), after this module.
