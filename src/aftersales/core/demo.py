"""Demo data: a believable company (HQ, 2 branches, 1 service centre, every role).

Each app contributes a ``demo.load(ctx)``; ctx is a dict they share (org units,
people, customers …). Everything is written through services, so the demo data
carries its audit trail like real data does.
"""

from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import translation

# The published demo password (bandit B105: meant to be known).
DEMO_PASSWORD = "demo-2026"  # nosec B105

# (username, what they are) — printed by `aftersales serve` and shown in the README.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "系统管理员 administrator (superuser)"),
    ("kefu", "总部客服 HQ customer service agent"),
    ("fuwubu", "总部售后服务部调度 HQ after-sales dept dispatcher"),
    ("xinxi", "信息管理员 information manager"),
    ("jingli", "总经理 company manager"),
    ("caiwu", "财务 finance"),
    ("cangku", "仓库保管员 warehouse keeper"),
    ("jishu", "技术部工程师 technical engineer"),
    ("caigou", "采购员 purchasing"),
    ("hz_zhuguan", "杭州分公司主管 Hangzhou branch manager"),
    ("hz_jishi", "杭州分公司售后技师 Hangzhou technician"),
    ("hz_xiaoshou", "杭州分公司销售员 Hangzhou salesperson"),
    ("nj_zhuguan", "南京分公司主管 Nanjing branch manager"),
    ("tyfw", "特约服务中心 authorised service centre staff"),
    ("bangongshi", "销售办公室 sales office clerk (exchange check)"),
    ("jiancha", "市场督查 market supervisor"),
    ("tousu", "投诉专员 complaint specialist"),
]

DEMO_MODULES = [
    "aftersales.accounts.demo",
    "aftersales.core.calendar_demo",
    "aftersales.customers.demo",
    "aftersales.products.demo",
    "aftersales.service.demo",
    "aftersales.fieldwork.demo",
    "aftersales.leads.demo",
    "aftersales.parts.demo",
    "aftersales.parts.demo_traffic",
    "aftersales.charges.demo",
    "aftersales.followup.demo",
    "aftersales.complaints.demo",
    "aftersales.exchanges.demo",
    # Last: a person's data rights need their orders, surveys and complaints (SEC-3).
    "aftersales.customers.privacy_demo",
]


def load() -> dict:
    ctx: dict = {}
    # Written in the site's language, as an agent would have: notes in the audit trail read
    # in Chinese in the demo company.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for path in DEMO_MODULES:
            try:
                module = import_module(path)
            except ModuleNotFoundError as exc:
                if exc.name == path:
                    continue  # that app has no demo data yet
                raise
            module.load(ctx)
    return ctx
