"""The default pre-visit checklist (SVC-5, from S4 §4.1.2-3 and S3 §2.2-2): what the
technician checks before leaving. The administrator edits the list afterwards."""

from django.db import migrations

BOTH = "on_site,depot"
ON_SITE = "on_site"
ITEMS = [
    # text, plan modes, required
    ("已与客户约定上门时间并核对地址", ON_SITE, True),
    ("已了解故障情况，确定需调换的配件", BOTH, True),
    ("必备工具、配件已带齐（工具箱、配件袋）", BOTH, True),
    ("配送型号与送货单 / 出库单型号一致", BOTH, True),
    ("穿戴统一整洁的工作服、工作帽，佩戴胸卡", ON_SITE, True),
    ("服务意见卡、留言卡、服务单已携带", ON_SITE, True),
    ("鞋套、垫布两块、抹布、垃圾袋已携带", ON_SITE, True),
    ("带回交接单已携带（可能需带回维修时）", BOTH, False),
]


def create(apps, schema_editor):
    ChecklistItem = apps.get_model("fieldwork", "ChecklistItem")
    if ChecklistItem.objects.exists():
        return
    for rank, (text, modes, required) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.create(
            text=text, plan_modes=modes, required=required, rank=rank * 10
        )


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
