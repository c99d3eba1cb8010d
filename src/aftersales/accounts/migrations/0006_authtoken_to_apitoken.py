"""Carry DRF's single authtoken keys over to accounts.ApiToken (SEC-4).

Each old key keeps working: it is stored as its SHA-256 with its first characters as the
prefix, expiring AFTERSALES_API_TOKEN_DAYS from now. Then the old table, which held the
keys in plain text, is dropped, and its migration records removed (rest_framework.authtoken
is no longer installed). On a new installation there is no old table and nothing to do.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LEGACY_TABLE = "authtoken_token"


def carry_over_authtokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if LEGACY_TABLE not in tables:
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    days = int(getattr(settings, "AFTERSALES_API_TOKEN_DAYS", 90))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('key')}, {qn('user_id')}, {qn('created')} FROM {qn(LEGACY_TABLE)}"
        )
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        if isinstance(created, str):  # SQLite hands back text when no converter applies
            created = dt.datetime.fromisoformat(created)
        if created is not None and timezone.is_naive(created):
            created = timezone.make_aware(created, dt.timezone.utc)
        ApiToken.objects.create(
            user_id=user_id,
            prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            created_at=created or now,
            expires_at=now + dt.timedelta(days=days),
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {qn(LEGACY_TABLE)}")
        cursor.execute(
            f"DELETE FROM {qn('django_migrations')} WHERE {qn('app')} = %s", ["authtoken"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_login_throttle_api_token"),
    ]

    operations = [
        migrations.RunPython(carry_over_authtokens, migrations.RunPython.noop, elidable=True),
    ]
