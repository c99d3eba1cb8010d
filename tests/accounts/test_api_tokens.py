"""The My account page's API tokens and the carry-over of the old tokens (SEC-4)."""

import hashlib
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_sec_4_my_account_issues_a_token_shown_once_and_lists_it(client_for, people, api_for):
    from aftersales.audit.models import AuditEntry

    c = client_for(people["agent"])
    resp = c.post("/org/me/api-token/", {"token-name": "Excel import"})
    assert resp.status_code == 200
    # Not cached anywhere on the way: the key is in this answer only.
    assert "no-store" in resp["Cache-Control"]
    html = resp.content.decode()
    key = resp.context["new_key"]
    assert key in html and "will not be shown again" in html
    token = ApiToken.objects.get(user=people["agent"])
    assert token.name == "Excel import" and key.startswith(token.prefix)
    assert AuditEntry.objects.filter(action="accounts.apitoken.issued").count() == 1
    # The page lists the token by its first characters; the key is not shown again.
    page = c.get("/org/me/").content.decode()
    assert f"{token.prefix}…" in page and key not in page
    # The page shows the expiry in the site's time zone (after 16:00 UTC that is the next day).
    expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d")
    assert "Excel import" in page and expires in page
    authorised = api_for()
    authorised.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert authorised.get("/api/org-units/").status_code == 200


def test_sec_4_my_account_revokes_one_token(client_for, people):
    from aftersales.accounts import services

    agent = people["agent"]
    keep, _key = services.issue_api_token(actor=agent, user=agent, name="keep")
    drop, _key = services.issue_api_token(actor=agent, user=agent, name="drop")
    c = client_for(agent)
    resp = c.post(f"/org/me/api-token/{drop.pk}/revoke/")
    assert resp.status_code == 302
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert drop.status() == "revoked" and keep.status() == "active"
    assert c.get(f"/org/me/api-token/{drop.pk}/revoke/").status_code == 405
    page = c.get("/org/me/").content.decode()
    assert "revoked" in page


def test_sec_4_a_too_long_label_is_a_form_error(client_for, people):
    resp = client_for(people["agent"]).post("/org/me/api-token/", {"token-name": "x" * 101})
    assert resp.status_code == 200
    assert resp.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_sec_4_old_authtoken_keys_are_carried_over_hashed(people):
    """Migration 0006: each old DRF key keeps working, stored only as its hash, and the old
    table with the plain keys is gone."""
    migration = importlib.import_module("aftersales.accounts.migrations.0006_authtoken_to_apitoken")
    from django.apps import apps

    old_key = "0123456789abcdef0123456789abcdef01234567"
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {qn('authtoken_token')} ({qn('key')} varchar(40) PRIMARY KEY, "
            f"{qn('created')} timestamp with time zone NOT NULL, {qn('user_id')} bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else f"CREATE TABLE {qn('authtoken_token')} ({qn('key')} varchar(40) PRIMARY KEY, "
            f"{qn('created')} datetime NOT NULL, {qn('user_id')} bigint NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {qn('authtoken_token')} VALUES (%s, %s, %s)",
            [old_key, "2026-01-02 03:04:05", people["agent"].pk],
        )
    # The migration uses only the schema editor's connection (a real one cannot open inside
    # the test's transaction on SQLite).
    editor = SimpleNamespace(connection=connection)
    migration.carry_over_authtokens(apps, editor)
    token = ApiToken.objects.get(user=people["agent"])
    assert token.key_hash == hashlib.sha256(old_key.encode()).hexdigest()
    assert token.prefix == old_key[:8] and token.created_at.year == 2026
    assert token.status() == "active"
    assert "authtoken_token" not in connection.introspection.table_names()
    # A new installation has no old table: nothing happens.
    migration.carry_over_authtokens(apps, editor)
    assert ApiToken.objects.count() == 1
