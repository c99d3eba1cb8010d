"""The default SLA policies: the limits of SVC-6, REQ-5 and REQ-7 with their default values."""

from decimal import Decimal

from django.db import migrations

COMMON = [
    # rule id, name, amount, unit, start, stop, pausable
    ("REQ-5", "派工", "12", "hours", "received", "dispatched", False),
    ("SVC-1", "联系客户", "12", "hours", "dispatched", "contacted", False),
    ("SVC-2", "提出处理方案", "24", "hours", "dispatched", "planned", False),
    ("SVC-6", "答复客户", "24", "hours", "received", "contacted", False),
    ("SVC-6P", "一般处理完成", "3", "working_days", "received", "completed", True),
]
POLICIES = [
    ("标准时限", "", 100, True, COMMON),
    ("安装时限", "installation", 50, False, [*COMMON, ("REQ-7", "上门安装", "2", "days", "received", "started", False)]),
]


def create(apps, schema_editor):
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    SlaClockRule = apps.get_model("service", "SlaClockRule")
    for name, order_type, rank, is_default, rules in POLICIES:
        policy, created = SlaPolicy.objects.get_or_create(
            name=name, defaults={"order_type": order_type, "rank": rank, "is_default": is_default}
        )
        if not created:
            continue
        for rule_id, rule_name, amount, unit, start, stop, pausable in rules:
            SlaClockRule.objects.create(
                policy=policy,
                rule_id=rule_id,
                name=rule_name,
                amount=Decimal(amount),
                unit=unit,
                start_event=start,
                stop_event=stop,
                pausable=pausable,
            )


class Migration(migrations.Migration):
    dependencies = [("service", "0002_sla")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
