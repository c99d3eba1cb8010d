"""Default fault types (EXC-5 counts repairs of the same fault); administrators edit them."""

from django.db import migrations

FAULTS = [
    # code, name, performance fault (三包)
    ("F01", "不通电 / 无法启动", True),
    ("F02", "异响 / 振动", True),
    ("F03", "漏水 / 漏油", True),
    ("F04", "控制系统故障", True),
    ("F05", "性能不达标", True),
    ("F06", "零部件损坏", True),
    ("F90", "人为损坏 / 使用不当", False),
    ("F91", "安装问题", False),
    ("F99", "其他", False),
]


def create(apps, schema_editor):
    FaultType = apps.get_model("service", "FaultType")
    for code, name, performance in FAULTS:
        FaultType.objects.get_or_create(
            code=code, defaults={"name": name, "performance_fault": performance}
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0012_fault_types")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
