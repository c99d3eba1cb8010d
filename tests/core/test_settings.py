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


def _settings_with(env: dict) -> dict:
    """The settings module read afresh in a subprocess with ``env`` (read at import)."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, aftersales.settings as s;"
        "print(json.dumps({'CACHES': getattr(s, 'CACHES', None)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_cache_url_selects_a_shared_cache_for_the_rate_limits(tmp_path):
    """SEC-4: rate limits count in a cache every app process shares once CACHE_URL is set."""
    base = {"AFTERSALES_DATA_DIR": str(tmp_path)}
    assert _settings_with({**base, "CACHE_URL": ""})["CACHES"] is None  # Django's default
    db = _settings_with({**base, "CACHE_URL": "db"})["CACHES"]["default"]
    assert db["BACKEND"].endswith("DatabaseCache") and db["LOCATION"] == "aftersales_cache"
    redis = _settings_with({**base, "CACHE_URL": "redis://127.0.0.1:6379/2"})["CACHES"]
    assert redis["default"]["BACKEND"].endswith("RedisCache")
    assert redis["default"]["LOCATION"] == "redis://127.0.0.1:6379/2"
