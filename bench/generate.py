"""Benchmark dataset generator (issue 7): customers, units, warranties, service orders and
what their lives left behind — SLA clocks, the history (one audit row per step), site
visits, parts lines, return visits and satisfaction surveys — written as plain rows in
batches (COPY on PostgreSQL, executemany on SQLite) with the tables' secondary indexes
dropped during the load and built once at the end.

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
import hashlib
import json
import os
import random
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftersales.accounts.models import OrgUnit, User  # noqa: E402
from aftersales.audit.models import AuditEntry  # noqa: E402
from aftersales.core import calendar as cal  # noqa: E402
from aftersales.core.models import DocumentCounter  # noqa: E402
from aftersales.customers.models import Customer  # noqa: E402
from aftersales.fieldwork.models import SiteVisit  # noqa: E402
from aftersales.followup.models import ReturnVisit, Survey  # noqa: E402
from aftersales.followup.surveys import SATISFIED_FROM  # noqa: E402
from aftersales.parts.models import Part, PartLine  # noqa: E402
from aftersales.products.models import ProductModel, Unit, Warranty  # noqa: E402
from aftersales.service import search  # noqa: E402
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


STEP_ACTION = {
    Status.DISPATCHED: "dispatch",
    Status.CONTACTED: "contact",
    Status.PLANNED: "plan",
    Status.IN_PROGRESS: "start",
    Status.COMPLETED: "complete",
    Status.CLOSED: "close",
}
# The service order columns orders() writes, in its order.
ORDER_FIELDS = (
    "id number status order_type channel org_unit_id customer_id unit_id contact_name "
    "contact_phone address description fault_type_id quality_problem received_at received_by_id "
    "service_kind service_kind_reason sla_policy_id technician_id plan_mode diagnosis "
    "waiting_reason result signer_name signed_at cancel_reason dispatched_at contacted_at "
    "planned_at started_at completed_at closed_at next_due_at sla_breached search_text "
    "created_at updated_at created_by_id updated_by_id"
)


# The history rows' "changes", as JSON text per (before, after).
STATUS_CHANGE: dict[tuple, str] = {}


class OrderRow:
    """What search_text() and the clock planning read of an order being generated."""

    dispatched_at = contacted_at = planned_at = started_at = completed_at = closed_at = None

    def __init__(self, **values):
        self.__dict__.update(values)


def _converter(field, vendor: str):
    """How a Python value becomes what the database driver takes, where it differs."""
    if isinstance(field, models.JSONField):
        # A str is JSON already (the history rows' changes are built as text: faster).
        return lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    if vendor != "sqlite":
        return None  # psycopg's COPY adapts dates, times and decimals itself
    if isinstance(field, models.DateTimeField):
        # As Django stores them on SQLite (naive UTC, ISO with a space), without its checks.
        return lambda v: v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return str
    return None


class Table:
    """One table's rows as tuples, written BATCH at a time: COPY on PostgreSQL, one
    executemany INSERT on SQLite. bulk_create builds and checks a model instance per row,
    too slow for the ten million rows of L. Columns not named get the field's default;
    primary keys are handed out here (take_id) so other tables can point at a row before
    it is written."""

    def __init__(self, model, fields: str, with_id: bool = True, parents: tuple = ()):
        # Tables this one points at, flushed first: the foreign keys are checked at commit.
        self.parents = parents
        meta = model._meta
        named = [meta.get_field(name) for name in fields.split()]
        if with_id and not named[0].primary_key:
            raise ValueError(f"{model.__name__}: the id comes first")
        skip = {f.column for f in named} | (set() if with_id else {meta.pk.column})
        rest = [f for f in meta.concrete_fields if f.column not in skip]
        self.model, self.width = model, len(named)
        self.defaults = tuple(
            fn(value) if (fn := _converter(f, connection.vendor)) and value is not None else value
            for f in rest
            for value in [f.get_default()]
        )
        self.convert = [
            (i, fn) for i, f in enumerate(named) if (fn := _converter(f, connection.vendor))
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in named + rest)
        table = quote(meta.db_table)
        # Names from the models' metadata only, nothing of a user's.
        if connection.vendor == "postgresql":
            self.sql = "COPY " + table + " (" + columns + ") FROM STDIN"
        else:
            marks = ", ".join(["%s"] * (len(named) + len(rest)))
            self.sql = "INSERT INTO " + table + " (" + columns + ") VALUES (" + marks + ")"  # nosec B608
        self.rows: list[tuple] = []
        self.count = 0
        self.next_id = (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        self.with_id = with_id

    def take_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def add(self, *values) -> None:
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for parent in self.parents:
            parent.flush()
        if not self.rows:
            return
        rows = []
        for values in self.rows:
            if len(values) != self.width:
                raise ValueError(f"{self.model.__name__}: {len(values)} values, not {self.width}")
            if self.convert:
                row = list(values)
                for i, fn in self.convert:
                    if row[i] is not None:
                        row[i] = fn(row[i])
                rows.append((*row, *self.defaults))
            else:
                rows.append((*values, *self.defaults))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)
        self.count += len(rows)
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.with_id and connection.vendor == "postgresql":
            # The ids were ours: move the identity sequence past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                    cursor.execute(sql)


LOADED = [
    Customer,
    Unit,
    Warranty,
    ServiceOrder,
    OrderClock,
    AuditEntry,
    SiteVisit,
    PartLine,
    ReturnVisit,
    Survey,
]


@contextmanager
def loading():
    """Without the secondary indexes of the loaded tables (and SQLite's search triggers):
    building an index once over the loaded rows is much faster than keeping it row by
    row. Unique constraints stay on PostgreSQL; SQLite's unique indexes are rebuilt too
    (a duplicate would make that fail loudly)."""
    tables = [m._meta.db_table for m in LOADED]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                "WHERE k.conindid = to_regclass(quote_ident(i.indexname)))",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # No per-row foreign key triggers during the load (a superuser may): the
                # generator writes parents first and only ids it took, so nothing dangles.
                cursor.execute("SET session_replication_role = replica")
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND sql IS NOT NULL AND tbl_name IN (" + marks + ")",  # nosec B608 — placeholders
                tables,
            )
            indexes = cursor.fetchall()
            cursor.execute("PRAGMA synchronous = OFF")
            for sql in search._drop_sql("sqlite")[:1]:  # the insert trigger
                cursor.execute(sql)
        for name, _sql in indexes:
            cursor.execute("DROP INDEX " + connection.ops.quote_name(name))
    print(f"  {len(indexes)} indexes dropped for the load", flush=True)
    try:
        yield
    finally:
        t0 = time.monotonic()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, sql in indexes:
                cursor.execute(sql)
            if connection.vendor == "sqlite":
                for sql in search._create_sql("sqlite"):  # rebuilds the search table
                    cursor.execute(sql)
                cursor.execute("PRAGMA synchronous = FULL")
        print(f"  indexes rebuilt: {time.monotonic() - t0:.1f} s", flush=True)


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
        """The counters of the days touched: replaced in two statements, not one per day."""
        DocumentCounter.objects.filter(series=self.series, day__in=self.touched).delete()
        DocumentCounter.objects.bulk_create(
            [DocumentCounter(series=self.series, day=d, last=self.last[d]) for d in self.touched],
            batch_size=BATCH,
        )


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
        self.parts = [
            (pk, Decimal(self.rng.randrange(20, 800)))
            for pk in Part.objects.filter(is_active=True)
            .order_by("code")
            .values_list("pk", flat=True)
        ]
        finance = User.objects.filter(is_active=True).with_permission("parts.sign_partline").first()
        self.finance = finance.pk if finance else None

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
        table = Table(
            Customer,
            "id code name kind entity phone address service_tier region_id owner_unit_id "
            "created_at updated_at created_by_id updated_by_id",
        )
        # (pk, owner unit, region, tier, name, phone, address)
        self.customer_rows: list[tuple] = []
        agent = self.agent.pk
        for done in range(1, total + 1):
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
            pk, phone, address, t = table.take_id(), self.phone(), self.address(), tier()
            table.add(
                pk,
                numbers.take(timezone.localtime(created).date()),
                name,
                k,
                "company" if company else "person",
                phone,
                address,
                t,
                unit.region_id,
                unit.pk,
                created,
                created,
                agent,
                agent,
            )
            self.customer_rows.append((pk, unit.pk, unit.region_id, t, name, phone, address))
            if done % BATCH == 0 or done == total:
                progress("customers", done, total)
        table.close()
        with transaction.atomic():
            numbers.save()
        self.counts["customers"] = total

    def units(self) -> None:
        r, total = self.rng, self.n["units"]
        offset = Unit.objects.count()
        units = Table(
            Unit,
            "id serial_number product_model_id batch production_date sale_date invoice_date "
            "delivery_date owner_id installation_address created_at updated_at created_by_id "
            "updated_by_id",
        )
        warranties = Table(
            Warranty,
            "id unit_id kind start_date end_date scope created_at updated_at",
            parents=(units,),
        )
        # (pk, owner index, warranty end, installation address, serial number)
        self.unit_rows: list[tuple] = []
        agent = self.agent.pk
        for done in range(1, total + 1):
            model = r.choice(self.models)
            owner = r.randrange(len(self.customer_rows))
            c = self.customer_rows[owner]
            sold = self.when().date()
            delivered = sold + dt.timedelta(days=r.randint(0, 20))
            produced = sold - dt.timedelta(days=r.randint(10, 180))
            created = dt.datetime.combine(delivered, dt.time(10), self.tz)
            address = c[6] if r.random() < 0.9 else self.address()
            serial = f"{model.code.replace('-', '')}-{sold.year}-B{offset + done:07d}"
            pk = units.take_id()
            units.add(
                pk,
                serial,
                model.pk,
                f"{produced:%Y%m}-{r.randint(1, 9):02d}",
                produced,
                sold,
                sold,
                delivered,
                c[0],
                address,
                created,
                created,
                agent,
                agent,
            )
            end = add_months(delivered, model.warranty_months or 12) - dt.timedelta(days=1)
            warranties.add(
                warranties.take_id(),
                pk,
                "standard",
                delivered,
                end,
                model.warranty_scope,
                created,
                created,
            )
            self.unit_rows.append((pk, owner, end, address, serial))
            if done % BATCH == 0 or done == total:
                progress("units (+ warranties)", done, total)
        units.close()
        warranties.close()
        self.counts["units"] = total
        self.counts["warranties"] = total

    def orders(self) -> None:
        """Orders with what their life left behind: the SLA clocks (open orders, and the
        late clock of a breached closed one), one audit row per step (the order's history),
        site visits, parts lines, return visits and satisfaction surveys."""
        r, total = self.rng, self.n["orders"]
        numbers = Numbers("SO", 6)
        order_type = weighted(r, ORDER_TYPES)
        channel = weighted(r, CHANNELS)
        open_state = weighted(r, OPEN_STATES)
        by_pk = {u.pk: u for u in self.branches}
        ct = ContentType.objects.get_for_model(ServiceOrder).pk
        agent = self.agent.pk
        names = dict(User.objects.values_list("pk", "username"))
        orders = Table(ServiceOrder, ORDER_FIELDS)
        clocks = Table(
            OrderClock,
            "id order_id rule_id name stop_event pausable started_at due_at warn_at state "
            "stopped_at paused_at breached breached_at warned_at",
            parents=(orders,),
        )
        audit = Table(
            AuditEntry,
            "at actor_id actor_name action content_type_id object_id object_repr changes",
            with_id=False,
        )
        visits = Table(
            SiteVisit,
            "id order_id technician_id checked_in_at checked_out_at note created_at updated_at "
            "created_by_id updated_by_id",
            parents=(orders,),
        )
        lines = Table(
            PartLine,
            "id order_id part_id quantity status user_caused charge_rule unit_price amount "
            "old_part_required requested_by_id signed_by_id signed_at payment created_at "
            "updated_at created_by_id updated_by_id",
            parents=(orders,),
        )
        calls = Table(
            ReturnVisit,
            "id order_id status due_at next_call_at attempts answers done_at done_by_id late "
            "created_at updated_at",
            parents=(orders,),
        )
        surveys = Table(
            Survey,
            "id kind token_hash customer_id order_id technician_id phone send_at sent_at "
            "expires_at answered_at channel attitude skill punctuality promises score "
            "satisfied created_at updated_at",
            parents=(orders,),
        )
        stats = dict.fromkeys(("open", "closed", "completed", "cancelled", "breached"), 0)
        try:
            for done in range(1, total + 1):
                x = r.random()
                # ~4 % open (the last days), ~2 % completed awaiting close (the last two months),
                # ~3 % cancelled, the rest closed.
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
                gaps = [dt.timedelta(minutes=r.randint(lo, hi)) for lo, hi in STEP_GAPS[:reached]]
                # ~1 % late: dispatched after the 12 h of REQ-5.
                breach = reached >= 1 and r.random() < 0.01
                if breach:
                    gaps[0] = dt.timedelta(minutes=r.randint(13 * 60, 20 * 60))
                # Every step in the past: open orders up to now (their numbers continue today's
                # counter), the others before today.
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
                in_warranty = unit_row is not None and received.date() <= unit_row[2]
                kind = "free" if in_warranty and typ in ("repair", "exchange") else "paid"
                o = OrderRow(
                    id=orders.take_id(),
                    number=numbers.take(timezone.localtime(received).date()),
                    status=status,
                    org_unit=org_unit,
                    received_at=received,
                    contact_name=cust[4],
                    contact_phone=cust[5],
                    description=r.choice(FAULT_PREFIXES) + fault,
                )
                at = received
                for step, gap in zip(STEPS, gaps, strict=False):
                    at = at + gap
                    setattr(o, STEP_COLUMN[step], at)
                technician = r.choice(self.technicians[org_unit.pk]) if reached else None
                result = r.choice(RESULTS) if reached >= 5 else ""
                on_site = reached >= 3 and typ != "consultation"
                made_clocks = self.order_clocks(o, rules, reached, breach)
                orders.add(
                    o.id,
                    o.number,
                    status,
                    typ,
                    channel(),
                    org_unit.pk,
                    cust[0],
                    unit_row[0] if unit_row else None,
                    o.contact_name,
                    o.contact_phone,
                    unit_row[3] if unit_row else cust[6],
                    o.description,
                    (
                        r.choice(self.fault_types).pk
                        if typ == "repair" and self.fault_types
                        else None
                    ),
                    quality,
                    received,
                    agent,
                    kind,
                    "保修期内" if kind == "free" else "保修期外，收费服务",
                    policy.pk if policy else None,
                    technician,
                    ("on_site" if on_site else "phone") if reached >= 3 else "",
                    fault if reached >= 3 else "",
                    (
                        ("等待配件到货" if status == Status.WAITING_PARTS else "客户暂不在家")
                        if status in (Status.WAITING_PARTS, Status.WAITING_CUSTOMER)
                        else ""
                    ),
                    result,
                    cust[4] if reached >= 5 else "",
                    o.completed_at if reached >= 5 else None,
                    "客户已自行解决，取消服务" if status == Status.CANCELLED else "",
                    o.dispatched_at,
                    o.contacted_at,
                    o.planned_at,
                    o.started_at,
                    o.completed_at,
                    o.closed_at,
                    # The queue columns sla.refresh_due() keeps, from the clocks.
                    min((c[6] for c in made_clocks if c[8] == ClockState.RUNNING), default=None),
                    any(c[11] for c in made_clocks),
                    # The work queue's search column, as services keep it (service/search.py).
                    search_text(o, customer_name=cust[4], serial=unit_row[4] if unit_row else ""),
                    received,
                    at,
                    agent,
                    agent,
                )
                stats[status if status in stats else "open"] += 1
                stats["breached"] += any(c[11] for c in made_clocks)
                for clock in made_clocks:
                    clocks.add(clocks.take_id(), *clock)

                # The history: one audit row per step, by whoever took it.
                def event(when, actor, action, before, after, order=o):
                    audit.add(
                        when,
                        actor,
                        names.get(actor, ""),
                        f"service.order.{action}",
                        ct,
                        str(order.id),
                        order.number,
                        STATUS_CHANGE.get((before, after))
                        or STATUS_CHANGE.setdefault(
                            (before, after), json.dumps({"status": [before, after]})
                        ),
                    )

                event(received, agent, "received", None, "received")
                previous = "received"
                for step in STEPS[:reached]:
                    action = STEP_ACTION[step]
                    by = agent if action in ("dispatch", "close") else technician or agent
                    event(getattr(o, STEP_COLUMN[step]), by, action, previous, step.value)
                    previous = step.value
                if status in (Status.WAITING_PARTS, Status.WAITING_CUSTOMER):
                    action = "wait_parts" if status == Status.WAITING_PARTS else "wait_customer"
                    moment = min(o.started_at + dt.timedelta(minutes=30), self.now)
                    event(moment, technician or agent, action, "in_progress", status.value)
                if status == Status.CANCELLED:
                    event(
                        received + dt.timedelta(hours=2), agent, "cancel", "received", "cancelled"
                    )

                # Work on site: one visit from arrival to completion (or still there).
                if on_site and reached >= 4 and technician:
                    out = o.completed_at or None
                    if out is not None:
                        visits.add(
                            visits.take_id(),
                            o.id,
                            technician,
                            o.started_at,
                            out,
                            result,
                            o.started_at,
                            out,
                            technician,
                            technician,
                        )
                # Parts: a quarter of the repairs that reached work need one or two.
                if typ == "repair" and reached >= 4 and self.parts and r.random() < 0.25:
                    for _ in range(r.choice((1, 1, 1, 2))):
                        part, price = r.choice(self.parts)
                        quantity = 1
                        free = kind == "free"
                        line_status = "used" if reached >= 5 else "issued"
                        signed = o.started_at + dt.timedelta(minutes=r.randint(20, 240))
                        lines.add(
                            lines.take_id(),
                            o.id,
                            part,
                            quantity,
                            line_status,
                            False,
                            "b" if free else "paid",
                            price,
                            Decimal("0.00") if free else price * quantity,
                            False,
                            technician,
                            self.finance,
                            signed,
                            "none" if free else "paid",
                            o.started_at,
                            signed,
                            technician,
                            self.finance,
                        )
                # Follow-up of closed orders: a return visit (FUP-1) and for some a survey (FUP-2).
                if status == Status.CLOSED:
                    due = o.completed_at + dt.timedelta(hours=24)
                    answered = r.random() < 0.85
                    called = due - dt.timedelta(minutes=r.randint(10, 600))
                    calls.add(
                        calls.take_id(),
                        o.id,
                        (
                            ("satisfied" if r.random() < 0.93 else "not_satisfied")
                            if answered
                            else "unreachable"
                        ),
                        due,
                        called,
                        1 if answered else 3,
                        [],
                        called,
                        agent,
                        False,
                        o.completed_at,
                        called,
                    )
                    if r.random() < 0.2:
                        send = o.completed_at + dt.timedelta(hours=r.randint(1, 20))
                        replied = r.random() < 0.5
                        marks = (
                            [r.choice((5, 5, 5, 4, 4, 3, 2)) for _ in range(4)] if replied else []
                        )
                        score = (
                            (Decimal(sum(marks)) / 4).quantize(Decimal("0.01")) if replied else None
                        )
                        surveys.add(
                            surveys.take_id(),
                            "order",
                            # Unique per order, so a second run's surveys do not collide.
                            hashlib.sha256(f"bench survey {o.id}".encode()).hexdigest(),
                            cust[0],
                            o.id,
                            technician,
                            cust[5],
                            send,
                            send,
                            send + dt.timedelta(days=7),
                            send + dt.timedelta(hours=r.randint(1, 48)) if replied else None,
                            "web" if replied else "",
                            *(marks or (None,) * 4),
                            score,
                            (score >= SATISFIED_FROM) if replied else None,
                            send,
                            send,
                        )
                if done % BATCH == 0 or done == total:
                    progress("orders (+ clocks, history, visits, parts, follow-up)", done, total)
            for table in (orders, clocks, audit, visits, lines, calls, surveys):
                table.close()
        finally:
            # Also after a failure: the batches written keep their numbers taken.
            with transaction.atomic():
                numbers.save()
        self.counts["orders"] = total
        self.counts.update({f"orders {k}": v for k, v in stats.items()})
        self.counts.update(
            {
                "order clocks": clocks.count,
                "audit rows (history)": audit.count,
                "site visits": visits.count,
                "parts lines": lines.count,
                "return visits": calls.count,
                "surveys": surveys.count,
            }
        )

    def order_clocks(self, order, rules, reached: int, breach: bool) -> list[tuple]:
        """Open orders: the policy's clocks as sla.start_clocks would have left them (running
        ones past due already breached, as the sweep would have marked them). Closed orders:
        only a breached one gets a clock (its stopped, late REQ-5 / SVC-6 clock).

        Rows of the clocks table without id, as Table "clocks" in orders() lists them."""
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
            state, stopped_at, paused_at, breached, breached_at = (
                ClockState.RUNNING,
                None,
                None,
                False,
                None,
            )
            if stopped:
                stop_at = getattr(order, STEP_COLUMN[STEPS[EVENT_REACHED[rule.stop_event] - 1]])
                state, stopped_at, breached = ClockState.STOPPED, stop_at, stop_at > due
            elif order.status in (Status.WAITING_PARTS, Status.WAITING_CUSTOMER) and rule.pausable:
                state, paused_at = ClockState.PAUSED, order.started_at
            elif due < self.now:
                breached, breached_at = True, due
            if not open_ and not breached:
                continue  # a closed order keeps only its breached clock here
            warn_at = start + (due - start) * 0.8
            out.append(
                (
                    order.id,
                    rule.rule_id,
                    rule.name,
                    rule.stop_event,
                    rule.pausable,
                    start,
                    due,
                    warn_at,
                    state,
                    stopped_at,
                    paused_at,
                    breached,
                    breached_at,
                    warn_at if breached else None,
                )
            )
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
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; size {args.size}")
    times: dict[str, float] = {}
    t0 = time.monotonic()
    timed("migrate", lambda: call_command("migrate", verbosity=0), times)
    if not User.objects.exists():
        from aftersales.core.demo import load

        timed("demo", load, times)
    gen = Generator(args.size, args.seed)
    gen.prepare()
    with loading():
        timed("customers", gen.customers, times)
        timed("units", gen.units, times)
        timed("orders", gen.orders, times)
    # Planner statistics of the loaded rows (and PostgreSQL's visibility map), as the daily
    # job (SQLite) or autovacuum (PostgreSQL) would gather them in a real installation.
    statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    timed("analyze", lambda: connection.cursor().execute(statement), times)
    total = time.monotonic() - t0
    for key, value in gen.counts.items():
        print(f"  {key}: {value}")
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
