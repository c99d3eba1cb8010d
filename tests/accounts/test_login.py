import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The token endpoint's rate limit counts in the cache, which outlives a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_it_redirects_anonymous_to_login(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.url.startswith("/accounts/login/")


def test_it_logs_in_and_out(client, people):
    from aftersales.core.demo import DEMO_PASSWORD

    resp = client.post("/accounts/login/", {"username": "kefu", "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_it_rejects_a_wrong_password_with_a_message(client, people):
    resp = client.post("/accounts/login/", {"username": "kefu", "password": "wrong"})
    assert resp.status_code == 200
    assert "alert-danger" in resp.content.decode()


def test_it_changes_password(client_for, people):
    c = client_for(people["agent"])
    from aftersales.core.demo import DEMO_PASSWORD

    resp = c.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Zx9!long-pass",
            "new_password2": "Zx9!long-pass",
        },
    )
    assert resp.status_code == 302
    people["agent"].refresh_from_db()
    assert people["agent"].check_password("Zx9!long-pass")


def test_it_saves_the_language_choice_and_audits_it(client_for, people):
    from aftersales.audit.models import AuditEntry

    c = client_for(people["agent"])
    resp = c.post("/org/me/", {"language": "en"})
    assert resp.status_code == 302
    people["agent"].refresh_from_db()
    assert people["agent"].language == "en"
    assert AuditEntry.objects.filter(action="accounts.user.language_changed").exists()
    assert "My account" in c.get("/org/me/").content.decode()


def test_org_3_403_page_says_why(client_for, people):
    resp = client_for(people["technician"]).get("/org/people/")
    assert resp.status_code == 403
    assert "accounts.view_user" in resp.content.decode()


def test_api_requires_authentication(api_for):
    assert api_for().get("/api/org-units/").status_code in (401, 403)


def test_org_3_api_lists_units_within_reach(api_for, people, org):
    resp = api_for(people["outsider"]).get("/api/org-units/")
    assert resp.status_code == 200
    codes = {u["code"] for u in resp.json()["results"]}
    assert "BR-NJ" in codes and "BR-HZ" not in codes


def test_openapi_schema_is_served(api_for, people):
    resp = api_for(people["agent"]).get("/api/schema/")
    assert resp.status_code == 200
    assert b"/api/org-units/" in resp.content


def test_sec_4_api_token_obtained_used_and_revoked(api_for, client_for, people):
    from aftersales.accounts.models import ApiToken
    from aftersales.audit.models import AuditEntry
    from aftersales.core.demo import DEMO_PASSWORD

    resp = api_for().post("/api/auth/token/", {"username": "kefu", "password": DEMO_PASSWORD})
    assert resp.status_code == 200
    key = resp.json()["token"]
    c = api_for()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert c.get("/api/org-units/").status_code == 200
    token = ApiToken.objects.get(user=people["agent"])
    client_for(people["agent"]).post(f"/org/me/api-token/{token.pk}/revoke/")
    assert c.get("/api/org-units/").status_code == 401
    assert AuditEntry.objects.filter(action="accounts.apitoken.revoked").exists()


def test_sec_4_token_request_with_wrong_password_is_400(api_for, people):
    resp = api_for().post("/api/auth/token/", {"username": "kefu", "password": "nope"})
    assert resp.status_code == 400
    assert "non_field_errors" in resp.json()
