"""Benchmark dataset generator (issue 7): customers, units, warranties, service orders,
their SLA clocks and audit rows, written with bulk_create in batches.

    AFTERSALES_DATA_DIR=/tmp/bench-s [DATABASE_URL=...] .venv/bin/python bench/generate.py \
        --size S [--seed 7]

Sizes: S = 2k customers / 5k units / 10k orders, M = 10x, L = 100x. The database is
migrated first and the demo company loaded if it has no users. Generated rows are dated
in the past (open orders up to a few minutes ago, the rest before today), and document
numbers continue each day's DocumentCounter row, which is saved at the end, so numbers the
app issues later (core.numbering.next_number) never collide; running it again adds
another set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.accounts.models import OrgUnit, User  # noqa: E402
from aftersales.audit.models import AuditEntry  # noqa: E402
from aftersales.core import calendar as cal  # noqa: E402
from aftersales.core.models import DocumentCounter  # noqa: E402
from aftersales.customers.models import Customer  # noqa: E402
from aftersales.products.models import ProductModel, Unit, Warranty  # noqa: E402
from aftersales.service.models import (  # noqa: E402
    ClockState,
    FaultType,
    OrderClock,
    ServiceOrder,
    SlaPolicy,
    Status,
)
from aftersales.service.search import search_text  # noqa: E402

SIZES = {
    "S": {"customers": 2_000, "units": 5_000, "orders": 10_000},
    "M": {"customers": 20_000, "units": 50_000, "orders": 100_000},
    "L": {"customers": 200_000, "units": 500_000, "orders": 1_000_000},
}
BATCH = 5_000
YEARS = 5

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞宇浩然佳怡欣"
    "雪梅婷琳晨阳俊峰海燕春雷斌波宁凯亮健东晓慧颖倩丹凤云龙娇鑫淑珍"
)
COMPANY_WORDS = ["华", "鑫", "盛", "达", "通", "源", "恒", "泰", "利", "信", "宏", "丰", "嘉", "瑞"]
COMPANY_KINDS = ["暖通设备", "机电工程", "家电销售", "水处理", "物业管理", "酒店管理", "商贸"]
# province, [(city, [districts])]
PLACES = [
    (
        "浙江省",
        [
            ("杭州市", ["西湖区", "拱墅区", "滨江区", "萧山区", "余杭区"]),
            ("宁波市", ["海曙区", "江北区", "鄞州区", "北仑区"]),
            ("温州市", ["鹿城区", "龙湾区", "瓯海区"]),
        ],
    ),
    (
        "江苏省",
        [
            ("南京市", ["玄武区", "秦淮区", "鼓楼区", "江宁区"]),
            ("苏州市", ["姑苏区", "吴中区", "相城区", "工业园区"]),
            ("无锡市", ["梁溪区", "滨湖区", "新吴区"]),
        ],
    ),
    ("上海市", [("上海市", ["浦东新区", "徐汇区", "闵行区", "嘉定区", "宝山区"])]),
    ("安徽省", [("合肥市", ["蜀山区", "包河区", "庐阳区"]), ("芜湖市", ["镜湖区", "鸠江区"])]),
    ("山东省", [("济南市", ["历下区", "市中区", "槐荫区"]), ("青岛市", ["市南区", "崂山区"])]),
    ("北京市", [("北京市", ["朝阳区", "海淀区", "丰台区", "通州区"])]),
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文三路",
    "学院路",
    "新华路",
    "长江路",
    "和平路",
    "湖滨路",
    "东风路",
    "青年路",
    "胜利路",
    "光明路",
    "幸福路",
    "复兴路",
]
COMMUNITIES = ["阳光花园", "金色家园", "翠苑小区", "锦绣华庭", "滨江花园", "世纪新城", "绿城公寓"]
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
]
FAULTS = [
    "热水器不制热，显示 E3 故障码",
    "净水器出水量很小，滤芯刚换过",
    "机组运行噪音大，晚上影响休息",
    "显示屏不亮，按键无反应",
    "水箱漏水，地面有积水",
    "遥控器失灵，无法开机",
    "压缩机不启动",
    "燃气壁挂炉点火困难，反复熄火",
    "出水忽冷忽热，温度不稳定",
    "开机后跳闸",
    "外机结霜严重，化霜不干净",
    "水压不足，淋浴出水很小",
    "有异味，出水发黄",
    "显示 E1 故障码，水流不足",
    "夜间自动停机",
    "管道接头渗水",
    "风扇电机异响",
    "加热时间比以前长很多",
    "水泵不转，循环不工作",
    "控制板烧坏，有焦味",
]
FAULT_PREFIXES = ["", "", "", "客户来电：", "扫码报修：", "来信反映", "再次报修："]
RESULTS = [
    "更换温控器，试机正常",
    "清洗滤网并调整参数",
    "更换主板，运行正常",
    "紧固接头，无渗漏",
    "更换水泵",
    "电话指导客户复位，恢复正常",
    "更换传感器",
    "补充冷媒，制热正常",
]

# order type, weight
ORDER_TYPES = [
    ("repair", 70),
    ("installation", 10),
    ("maintenance", 10),
    ("consultation", 6),
    ("complaint", 2),
    ("exchange", 1),
    ("parts_purchase", 1),
]
CHANNELS = [
    ("phone", 55),
    ("web", 15),
    ("qr", 10),
    ("salesperson", 8),
    ("branch", 5),
    ("email", 3),
    ("visit", 2),
    ("letter", 1),
    ("media", 1),
]
OPEN_STATES = [
    (Status.RECEIVED, 10),
    (Status.DISPATCHED, 10),
    (Status.CONTACTED, 10),
    (Status.PLANNED, 15),
    (Status.IN_PROGRESS, 25),
    (Status.WAITING_PARTS, 20),
    (Status.WAITING_CUSTOMER, 10),
]
# The steps an order has reached, in order, with the timestamp column each sets.
STEPS = [
    Status.DISPATCHED,
    Status.CONTACTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.CLOSED,
]
STEP_COLUMN = {
    Status.DISPATCHED: "dispatched_at",
    Status.CONTACTED: "contacted_at",
    Status.PLANNED: "planned_at",
    Status.IN_PROGRESS: "started_at",
    Status.COMPLETED: "completed_at",
    Status.CLOSED: "closed_at",
}
REACHED = {
    Status.RECEIVED: 0,
    Status.DISPATCHED: 1,
    Status.CONTACTED: 2,
    Status.PLANNED: 3,
    Status.IN_PROGRESS: 4,
    Status.WAITING_PARTS: 4,
    Status.WAITING_CUSTOMER: 4,
    Status.COMPLETED: 5,
    Status.CLOSED: 6,
    Status.CANCELLED: 0,
}
OPEN = {s for s, _w in OPEN_STATES}
# How long ago an open order reached its state: recent, so few running clocks are overdue;
# waiting orders pause their pausable clock (CAL-3) and may wait longer.
OPEN_SINCE = {
    Status.IN_PROGRESS: dt.timedelta(days=2),
    Status.WAITING_PARTS: dt.timedelta(days=7),
    Status.WAITING_CUSTOMER: dt.timedelta(days=5),
}
# Minutes from one step to the next (dispatch … close): mostly within the limits.
STEP_GAPS = [(10, 360), (10, 300), (10, 600), (60, 1800), (30, 480), (60, 7200)]
# Clocks stop at these events, reached with these statuses.
EVENT_REACHED = {
    "received": 0,
    "dispatched": 1,
    "contacted": 2,
    "planned": 3,
    "started": 4,
    "completed": 5,
    "closed": 6,
    "forwarded": 0,
}


def weighted(rng: random.Random, pairs):
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return lambda: rng.choices(values, weights)[0]


@contextmanager
def keep_timestamps(*models):
    """bulk_create runs pre_save, which would stamp every row with now: keep ours."""
    fields = [m._meta.get_field(n) for m in models for n in ("created_at", "updated_at")]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


class Numbers:
    """Document numbers per series and day, continuing the day's DocumentCounter."""

    def __init__(self, series: str, width: int):
        self.series, self.width = series, width
        self.last = dict(DocumentCounter.objects.filter(series=series).values_list("day", "last"))
        self.touched: set[dt.date] = set()

    def take(self, day: dt.date) -> str:
        n = self.last.get(day, 0) + 1
        self.last[day] = n
        self.touched.add(day)
        return f"{self.series}-{day:%Y%m%d}-{n:0{self.width}d}"

    def save(self) -> None:
        existing = set(
            DocumentCounter.objects.filter(series=self.series, day__in=self.touched).values_list(
                "day", flat=True
            )
        )
        new = [
            DocumentCounter(series=self.series, day=d, last=self.last[d])
            for d in self.touched - existing
        ]
        DocumentCounter.objects.bulk_create(new, batch_size=BATCH)
        for day in existing:
            DocumentCounter.objects.filter(series=self.series, day=day).update(last=self.last[day])


class Generator:
    def __init__(self, size: str, seed: int):
        self.n = SIZES[size]
        self.rng = random.Random(seed)
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        today = timezone.localdate()
        # Everything happens before today: today's numbers belong to the app.
        self.end = dt.datetime.combine(today, dt.time(0, 0), self.tz) - dt.timedelta(seconds=1)
        self.start = self.end - dt.timedelta(days=365 * YEARS)
        self.span = (self.end - self.start).total_seconds()
        self.counts: dict[str, int] = {}

    # --- helpers -----------------------------------------------------------------------
    def when(self, start=None, end=None) -> dt.datetime:
        start, end = start or self.start, end or self.end
        # Working hours mostly: 8:00–20:00 local.
        moment = start + dt.timedelta(seconds=self.rng.random() * (end - start).total_seconds())
        local = moment.astimezone(self.tz)
        if not 8 <= local.hour < 20 and end - start > dt.timedelta(days=1):
            local = local.replace(hour=self.rng.randint(8, 19))
        return min(max(local, start), end)

    def person_name(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def address(self) -> str:
        r = self.rng
        province, cities = r.choice(PLACES)
        city, districts = r.choice(cities)
        head = province if province == city else province + city
        return (
            f"{head}{r.choice(districts)}{r.choice(STREETS)}{r.randint(1, 999)}号"
            f"{r.choice(COMMUNITIES)}{r.randint(1, 30)}幢{r.randint(1, 30)}0{r.randint(1, 4)}室"
        )

    def bulk(self, model, rows: list) -> list:
        with transaction.atomic():
            return model.objects.bulk_create(rows, batch_size=BATCH)

    # --- context -----------------------------------------------------------------------
    def prepare(self) -> None:
        units = list(
            OrgUnit.objects.filter(
                kind__in=[OrgUnit.Kind.BRANCH, OrgUnit.Kind.SERVICE_CENTRE], is_active=True
            ).order_by("code")
        )
        if not units:
            sys.exit("no branch in the database: load the demo first")
        self.branches = units
        self.agent = User.objects.filter(username="kefu").first() or User.objects.first()
        self.technicians: dict[int, list[int]] = {}
        techs = list(
            User.objects.filter(is_active=True).with_permission("service.handle_serviceorder")
        )
        for u in units:
            ids = [t.pk for t in techs if t.org_unit_id == u.pk]
            self.technicians[u.pk] = ids or [t.pk for t in techs if t.org_unit_id] or [None]
        self.models = list(ProductModel.objects.filter(is_active=True).order_by("code"))
        self.fault_types = list(FaultType.objects.filter(is_active=True).order_by("code"))
        self.policies = [(p, list(p.rules.all())) for p in SlaPolicy.objects.filter(is_active=True)]
        self.calendars: dict[tuple[int, int], object] = {}

    def policy_for(self, order_type: str, tier: str, region_id, quality: bool):
        """As sla.select_policy, in memory."""
        best = None
        for policy, rules in self.policies:
            if policy.order_type and policy.order_type != order_type:
                continue
            if policy.service_tier and policy.service_tier != tier:
                continue
            if policy.region_id and policy.region_id != region_id:
                continue
            if policy.quality_problem and not quality:
                continue
            specific = (
                bool(policy.order_type)
                + bool(policy.service_tier)
                + bool(policy.region_id)
                + policy.quality_problem
            )
            key = (-specific, policy.is_default, policy.rank, policy.pk)
            if best is None or key < best[0]:
                best = (key, policy, rules)
        return (best[1], best[2]) if best else (None, [])

    def due(self, org_unit: OrgUnit, rule, start: dt.datetime) -> dt.datetime:
        year = timezone.localtime(start).year
        key = (org_unit.pk, year)
        if key not in self.calendars:
            self.calendars[key] = cal.get_calendar(org_unit, years=[year, year + 1])
        amount = rule.amount
        if rule.unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
            amount = int(amount)
        return cal.deadline(start, amount, rule.unit, self.calendars[key])

    # --- tables ------------------------------------------------------------------------
    def customers(self) -> None:
        r, total = self.rng, self.n["customers"]
        numbers = Numbers("C", 4)
        kind = weighted(r, [("end_user", 85), ("dealer", 6), ("retailer", 6), ("agent", 3)])
        tier = weighted(r, [("A", 10), ("B", 60), ("C", 30)])
        # (pk, owner unit, region, tier, name, phone, address)
        self.customer_rows: list[tuple] = []
        done = 0
        with keep_timestamps(Customer):
            while done < total:
                batch = []
                for _ in range(min(BATCH, total - done)):
                    created = self.when()
                    unit = r.choice(self.branches)
                    k = kind()
                    company = k != "end_user" and r.random() < 0.8
                    if company:
                        name = (
                            r.choice(PLACES)[1][0][0][:-1]
                            + "".join(r.sample(COMPANY_WORDS, 2))
                            + r.choice(COMPANY_KINDS)
                            + "有限公司"
                        )
                    else:
                        name = self.person_name()
                    batch.append(
                        Customer(
                            code=numbers.take(timezone.localtime(created).date()),
                            name=name,
                            kind=k,
                            entity="company" if company else "person",
                            phone=self.phone(),
                            address=self.address(),
                            service_tier=tier(),
                            region_id=unit.region_id,
                            owner_unit=unit,
                            created_at=created,
                            updated_at=created,
                            created_by=self.agent,
                            updated_by=self.agent,
                        )
                    )
                made = self.bulk(Customer, batch)
                self.customer_rows.extend(
                    (c.pk, c.owner_unit_id, c.region_id, c.service_tier, c.name, c.phone, c.address)
                    for c in made
                )
                done += len(batch)
                progress("customers", done, total)
        with transaction.atomic():
            numbers.save()
        self.counts["customers"] = done

    def units(self) -> None:
        r, total = self.rng, self.n["units"]
        offset = Unit.objects.count()
        # (pk, owner index, warranty end, installation address, serial number)
        self.unit_rows: list[tuple] = []
        done = 0
        with keep_timestamps(Unit, Warranty):
            while done < total:
                batch, meta = [], []
                for i in range(min(BATCH, total - done)):
                    model = r.choice(self.models)
                    owner = r.randrange(len(self.customer_rows))
                    c = self.customer_rows[owner]
                    sold = self.when().date()
                    delivered = sold + dt.timedelta(days=r.randint(0, 20))
                    produced = sold - dt.timedelta(days=r.randint(10, 180))
                    created = dt.datetime.combine(delivered, dt.time(10), self.tz)
                    address = c[6] if r.random() < 0.9 else self.address()
                    batch.append(
                        Unit(
                            serial_number=f"{model.code.replace('-', '')}-{sold.year}-"
                            f"B{offset + done + i + 1:07d}",
                            product_model=model,
                            batch=f"{produced:%Y%m}-{r.randint(1, 9):02d}",
                            production_date=produced,
                            sale_date=sold,
                            invoice_date=sold,
                            delivery_date=delivered,
                            owner_id=c[0],
                            installation_address=address,
                            created_at=created,
                            updated_at=created,
                            created_by=self.agent,
                            updated_by=self.agent,
                        )
                    )
                    meta.append((model, delivered, owner, address, created))
                made = self.bulk(Unit, batch)
                warranties = []
                for unit, (model, start, owner, address, created) in zip(made, meta, strict=True):
                    months = model.warranty_months or 12
                    end = add_months(start, months) - dt.timedelta(days=1)
                    warranties.append(
                        Warranty(
                            unit=unit,
                            kind="standard",
                            start_date=start,
                            end_date=end,
                            scope=model.warranty_scope,
                            created_at=created,
                            updated_at=created,
                        )
                    )
                    self.unit_rows.append((unit.pk, owner, end, address, unit.serial_number))
                self.bulk(Warranty, warranties)
                done += len(batch)
                progress("units (+ warranties)", done, total)
        self.counts["units"] = done
        self.counts["warranties"] = done

    def orders(self) -> None:
        r, total = self.rng, self.n["orders"]
        numbers = Numbers("SO", 6)
        order_type = weighted(r, ORDER_TYPES)
        channel = weighted(r, CHANNELS)
        open_state = weighted(r, OPEN_STATES)
        by_pk = {u.pk: u for u in self.branches}
        ct = ContentType.objects.get_for_model(ServiceOrder)
        agent_name = self.agent.get_username()
        stats = {
            "open": 0,
            "closed": 0,
            "completed": 0,
            "cancelled": 0,
            "breached": 0,
            "clocks": 0,
            "audit": 0,
        }
        done = 0
        with keep_timestamps(ServiceOrder):
            while done < total:
                batch, clock_plans = [], []
                for _ in range(min(BATCH, total - done)):
                    x = r.random()
                    # ~4 % open (the last days), ~2 % completed awaiting close (the last two
                    # months), ~3 % cancelled, the rest closed.
                    if x < 0.04:
                        status = open_state()
                        since = OPEN_SINCE.get(status, dt.timedelta(hours=10))
                    elif x < 0.06:
                        status, since = Status.COMPLETED, dt.timedelta(days=60)
                    elif x < 0.09:
                        status, since = Status.CANCELLED, None
                    else:
                        status, since = Status.CLOSED, None
                    reached = REACHED[status]
                    gaps = [
                        dt.timedelta(minutes=r.randint(lo, hi)) for lo, hi in STEP_GAPS[:reached]
                    ]
                    # ~1 % late: dispatched after the 12 h of REQ-5.
                    breach = reached >= 1 and r.random() < 0.01
                    if breach:
                        gaps[0] = dt.timedelta(minutes=r.randint(13 * 60, 20 * 60))
                    # Every step in the past: open orders up to now (their numbers continue
                    # today's counter), the others before today.
                    last = self.now - dt.timedelta(minutes=5) if status in OPEN else self.end
                    latest = last - sum(gaps, dt.timedelta())
                    received = self.when(latest - since if since else None, latest)
                    typ = order_type()
                    if typ == "consultation" or r.random() < 0.05:
                        unit_row = None
                        cust = self.customer_rows[r.randrange(len(self.customer_rows))]
                    else:
                        unit_row = self.unit_rows[r.randrange(len(self.unit_rows))]
                        cust = self.customer_rows[unit_row[1]]
                    org_unit = by_pk[cust[1]]
                    quality = typ == "repair" and r.random() < 0.03
                    policy, rules = self.policy_for(typ, cust[3], cust[2], quality)
                    fault = r.choice(FAULTS)
                    fault_type = (
                        r.choice(self.fault_types) if typ == "repair" and self.fault_types else None
                    )
                    in_warranty = unit_row is not None and received.date() <= unit_row[2]
                    kind = "free" if in_warranty and typ in ("repair", "exchange") else "paid"
                    order = ServiceOrder(
                        number=numbers.take(timezone.localtime(received).date()),
                        status=status,
                        order_type=typ,
                        channel=channel(),
                        org_unit=org_unit,
                        customer_id=cust[0],
                        unit_id=unit_row[0] if unit_row else None,
                        contact_name=cust[4],
                        contact_phone=cust[5],
                        address=unit_row[3] if unit_row else cust[6],
                        description=r.choice(FAULT_PREFIXES) + fault,
                        fault_type=fault_type,
                        quality_problem=quality,
                        received_at=received,
                        received_by=self.agent,
                        service_kind=kind,
                        service_kind_reason="保修期内" if kind == "free" else "保修期外，收费服务",
                        sla_policy=policy,
                        created_at=received,
                        created_by=self.agent,
                        updated_by=self.agent,
                    )
                    at = received
                    if status == Status.CANCELLED:
                        order.cancel_reason = "客户已自行解决，取消服务"
                    for step, gap in zip(STEPS, gaps, strict=False):
                        at = at + gap
                        setattr(order, STEP_COLUMN[step], at)
                    # Open orders stay in the past: their last step at most now.
                    if reached:
                        order.technician_id = r.choice(self.technicians[org_unit.pk])
                    if reached >= 3:
                        order.plan_mode = "phone" if typ == "consultation" else "on_site"
                        order.diagnosis = fault
                    if status in (Status.WAITING_PARTS, Status.WAITING_CUSTOMER):
                        order.waiting_reason = (
                            "等待配件到货" if status == Status.WAITING_PARTS else "客户暂不在家"
                        )
                    if reached >= 5:
                        order.result = r.choice(RESULTS)
                        order.signer_name = cust[4]
                        order.signed_at = order.completed_at
                    order.updated_at = at
                    # The work queue's search column, as services keep it (service/search.py).
                    order.search_text = search_text(
                        order, customer_name=cust[4], serial=unit_row[4] if unit_row else ""
                    )
                    # The queue columns sla.refresh_due() keeps, from the clocks.
                    made_clocks = self.order_clocks(order, rules, reached, breach)
                    order.next_due_at = min(
                        (c.due_at for c in made_clocks if c.state == ClockState.RUNNING),
                        default=None,
                    )
                    order.sla_breached = any(c.breached for c in made_clocks)
                    batch.append(order)
                    clock_plans.append(made_clocks)
                made = self.bulk(ServiceOrder, batch)
                clocks, audit = [], []
                for order, made_clocks in zip(made, clock_plans, strict=True):
                    stats[order.status if order.status in stats else "open"] += 1
                    stats["breached"] += order.sla_breached
                    for clock in made_clocks:
                        clock.order = order  # now saved: sets order_id
                    clocks.extend(made_clocks)
                    audit.append(
                        AuditEntry(
                            at=order.received_at,
                            actor=self.agent,
                            actor_name=agent_name,
                            action="service.order.received",
                            content_type=ct,
                            object_id=str(order.pk),
                            object_repr=order.number,
                            changes={"status": [None, "received"]},
                        )
                    )
                    if order.closed_at:
                        audit.append(
                            AuditEntry(
                                at=order.closed_at,
                                actor=self.agent,
                                actor_name=agent_name,
                                action="service.order.close",
                                content_type=ct,
                                object_id=str(order.pk),
                                object_repr=order.number,
                                changes={"status": ["completed", "closed"]},
                            )
                        )
                with transaction.atomic():
                    OrderClock.objects.bulk_create(clocks, batch_size=BATCH)
                    AuditEntry.objects.bulk_create(audit, batch_size=BATCH)
                stats["clocks"] += len(clocks)
                stats["audit"] += len(audit)
                done += len(batch)
                progress("orders (+ clocks, audit)", done, total)
        with transaction.atomic():
            numbers.save()
        self.counts["orders"] = done
        self.counts.update({f"orders {k}": v for k, v in stats.items()})

    def order_clocks(self, order, rules, reached: int, breach: bool) -> list[OrderClock]:
        """Open orders: the policy's clocks as sla.start_clocks would have left them (running
        ones past due already breached, as the sweep would have marked them). Closed orders:
        only a breached one gets a clock (its stopped, late REQ-5 / SVC-6 clock)."""
        open_ = order.status in OPEN
        if not rules or (not open_ and not breach):
            return []
        out = []
        for rule in rules:
            if rule.start_event not in EVENT_REACHED or rule.stop_event not in EVENT_REACHED:
                continue  # referral clocks start on their own
            if rule.stop_event == "forwarded":
                continue
            if rule.start_event == "received":
                start = order.received_at
            elif EVENT_REACHED[rule.start_event] <= reached:
                start = getattr(order, STEP_COLUMN[STEPS[EVENT_REACHED[rule.start_event] - 1]])
            else:
                continue
            stopped = EVENT_REACHED[rule.stop_event] <= reached
            if not open_ and not stopped:
                continue
            due = self.due(order.org_unit, rule, start)
            clock = OrderClock(
                order=order,
                rule_id=rule.rule_id,
                name=rule.name,
                stop_event=rule.stop_event,
                pausable=rule.pausable,
                started_at=start,
                due_at=due,
                warn_at=start + (due - start) * 0.8,
            )
            if stopped:
                stop_at = getattr(order, STEP_COLUMN[STEPS[EVENT_REACHED[rule.stop_event] - 1]])
                clock.state = ClockState.STOPPED
                clock.stopped_at = stop_at
                clock.breached = stop_at > due
            elif order.status in (Status.WAITING_PARTS, Status.WAITING_CUSTOMER) and rule.pausable:
                clock.state = ClockState.PAUSED
                clock.paused_at = order.started_at
            elif due < self.now:
                clock.breached = True
                clock.breached_at = due
            if clock.breached:
                clock.warned_at = clock.warn_at
            if not open_ and not clock.breached:
                continue  # a closed order keeps only its breached clock here
            out.append(clock)
        return out


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


_last_print = [0.0]


def progress(table: str, done: int, total: int) -> None:
    now = time.monotonic()
    if done == total or now - _last_print[0] > 5:
        _last_print[0] = now
        print(f"  {table}: {done}/{total}", flush=True)


def timed(label: str, fn, times: dict) -> None:
    t0 = time.monotonic()
    fn()
    times[label] = time.monotonic() - t0
    print(f"{label}: {times[label]:.1f} s", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; size {args.size}")
    times: dict[str, float] = {}
    t0 = time.monotonic()
    timed("migrate", lambda: call_command("migrate", verbosity=0), times)
    if not User.objects.exists():
        from aftersales.core.demo import load

        timed("demo", load, times)
    gen = Generator(args.size, args.seed)
    gen.prepare()
    timed("customers", gen.customers, times)
    timed("units", gen.units, times)
    timed("orders", gen.orders, times)
    # Planner statistics of the loaded rows, as the daily job (SQLite) or autovacuum (PG)
    # would gather them in a real installation.
    timed("analyze", lambda: connection.cursor().execute("ANALYZE"), times)
    total = time.monotonic() - t0
    for key, value in gen.counts.items():
        print(f"  {key}: {value}")
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
