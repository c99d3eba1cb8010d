"""Authentication hardening (issue 6 §5, SEC-4): lockout, API tokens, sessions, CSRF, rate
limits on the sign-in endpoints, and `manage.py check --deploy` under production settings."""

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from aftersales.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def login(client, username, password=DEMO_PASSWORD, addr="127.0.0.1"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=addr,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def form_errors(resp) -> list[str]:
    return [str(e) for e in resp.context["form"].non_field_errors()]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout ---------------------------------------------------------------------------------


def test_sec_4_five_wrong_passwords_lock_the_user_name_and_the_form_says_so(client, people):
    from aftersales.accounts.models import LoginThrottle
    from aftersales.audit.models import AuditEntry

    for _attempt in range(4):
        resp = login(client, "kefu", "wrong")
        assert resp.status_code == 200
        assert "correct" in form_errors(resp)[0]  # the usual "wrong user name or password"
    resp = login(client, "kefu", "wrong")  # the fifth failure locks
    assert "locked for 15 more minutes" in form_errors(resp)[0]
    # Now even the right password is refused, with the reason.
    resp = login(client, "kefu")
    assert resp.status_code == 200 and not signed_in(client)
    assert "Too many failed sign-ins with this user name" in form_errors(resp)[0]
    lock = LoginThrottle.objects.get(scope="username", key="kefu")
    assert lock.is_locked(timezone.now()) and lock.locks == 1
    entry = AuditEntry.objects.get(action="accounts.login.locked")
    assert entry.object_id == str(lock.pk) and entry.actor is None
    # Other people are not affected.
    assert login(Client(), "xinxi").status_code == 302


def test_sec_4_an_unknown_user_name_gets_the_same_answers(client, people):
    """The lock does not tell who has an account: same messages, same lock."""
    known, unknown = [], []
    for _attempt in range(6):
        known.append(form_errors(login(client, "kefu", "wrong"))[0])
        unknown.append(form_errors(login(client, "no-such-person", "wrong"))[0])
    assert known == unknown
    assert "Too many failed sign-ins with this user name" in unknown[-1]


def test_sec_4_failures_count_within_the_window_and_the_lock_ends(people, settings):
    from aftersales.accounts import services

    t0 = timezone.now()
    minute = dt.timedelta(minutes=1)
    for i in range(4):
        assert not services.note_login_failure("kefu", "", now=t0 + i * minute)
    # The window (15 minutes from the first failure) has passed: the count starts again.
    assert not services.note_login_failure("kefu", "", now=t0 + 16 * minute)
    for i in range(3):
        assert not services.note_login_failure("kefu", "", now=t0 + (17 + i) * minute)
    assert services.note_login_failure("kefu", "", now=t0 + 20 * minute)  # fifth in window
    assert services.login_refusal("kefu", now=t0 + 34 * minute)
    assert services.login_refusal("kefu", now=t0 + 35 * minute) is None  # 15 minutes later
    # Settings change the numbers.
    settings.AFTERSALES_LOGIN_MAX_FAILURES = 2
    settings.AFTERSALES_LOGIN_LOCKOUT_MINUTES = 60
    t1 = t0 + 40 * minute
    services.note_login_failure("xinxi", "", now=t1)
    assert services.note_login_failure("xinxi", "", now=t1)
    refusal = services.login_refusal("xinxi", now=t1)
    assert refusal.seconds == 3600 and "60 more minutes" in refusal.message
    settings.AFTERSALES_LOGIN_MAX_FAILURES = 0  # off
    for _attempt in range(10):
        assert not services.note_login_failure("caiwu", "", now=t1)


def test_sec_4_a_successful_sign_in_resets_the_count(client, people):
    for _attempt in range(4):
        login(client, "kefu", "wrong")
    assert login(client, "kefu").status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(4):
        login(client, "kefu", "wrong")
    assert login(client, "kefu").status_code == 302


def test_sec_4_failures_from_one_address_across_names_pause_that_address(people, settings):
    """A spray of guesses over many names is slowed per client address."""
    settings.AFTERSALES_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    c = Client()
    for name in ("kefu", "xinxi", "ghost"):
        login(c, name, "wrong", addr="198.51.100.7")
    resp = login(c, "caiwu", addr="198.51.100.7")  # right password, locked address
    assert resp.status_code == 200
    assert "Too many failed sign-ins from your network" in form_errors(resp)[0]
    assert login(Client(), "caiwu", addr="198.51.100.8").status_code == 302
    # An IPv6 client is counted by its /64 network.
    for suffix in ("1", "2", "3"):
        login(c, "ghost", "wrong", addr=f"2001:db8:1:2::{suffix}")
    assert "from your network" in form_errors(login(c, "caiwu", addr="2001:db8:1:2::99"))[0]
    assert login(Client(), "caiwu", addr="2001:db8:1:3::1").status_code == 302


def test_sec_4_the_token_endpoint_counts_and_refuses_too(api_for, people):
    c = api_for()
    for _attempt in range(4):
        resp = c.post(TOKEN, {"username": "kefu", "password": "wrong"})
        assert resp.status_code == 400
    resp = c.post(TOKEN, {"username": "kefu", "password": "wrong"})
    assert resp.status_code == 429
    resp = c.post(TOKEN, {"username": "kefu", "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert "Too many failed sign-ins with this user name" in resp.json()["detail"]
    assert 840 <= int(resp["Retry-After"]) <= 900
    # ... and the lock from the API holds on the login page.
    assert "locked" in form_errors(login(Client(), "kefu"))[0]


def test_sec_4_the_admin_site_login_counts_and_says_so(people):
    c = Client()
    for _attempt in range(5):
        c.post(
            "/admin/login/", {"username": "admin", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    resp = c.post(
        "/admin/login/", {"username": "admin", "password": DEMO_PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert resp.status_code == 200
    assert "Too many failed sign-ins" in resp.content.decode()


def test_sec_4_an_administrator_lifts_a_lock_in_the_admin_site(client_for, people):
    from aftersales.accounts.models import LoginThrottle
    from aftersales.audit.models import AuditEntry

    for _attempt in range(5):
        login(Client(), "kefu", "wrong")
    lock = LoginThrottle.objects.get(scope="username", key="kefu")
    admin = client_for(people["admin"])
    page = admin.get("/admin/accounts/loginthrottle/?locked=yes")
    assert page.status_code == 200 and "kefu" in page.content.decode()
    resp = admin.post(
        "/admin/accounts/loginthrottle/", {"action": "unlock", "_selected_action": [lock.pk]}
    )
    assert resp.status_code == 302
    lock.refresh_from_db()
    assert lock.locked_until is None
    entry = AuditEntry.objects.get(action="accounts.login.unlocked")
    assert entry.actor == people["admin"]
    assert login(Client(), "kefu").status_code == 302


def test_sec_4_unlocking_needs_the_right(people):
    from django.core.exceptions import PermissionDenied

    from aftersales.accounts import services
    from aftersales.accounts.roles import ROLES_BY_CODE

    for _attempt in range(5):
        services.note_login_failure("kefu", "")
    with pytest.raises(PermissionDenied):
        services.unlock_user_login(actor=people["agent"], user=people["agent"])
    assert "accounts.unlock_login" in ROLES_BY_CODE["administrator"].permissions
    assert services.unlock_user_login(actor=people["admin"], user=people["agent"])
    assert services.login_refusal("kefu") is None
    assert not services.unlock_user_login(actor=people["admin"], user=people["agent"])


def test_sec_4_the_user_admin_lifts_a_persons_lock(client_for, people):
    from aftersales.accounts import services

    for _attempt in range(5):
        services.note_login_failure("kefu", "")
    resp = client_for(people["admin"]).post(
        "/admin/accounts/user/",
        {"action": "lift_login_lock", "_selected_action": [people["agent"].pk]},
    )
    assert resp.status_code == 302
    assert services.login_refusal("kefu") is None


def test_sec_4_the_sweep_forgets_old_counts_but_not_locks(people):
    from aftersales.accounts import services
    from aftersales.accounts.models import LoginThrottle
    from aftersales.core import periodic

    t0 = timezone.now() - dt.timedelta(hours=1)
    services.note_login_failure("old", "203.0.113.9", now=t0)
    for _attempt in range(5):
        services.note_login_failure("locked", "")
    assert "accounts.login_throttles" in periodic.jobs()
    assert periodic.run_all()["accounts.login_throttles"] == 2  # "old" and its address
    assert list(LoginThrottle.objects.values_list("key", flat=True)) == ["locked"]


# --- API tokens --------------------------------------------------------------------------------


def token_client(api_for, key):
    c = api_for()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def test_sec_4_the_token_endpoint_issues_a_hashed_expiring_token(api_for, people):
    import hashlib

    from aftersales.accounts.models import ApiToken

    resp = api_for().post(TOKEN, {"username": "kefu", "password": DEMO_PASSWORD, "name": "ERP"})
    assert resp.status_code == 200
    body = resp.json()
    key = body["token"]
    token = ApiToken.objects.get(user=people["agent"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert body["prefix"] == token.prefix == key[:8] and token.name == "ERP"
    assert len(key) >= 40
    days = (token.expires_at - token.created_at).days
    assert days == django_settings.AFTERSALES_API_TOKEN_DAYS == 90
    # The key is nowhere in the database (only its hash).
    for row in ApiToken.objects.values():
        assert key not in {str(v) for v in row.values()}
    assert token_client(api_for, key).get("/api/org-units/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_sec_4_a_person_has_several_tokens_each_revocable(api_for, people):
    from aftersales.accounts import services

    agent = people["agent"]
    first, key1 = services.issue_api_token(actor=agent, user=agent, name="one")
    _second, key2 = services.issue_api_token(actor=agent, user=agent, name="two")
    services.revoke_api_token(actor=agent, token=first)
    resp = token_client(api_for, key1).get("/api/org-units/")
    assert resp.status_code == 401
    assert "revoked" in resp.json()["detail"]
    assert resp["WWW-Authenticate"] == "Token"
    assert token_client(api_for, key2).get("/api/org-units/").status_code == 200


def test_sec_4_an_expired_token_is_refused_with_a_clear_message(api_for, people, settings):
    from aftersales.accounts import services

    agent = people["agent"]
    settings.AFTERSALES_API_TOKEN_DAYS = 7
    token, key = services.issue_api_token(
        actor=agent, user=agent, now=timezone.now() - dt.timedelta(days=8)
    )
    resp = token_client(api_for, key).get("/api/org-units/")
    assert resp.status_code == 401
    assert "expired" in resp.json()["detail"]
    assert token.status() == "expired"


def test_sec_4_unknown_tokens_and_deactivated_people_get_401(api_for, people):
    from aftersales.accounts import services

    agent = people["agent"]
    _token, key = services.issue_api_token(actor=agent, user=agent)
    assert token_client(api_for, "x" * 40).get("/api/org-units/").status_code == 401
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert token_client(api_for, key).get("/api/org-units/").status_code == 401


def test_sec_4_only_an_administrator_revokes_someone_elses_token(client_for, people):
    from django.core.exceptions import PermissionDenied

    from aftersales.accounts import services
    from aftersales.audit.models import AuditEntry

    agent = people["agent"]
    token, _key = services.issue_api_token(actor=agent, user=agent)
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(actor=people["finance"], token=token)
    resp = client_for(people["finance"]).post(f"/org/me/api-token/{token.pk}/revoke/")
    assert resp.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    services.revoke_api_token(actor=people["admin"], token=token)
    token.refresh_from_db()
    assert token.revoked_by == people["admin"]
    entry = AuditEntry.objects.get(action="accounts.apitoken.revoked")
    assert entry.actor == people["admin"] and "key_hash" not in entry.changes


def test_sec_4_the_admin_site_revokes_tokens(client_for, people):
    from aftersales.accounts import services
    from aftersales.accounts.models import ApiToken

    agent = people["agent"]
    token, _key = services.issue_api_token(actor=agent, user=agent)
    admin = client_for(people["admin"])
    page = admin.get("/admin/accounts/apitoken/?status=active")
    assert page.status_code == 200 and token.prefix in page.content.decode()
    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    # The user admin revokes all of a person's tokens at once.
    services.issue_api_token(actor=agent, user=agent)
    services.issue_api_token(actor=agent, user=agent)
    admin.post(
        "/admin/accounts/user/", {"action": "revoke_api_tokens", "_selected_action": [agent.pk]}
    )
    assert not ApiToken.objects.filter(user=agent).active().exists()


def test_sec_4_tokens_do_not_pile_up(people):
    from aftersales.accounts import services
    from aftersales.core.exceptions import ServiceError

    agent = people["agent"]
    for _i in range(services.MAX_ACTIVE_TOKENS):
        services.issue_api_token(actor=agent, user=agent)
    with pytest.raises(ServiceError):
        services.issue_api_token(actor=agent, user=agent)


def test_sec_4_the_token_endpoint_is_rate_limited_per_address(api_for, people, settings):
    settings.AFTERSALES_API_TOKEN_RATE = "2/h"
    c = api_for()
    for _attempt in range(2):
        assert c.post(TOKEN, {"username": "kefu", "password": DEMO_PASSWORD}).status_code == 200
    resp = c.post(TOKEN, {"username": "kefu", "password": DEMO_PASSWORD})
    assert resp.status_code == 429 and int(resp["Retry-After"]) > 0
    other = api_for()
    resp = other.post(
        TOKEN, {"username": "kefu", "password": DEMO_PASSWORD}, REMOTE_ADDR="198.51.100.20"
    )
    assert resp.status_code == 200


def test_sec_4_the_token_endpoint_is_in_the_openapi_schema(api_for, people):
    schema = api_for(people["agent"]).get("/api/schema/").content.decode()
    assert "/api/auth/token/:" in schema
    assert "auth_token_create" in schema
    assert "tokenAuth" in schema


# --- sessions --------------------------------------------------------------------------------


def test_sec_4_a_session_ends_after_session_cookie_age(client, people, monkeypatch):
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    resp = login(client, "kefu")
    cookie = resp.cookies[django_settings.SESSION_COOKIE_NAME]
    # A browser-session cookie: no expiry date, so it goes when the browser closes.
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"]
    assert client.get("/").status_code == 200
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(hours=7, minutes=59))
    assert client.get("/").status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(hours=8, seconds=5))
    resp = client.get("/")
    assert resp.status_code == 302 and resp.url.startswith(LOGIN)


# --- CSRF ------------------------------------------------------------------------------------

# Views that may skip Django's CSRF check, and why. DRF's APIView is csrf_exempt as a whole:
# its SessionAuthentication enforces CSRF itself, and token-authenticated calls carry no
# cookie to forge. Anything else needs an entry here.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {}


def walk(patterns, prefix=""):
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_sec_4_csrf_middleware_is_on_and_only_api_views_are_exempt():
    from django.urls import get_resolver
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.views import APIView

    assert "django.middleware.csrf.CsrfViewMiddleware" in django_settings.MIDDLEWARE
    exempt, checked = [], 0
    for route, callback in walk(get_resolver().url_patterns):
        checked += 1
        if not getattr(callback, "csrf_exempt", False):
            continue
        view_class = getattr(callback, "cls", None)
        if view_class and issubclass(view_class, APIView):
            for auth in view_class().get_authenticators():
                # Session auth must be DRF's, which enforces CSRF.
                if "session" in type(auth).__name__.lower():
                    assert isinstance(auth, SessionAuthentication), route
            continue
        if route not in CSRF_EXEMPT_ALLOWED:
            exempt.append(route)
    assert checked > 100
    assert exempt == []


def test_sec_4_a_session_api_post_without_the_csrf_token_is_refused(people):
    c = Client(enforce_csrf_checks=True)
    c.force_login(people["agent"])
    resp = c.post("/api/customers/", {}, content_type="application/json")
    assert resp.status_code == 403
    assert "CSRF" in resp.json()["detail"]
    # With the token (as htmx and the pages send it) the CSRF check passes.
    c.get("/")
    token = c.cookies[django_settings.CSRF_COOKIE_NAME].value
    resp = c.post("/api/customers/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert resp.status_code == 400


def test_sec_4_forms_without_the_csrf_token_are_refused(people):
    c = Client(enforce_csrf_checks=True)
    assert c.post(LOGIN, {"username": "kefu", "password": DEMO_PASSWORD}).status_code == 403
    c.force_login(people["agent"])
    assert c.post("/org/me/", {"language": "en"}).status_code == 403
    assert c.post("/org/me/api-token/", {}).status_code == 403


# --- production settings ---------------------------------------------------------------------


def run_deploy_check(tmp_path, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="aftersales.settings",
        AFTERSALES_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="service.example.com",
        DEBUG="0",
        HTTPS="1",
        PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
    )
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sec_4_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
    # The check does look: without HTTPS the secure-cookie and HSTS warnings come back.
    plain = run_deploy_check(tmp_path, HTTPS="0")
    assert plain.returncode != 0
    assert set(re.findall(r"security\.W\d+", plain.stdout + plain.stderr)) >= {
        "security.W004",
        "security.W012",
    }
