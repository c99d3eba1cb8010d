from django.db import migrations

from aftersales.service.search import CreateOrderBigramIndex


class Migration(migrations.Migration):
    """Issue 7: two-character Chinese queries answered from an index on PostgreSQL."""

    dependencies = [
        ("service", "0017_order_phone_status_index"),
    ]

    operations = [CreateOrderBigramIndex()]
