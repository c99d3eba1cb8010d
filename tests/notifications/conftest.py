"""Fixtures of the notification tests: SMS kept in memory, a helper to make notifications."""

import pytest

from aftersales.notifications.models import Notification, Topic
from aftersales.notifications.sms import MemoryBackend


@pytest.fixture
def sms_outbox(settings):
    """SMS go to MemoryBackend.outbox instead of the log."""
    settings.AFTERSALES_SMS_BACKEND = "aftersales.notifications.sms.MemoryBackend"
    MemoryBackend.outbox = []
    yield MemoryBackend.outbox
    MemoryBackend.outbox = []


@pytest.fixture
def note_for():
    """note_for(user, **fields) → a notification row written directly (tests only)."""

    def make(user, **fields):
        values = {"topic": Topic.SLA_WARNING, "title": "Deadline soon", "url": "/orders/1/"}
        return Notification.objects.create(recipient=user, **{**values, **fields})

    return make
