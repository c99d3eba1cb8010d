from django.conf import settings
from django.db import connection


def test_it_defaults_to_shanghai_time_and_chinese():
    """CAL-2: times shown in Asia/Shanghai, stored in UTC; zh-Hans first."""
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_it_uses_a_strong_password_hasher_in_production_settings():
    from aftersales import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where WAL does not apply; the file database uses it.
    assert mode in ("wal", "memory")
    assert settings.DATABASES["default"]["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
