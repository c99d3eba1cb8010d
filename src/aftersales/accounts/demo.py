"""Demo organisation: HQ with its departments, two branches, one service centre, every role."""

from aftersales.accounts import services
from aftersales.accounts.models import OrgUnit
from aftersales.core.demo import DEMO_PASSWORD

HQ_DEPARTMENTS = [
    ("HQ-SVC", "售后服务部"),
    ("HQ-CS", "营销中心客服"),
    ("HQ-MKT", "国内营销部"),
    ("HQ-INTL", "国际贸易部"),
    ("HQ-FIN", "财务部"),
    ("HQ-WH", "仓库"),
    ("HQ-PUR", "采购部"),
    ("HQ-TECH", "技术部"),
    ("HQ-PE", "产品工程部"),
    ("HQ-ADM", "事务部门"),
    ("HQ-SUP", "市场督查部"),
    ("HQ-SO", "销售办公室"),
]

# username, display name, unit code, region code, roles
PEOPLE = [
    ("kefu", "陈晓燕", "HQ-CS", None, ["customer_service"]),
    # HQ after-sales department: takes orders branches escalate (ORG-4, SVC-7 level 2).
    ("fuwubu", "孙立军", "HQ-SVC", None, ["customer_service"]),
    ("xinxi", "刘建华", "HQ-CS", None, ["information_manager"]),
    ("jingli", "王志强", "HQ", None, ["company_manager", "business_lead"]),
    ("caiwu", "赵丽", "HQ-FIN", None, ["finance", "finance_head"]),
    ("cangku", "孙国庆", "HQ-WH", None, ["warehouse_keeper"]),
    ("jishu", "周明", "HQ-TECH", None, ["technical_engineer"]),
    # Purchasing answers PRT-7 inquiries and gets the PRT-5 consumed-parts report.
    ("caigou", "林静", "HQ-WH", None, ["purchasing"]),
    ("hz_zhuguan", "吴海峰", "BR-HZ", "EAST-ZJ", ["branch_manager", "regional_head"]),
    ("hz_jishi", "郑伟", "BR-HZ", "EAST-ZJ", ["technician"]),
    ("hz_xiaoshou", "钱芳", "BR-HZ", "EAST-ZJ", ["salesperson"]),
    ("nj_zhuguan", "冯磊", "BR-NJ", "EAST-JS", ["branch_manager"]),
    ("tyfw", "何师傅", "SC-NB", "EAST-ZJ", ["technician"]),
    # The exchange chain (EXC-1) and complaint supervision (CMP-3, CMP-5).
    ("bangongshi", "黄敏", "HQ-SO", None, ["office_clerk"]),
    ("jiancha", "马骏", "HQ-SUP", None, ["market_supervisor"]),
    ("tousu", "许婷", "HQ-SUP", None, ["complaint_specialist"]),
]


def load(ctx: dict) -> None:
    # The top of the tree and the first administrator are set up by "system" (actor None).
    hq = services.save_org_unit(
        actor=None, code="HQ", name="总公司", kind=OrgUnit.Kind.HQ, address="上海市嘉定区安亭镇"
    )
    actor = services.create_user(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        roles=["administrator"],
        org_unit=hq,
        display_name="系统管理员",
        is_superuser=True,
    )
    ctx["admin"] = actor
    east = services.save_region(actor=actor, code="EAST", name="华东区")
    regions = {
        "EAST": east,
        "EAST-ZJ": services.save_region(actor=actor, code="EAST-ZJ", name="浙江", parent=east),
        "EAST-JS": services.save_region(actor=actor, code="EAST-JS", name="江苏", parent=east),
        "NORTH": services.save_region(actor=actor, code="NORTH", name="华北区"),
    }
    units = {"HQ": hq}
    for code, name in HQ_DEPARTMENTS:
        units[code] = services.save_org_unit(
            actor=actor, code=code, name=name, kind=OrgUnit.Kind.DEPARTMENT, parent=hq
        )
    units["BR-HZ"] = services.save_org_unit(
        actor=actor,
        code="BR-HZ",
        name="杭州分公司",
        kind=OrgUnit.Kind.BRANCH,
        parent=hq,
        region=regions["EAST-ZJ"],
        address="杭州市西湖区文三路 90 号",
        phone="0571-88001234",
    )
    units["BR-NJ"] = services.save_org_unit(
        actor=actor,
        code="BR-NJ",
        name="南京分公司",
        kind=OrgUnit.Kind.BRANCH,
        parent=hq,
        region=regions["EAST-JS"],
        address="南京市鼓楼区中山北路 30 号",
        phone="025-83001234",
    )
    units["SC-NB"] = services.save_org_unit(
        actor=actor,
        code="SC-NB",
        name="宁波特约服务中心",
        kind=OrgUnit.Kind.SERVICE_CENTRE,
        parent=units["BR-HZ"],
        region=regions["EAST-ZJ"],
        address="宁波市鄞州区天童南路 8 号",
    )
    people = {"admin": actor}
    for i, (username, name, unit, region, roles) in enumerate(PEOPLE):
        people[username] = services.create_user(
            actor=actor,
            username=username,
            password=DEMO_PASSWORD,
            roles=roles,
            org_unit=units[unit],
            region=regions.get(region) if region else None,
            display_name=name,
            phone=f"1390571{i:04d}",
        )
    ctx.update(regions=regions, units=units, people=people)
