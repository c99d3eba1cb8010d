from django.db import migrations

# Issue 7: the share of each page of the orders' table left free when rows are written.
# The sweep's UPDATE of an order's sla_breached (no indexed column changes) is then a HOT
# update — one new row version on the same page and no new entry in any of the table's
# indexes (two of them GIN indexes of the search text) — while the page has room for it.
# 80 keeps room for two versions of an order's row (about 600 bytes): the one a pruning
# of the page has not yet reclaimed and the new one. PostgreSQL only; rows written
# before keep their pages as they are (full, when loaded by COPY) until rewritten.
FILLFACTOR = 80


def _set(schema_editor, value):
    if schema_editor.connection.vendor != "postgresql":
        return
    if value is None:
        schema_editor.execute("ALTER TABLE service_serviceorder RESET (fillfactor)")
    else:
        schema_editor.execute(f"ALTER TABLE service_serviceorder SET (fillfactor = {int(value)})")


def forwards(apps, schema_editor):
    _set(schema_editor, FILLFACTOR)


def backwards(apps, schema_editor):
    _set(schema_editor, None)


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0018_order_search_bigrams"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
