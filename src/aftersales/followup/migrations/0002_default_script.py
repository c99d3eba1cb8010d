"""The default return-visit script (FUP-1) and sampling (every order; administrators edit)."""

from django.db import migrations

QUESTIONS = [
    (10, "您的问题是否已经解决？"),
    (20, "售后人员是否按约定时间到达？"),
    (30, "售后人员的服务态度如何？"),
    (40, "收费是否与报价一致、是否开具票据？"),
    (50, "您对本次服务还有什么意见或建议？"),
]


def create(apps, schema_editor):
    VisitQuestion = apps.get_model("followup", "VisitQuestion")
    if VisitQuestion.objects.exists():
        return
    for position, text in QUESTIONS:
        VisitQuestion.objects.create(position=position, text=text)


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
