"""Default complaint classes (CMP-4): content and severity, each with its deadlines."""

from decimal import Decimal

from django.db import migrations

CLASSES = [
    # name, severity, report within hours, resolve within working days, tell GM, written reply
    ("服务态度", "ordinary", "24", 3, False, False),
    ("服务时效", "ordinary", "24", 3, False, False),
    ("收费争议", "serious", "8", 3, False, True),
    ("维修质量", "serious", "8", 3, False, True),
    ("产品质量", "serious", "8", 5, False, True),
    ("安全事故 / 人身财产损害", "severe", "2", 2, True, True),
    ("媒体曝光 / 投诉信函", "severe", "2", 2, True, True),
    ("意见与建议", "ordinary", "48", 5, False, False),
]


def create(apps, schema_editor):
    ComplaintClass = apps.get_model("complaints", "ComplaintClass")
    for name, severity, hours, days, tell, reply in CLASSES:
        ComplaintClass.objects.get_or_create(
            name=name,
            defaults={
                "severity": severity,
                "report_hours": Decimal(hours),
                "resolve_working_days": days,
                "notify_company_manager": tell,
                "written_reply_required": reply,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
