"""Shared fixtures: the demo organisation and its personas (STYLE.md §8)."""

import pytest
from rest_framework.test import APIClient

PERSONAS = {
    "admin": "admin",
    "agent": "kefu",
    "info_manager": "xinxi",
    "company_manager": "jingli",
    "finance": "caiwu",
    "keeper": "cangku",
    "engineer": "jishu",
    "branch_manager": "hz_zhuguan",
    "technician": "hz_jishi",
    "salesperson": "hz_xiaoshou",
    "outsider": "nj_zhuguan",  # manager of another branch
    "service_centre": "tyfw",
    "office": "bangongshi",
    "supervisor": "jiancha",
    "specialist": "tousu",
}


def pytest_configure(config):
    from django.conf import settings

    # Hashing is not what these tests check; keep it fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads of each test go to its own directory, so file names never collide."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """Tests read messages in English; the Chinese catalogue has its own tests.

    Personas are switched to English too (their own language wins on each request),
    and the site default stays zh-Hans as in production.
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    """The demo organisation: units, regions and one person per persona."""
    from aftersales.accounts import demo

    ctx: dict = {}
    demo.load(ctx)
    from aftersales.accounts.models import User

    User.objects.update(language="en")
    for user in ctx["people"].values():
        user.language = "en"
    return ctx


@pytest.fixture
def people(org):
    return {persona: org["people"][username] for persona, username in PERSONAS.items()}


@pytest.fixture
def client_for(client):
    """client_for(user) → a Django test client logged in as user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for():
    """api_for(user) → a DRF APIClient authenticated as user (None: anonymous)."""

    def make(user=None):
        c = APIClient(headers={"accept-language": "en"})  # the API follows Accept-Language
        if user is not None:
            c.force_authenticate(user)
        return c

    return make
