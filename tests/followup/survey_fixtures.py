"""Fixtures of the survey tests (FUP-2, FUP-3, FUP-6). Import the names into a test module:
``from tests.followup.survey_fixtures import …``."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from aftersales.followup import surveys
from aftersales.followup.models import Survey
from aftersales.notifications.sms import MemoryBackend

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE_URL = "https://fw.example.cn"
LINK = re.compile(re.escape(BASE_URL) + r"/survey/([A-Za-z0-9_-]+)/")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def outbox(settings):
    """The customer SMS sent (phone, text); links are absolute on BASE_URL."""
    settings.AFTERSALES_SMS_BACKEND = "aftersales.notifications.sms.MemoryBackend"
    settings.AFTERSALES_PUBLIC_BASE_URL = BASE_URL
    settings.AFTERSALES_SURVEY_SEND_AT = "10:00"
    settings.AFTERSALES_SURVEY_VALID_DAYS = 30
    MemoryBackend.outbox = []
    return MemoryBackend.outbox


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The rate-limit counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def tokens_in(outbox) -> list[str]:
    return [m.group(1) for _phone, text in outbox for m in [LINK.search(text)] if m]


@pytest.fixture
def send_now(outbox, django_capture_on_commit_callbacks):
    """send_now(survey) → the survey's token: the job run at its send time (the SMS really
    goes out through the backend after the commit)."""

    def send(survey: Survey) -> str:
        before = len(outbox)
        with django_capture_on_commit_callbacks(execute=True):
            surveys.send_due_surveys(survey.send_at)
        tokens = tokens_in(outbox[before:])
        assert len(tokens) == 1, outbox[before:]
        return tokens[0]

    return send


GOOD = {"attitude": 5, "skill": 5, "punctuality": 4, "promises": 5}
BAD = {"attitude": 2, "skill": 3, "punctuality": 1, "promises": 2}


@pytest.fixture
def sent_survey(completed_order, send_now):
    """(survey, token) of the completed order, sent."""
    survey = Survey.objects.get(order=completed_order)
    token = send_now(survey)
    survey.refresh_from_db()
    return survey, token
