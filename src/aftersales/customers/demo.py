"""Demo customers: 50 dealers, retailers, agents and end users with contacts (CUS-1, CUS-5).

Deterministic (seeded), written through the services so each file has its history.
"""

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError

from aftersales.core.validators import USCC_CHARS, normalize_phone, uscc_check_char
from aftersales.customers import services
from aftersales.customers.models import Customer

SEED = 20261123

# Owning unit → (cities: name, districts, landline area code, division code, region code)
AREAS = {
    "BR-HZ": [
        ("杭州市", ["西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "萧山区"], "0571", "330100"),
        ("绍兴市", ["越城区", "柯桥区"], "0575", "330600"),
        ("嘉兴市", ["南湖区", "秀洲区"], "0573", "330400"),
        ("湖州市", ["吴兴区"], "0572", "330500"),
    ],
    "SC-NB": [
        ("宁波市", ["鄞州区", "海曙区", "江北区", "北仑区", "镇海区"], "0574", "330200"),
    ],
    "BR-NJ": [
        ("南京市", ["鼓楼区", "玄武区", "秦淮区", "建邺区", "江宁区"], "025", "320100"),
        ("苏州市", ["姑苏区", "吴中区", "工业园区"], "0512", "320500"),
        ("无锡市", ["梁溪区", "滨湖区"], "0510", "320200"),
    ],
    "HQ-CS": [
        ("上海市", ["嘉定区", "浦东新区", "闵行区", "松江区"], "021", "310000"),
        ("北京市", ["朝阳区", "海淀区", "丰台区"], "010", "110000"),
        ("天津市", ["河西区", "滨海新区"], "022", "120000"),
    ],
}
CITY_REGION = {"上海市": "EAST", "北京市": "NORTH", "天津市": "NORTH"}
# Who files the customers of each unit (their own unit's people; HQ's information manager).
FILED_BY = {"BR-HZ": "hz_zhuguan", "SC-NB": "hz_zhuguan", "BR-NJ": "nj_zhuguan", "HQ-CS": "xinxi"}
UNIT_PLAN = ["BR-HZ"] * 18 + ["SC-NB"] * 8 + ["BR-NJ"] * 14 + ["HQ-CS"] * 10

STREETS = [
    "文一路",
    "学院路",
    "解放路",
    "中山路",
    "人民路",
    "建设路",
    "新华路",
    "长江路",
    "环城北路",
    "科技大道",
    "工业路",
    "湖滨路",
    "青年路",
    "和平路",
    "振兴路",
]
BRAND_WORDS = [
    "恒通",
    "华源",
    "瑞丰",
    "鑫达",
    "宏远",
    "嘉禾",
    "信诚",
    "永安",
    "金桥",
    "东升",
    "锦程",
    "泰和",
    "盛世",
    "万达",
    "启明",
    "创新",
    "汇丰",
    "佳美",
    "润泽",
    "天成",
    "海纳",
    "明辉",
    "德信",
    "宇通",
    "安居",
    "百川",
    "众和",
    "联创",
    "兴业",
    "长青",
]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建国",
    "海燕",
    "志刚",
    "丽华",
    "晓东",
    "文博",
    "佳怡",
    "子涵",
    "国强",
    "春梅",
    "振华",
    "雪梅",
    "宏伟",
    "玉兰",
    "俊杰",
    "美玲",
]
MOBILE_PREFIXES = [
    "139",
    "138",
    "137",
    "136",
    "135",
    "158",
    "159",
    "186",
    "187",
    "188",
    "133",
    "153",
    "180",
    "177",
    "150",
    "151",
]
INTERESTS = ["钓鱼", "茶道", "羽毛球", "书法", "摄影", "登山", "围棋", "太极拳", "骑行", "足球"]

KIND_PLAN = (
    [(Customer.Kind.DEALER, Customer.Entity.COMPANY)] * 10
    + [(Customer.Kind.RETAILER, Customer.Entity.COMPANY)] * 10
    + [(Customer.Kind.AGENT, Customer.Entity.COMPANY)] * 8
    + [(Customer.Kind.END_USER, Customer.Entity.COMPANY)] * 8
    + [(Customer.Kind.END_USER, Customer.Entity.PERSON)] * 14
)
COMPANY_PATTERNS = {
    Customer.Kind.DEALER: [
        ("{city}{brand}暖通设备有限公司", "空气能热水器、热泵机组的区域经销、安装与售后"),
        ("{city}{brand}机电设备经销有限公司", "热水及采暖设备批发经销，下设安装队"),
        ("{city}{brand}节能科技有限公司", "节能热水工程设计、设备经销及维保"),
    ],
    Customer.Kind.RETAILER: [
        ("{brand}电器商行", "家用热水器、小家电零售"),
        ("{city}{brand}家电卖场有限公司", "家电零售门店 3 家，负责送货安装"),
        ("{brand}五金电器店", "五金、卫浴及热水器零售"),
    ],
    Customer.Kind.AGENT: [
        ("{city}{brand}商贸有限公司", "受托代理本公司产品在当地的销售与售后协调"),
        ("{city}{brand}工程服务有限公司", "受托代理工程项目投标、安装与维修服务"),
    ],
    Customer.Kind.END_USER: [
        ("{city}{brand}大酒店有限公司", "酒店集中热水系统使用单位"),
        ("{city}{brand}食品有限公司", "工厂员工宿舍及生产线热水使用单位"),
        ("{city}{brand}物业管理有限公司", "住宅小区公共热水设备使用及管理"),
        ("{city}{brand}养老服务有限公司", "养老公寓热水与采暖设备使用单位"),
    ],
}
COMPANY_POSITIONS = [
    "总经理",
    "采购经理",
    "售后负责人",
    "设备科科长",
    "后勤主管",
    "店长",
    "财务经理",
]


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714: 8 digits + its check character)."""
    body = "".join(rng.choice("0123456789") for _i in range(8))
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, division: str, *, individual: bool = False) -> str:
    """A well-formed unified social credit code (GB 32100-2015) with a valid check char."""
    first17 = ("92" if individual else "91") + division + _org_code(rng)
    assert all(c in USCC_CHARS for c in first17)
    return first17 + uscc_check_char(first17)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    for _attempt in range(100):
        number = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _i in range(8))
        try:
            return normalize_phone(number)
        except ValidationError:
            continue
    raise RuntimeError("no valid mobile number found")


def _landline(rng: random.Random, area: str) -> str:
    """A landline that the phone rules accept (local number plans differ by city)."""
    for attempt in range(100):
        length = 7 if attempt % 2 else 8  # e.g. Huzhou (0572) has 7-digit local numbers
        number = f"{area}-{rng.choice('2568')}" + "".join(
            rng.choice("0123456789") for _i in range(length - 1)
        )
        try:
            return normalize_phone(number)
        except ValidationError:
            continue
    raise RuntimeError(f"no valid landline found for area code {area}")


def load(ctx: dict) -> None:
    rng = random.Random(SEED)
    units, regions, people = ctx["units"], ctx["regions"], ctx["people"]
    unit_plan = UNIT_PLAN[:]
    kind_plan = KIND_PLAN[:]
    rng.shuffle(unit_plan)
    rng.shuffle(kind_plan)
    brands = BRAND_WORDS[:]
    rng.shuffle(brands)
    used_names: set[str] = set()
    customers: list[Customer] = []
    for i, (unit_code, (kind, entity)) in enumerate(zip(unit_plan, kind_plan, strict=True)):
        city, districts, area, division = rng.choice(AREAS[unit_code])
        district = rng.choice(districts)
        address = f"{city}{district}{rng.choice(STREETS)}{rng.randint(1, 399)}号"
        unit = units[unit_code]
        region = regions[CITY_REGION[city]] if city in CITY_REGION else unit.region
        actor = people.get(FILED_BY[unit_code], ctx["admin"])
        fields = {
            "kind": kind,
            "entity": entity,
            "address": address,
            "owner_unit": unit,
            "region": region,
            "service_tier": rng.choice(["A", "B", "B", "C"]),
            "relationship": rng.choice(["active", "active", "active", "core", "prospect"]),
            "credit": rng.choice(["good", "good", "fair", "unknown"]),
        }
        if entity == Customer.Entity.COMPANY:
            name_pattern, business = rng.choice(COMPANY_PATTERNS[kind])
            brand = brands[i % len(brands)]
            name = name_pattern.format(city=city.removesuffix("市"), brand=brand)
            if name in used_names:
                name = name_pattern.format(city=district.removesuffix("区"), brand=brand)
            used_names.add(name)
            individual = name.endswith(("商行", "店"))
            fields.update(
                name=name,
                credit_code=make_uscc(rng, division, individual=individual),
                phone=_landline(rng, area) if rng.random() < 0.7 else _mobile(rng),
                business_content=business,
                credit_limit=Decimal(rng.choice([0, 20000, 50000, 100000, 200000, 500000])),
            )
            if kind == Customer.Kind.DEALER:
                fields.update(service_tier=rng.choice(["A", "A", "B"]))
        else:
            name = _person_name(rng)
            fields.update(
                name=name,
                phone=_mobile(rng),
                business_content="家用空气能热水器用户",
                service_tier=rng.choice(["B", "C", "C"]),
                relationship="active",
            )
        customer = services.create_customer(actor=actor, **fields)
        _add_contacts(rng, customer, actor, area)
        customers.append(customer)

    # A little history: the information manager re-rates one file and closes one (CUS-3).
    info_manager = people.get("xinxi", ctx["admin"])
    services.update_customer(
        actor=info_manager,
        customer=customers[0],
        service_tier="A",
        relationship="core",
        notes="年度评审：升为核心客户",
    )
    closing = next(c for c in customers[1:] if c.kind == Customer.Kind.RETAILER)
    services.update_customer(actor=info_manager, customer=closing, relationship="ended")
    closing = services.deactivate_customer(
        actor=info_manager, customer=closing, reason="门店已关闭"
    )
    ctx["customers"] = [Customer.objects.get(pk=c.pk) for c in customers]


def _add_contacts(rng: random.Random, customer: Customer, actor, area: str) -> None:
    if customer.entity == Customer.Entity.PERSON:
        services.add_contact(
            actor=actor,
            customer=customer,
            name=customer.name,
            position="本人",
            phone=customer.phone,
            is_primary=True,
        )
        if rng.random() < 0.4:
            services.add_contact(
                actor=actor,
                customer=customer,
                name=customer.name[0] + rng.choice(GIVEN),
                position="家属",
                phone=_mobile(rng),
            )
        return
    positions = rng.sample(COMPANY_POSITIONS, 3)
    for n in range(rng.randint(1, 3)):
        extra = {}
        if rng.random() < 0.3:
            extra["birthday"] = datetime.date(rng.randint(1965, 1995), rng.randint(1, 12), 15)
        if rng.random() < 0.3:
            extra["interests"] = rng.choice(INTERESTS)
        if extra:
            # SEC-3: kept only with the person's consent and its purpose.
            extra.update(personal_consent=True, consent_purpose="生日问候、客户联谊活动邀请")
        services.add_contact(
            actor=actor,
            customer=customer,
            name=_person_name(rng),
            position=positions[n],
            phone=_mobile(rng) if n == 0 or rng.random() < 0.6 else _landline(rng, area),
            is_primary=n == 0,
            **extra,
        )
