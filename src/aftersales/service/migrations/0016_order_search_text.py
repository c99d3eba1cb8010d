from django.db import migrations, models

from aftersales.service.search import CreateOrderSearchIndex, search_text


def fill_search_text(apps, schema_editor):
    """The search column of the orders already there (service/search.py)."""
    ServiceOrder = apps.get_model("service", "ServiceOrder")
    batch = []
    for order in ServiceOrder.objects.select_related("customer", "unit").iterator(
        chunk_size=2000
    ):
        order.search_text = search_text(order)
        batch.append(order)
        if len(batch) >= 2000:
            ServiceOrder.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        ServiceOrder.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0015_service_statistics_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="serviceorder",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        CreateOrderSearchIndex(),
    ]
