"""Issue 3 §10 (notifications): WeChat messages next to SMS, for the topics the site lists
(AFTERSALES_WECHAT_TOPICS), to people with a WeChat ID, through the class the site names
(AFTERSALES_WECHAT_BACKEND); failures logged and never breaking the caller."""

import logging

import pytest

from aftersales.notifications import services
from aftersales.notifications.models import Notification, Topic
from aftersales.notifications.wechat import LogBackend, MemoryBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat_outbox(settings):
    """WeChat messages go to MemoryBackend.outbox instead of the log."""
    settings.AFTERSALES_WECHAT_BACKEND = "aftersales.notifications.wechat.MemoryBackend"
    settings.AFTERSALES_WECHAT_TOPICS = ["sla.escalated", "order.assigned"]
    MemoryBackend.outbox = []
    yield MemoryBackend.outbox
    MemoryBackend.outbox = []


@pytest.fixture
def tech(people):
    """The technician, with a WeChat ID."""
    user = people["technician"]
    user.wechat_id = "ZhengWei"
    user.save(update_fields=["wechat_id"])
    return user


def test_svc_7_an_escalation_reaches_a_person_with_a_wechat_id(
    tech, wechat_outbox, django_capture_on_commit_callbacks, settings
):
    """Issue 3 §10 (notifications), SVC-7: an escalation goes out by WeChat to the person's
    WeChat ID, with the title and the full link, after the transaction commits."""
    settings.AFTERSALES_PUBLIC_BASE_URL = "https://service.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            [tech], topic=Topic.SLA_ESCALATED, title="Overdue, level 1", url="/orders/7/"
        )
        assert wechat_outbox == []  # nothing leaves before the transaction commits
    assert wechat_outbox == [("ZhengWei", "Overdue, level 1 https://service.example.com/orders/7/")]


def test_an_assigned_order_reaches_a_person_with_a_wechat_id(
    tech, wechat_outbox, django_capture_on_commit_callbacks
):
    """Issue 3 §10 (notifications): the technician hears by WeChat of an order given to
    them (order.assigned is in the default topics)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech], topic=Topic.ORDER_ASSIGNED, title="Order assigned to you")
    assert wechat_outbox == [("ZhengWei", "Order assigned to you")]


def test_svc_7_a_person_without_a_wechat_id_gets_no_wechat_message(
    tech, people, wechat_outbox, django_capture_on_commit_callbacks
):
    """Issue 3 §10 (notifications), SVC-7: of two people told of an escalation, only the
    one with a WeChat ID gets a WeChat message; the other still has it in the inbox."""
    manager = people["branch_manager"]
    assert manager.wechat_id == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech, manager], topic=Topic.SLA_ESCALATED, title="Overdue, level 1")
    assert [recipient for recipient, _text in wechat_outbox] == ["ZhengWei"]
    sent = dict(Notification.objects.values_list("recipient__username", "wechat_sent_at"))
    assert sent["hz_jishi"] is not None and sent["hz_zhuguan"] is None


def test_a_topic_not_in_the_list_is_not_sent_by_wechat(
    tech, wechat_outbox, django_capture_on_commit_callbacks, settings
):
    """Issue 3 §10 (notifications): a warning is not in the topics, so it stays in the
    inbox (and e-mail); the topics are a setting."""
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech], topic=Topic.SLA_WARNING, title="Deadline soon")
    assert wechat_outbox == []
    assert Notification.objects.get(topic=Topic.SLA_WARNING).wechat_sent_at is None
    settings.AFTERSALES_WECHAT_TOPICS = ["sla.warning"]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech], topic=Topic.ORDER_ASSIGNED, title="Order assigned to you")
        services.notify([tech], topic=Topic.SLA_WARNING, title="Deadline soon, again")
    assert wechat_outbox == [("ZhengWei", "Deadline soon, again")]


class BrokenBackend:
    def send(self, recipient_id, text):
        raise ConnectionError("WeChat API down")


def test_svc_7_a_failed_wechat_message_is_logged_and_the_notification_is_kept(
    tech, settings, caplog, django_capture_on_commit_callbacks
):
    """Issue 3 §10 (notifications), SVC-7: the WeChat API failing is logged; the escalation
    is still in the inbox and free to be sent again."""
    settings.AFTERSALES_WECHAT_BACKEND = "tests.notifications.test_wechat.BrokenBackend"
    settings.AFTERSALES_WECHAT_TOPICS = ["sla.escalated"]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify([tech], topic=Topic.SLA_ESCALATED, title="Overdue")
    note = Notification.objects.get(pk=made[0].pk)
    assert note.recipient == tech and note.wechat_sent_at is None
    assert "wechat_sent_at" in caplog.text and "failed" in caplog.text
    # a backend that cannot even be loaded is logged the same way
    settings.AFTERSALES_WECHAT_BACKEND = "no.such.Backend"
    caplog.clear()
    services.deliver([note.pk])
    assert "WeChat backend cannot be loaded" in caplog.text
    assert Notification.objects.filter(pk=note.pk).exists()


def test_svc_7_the_wechat_sent_time_is_recorded_and_sent_once(
    tech, wechat_outbox, django_capture_on_commit_callbacks
):
    """Issue 3 §10 (notifications), SVC-7: the time the escalation went out by WeChat is
    kept; delivering again (a second worker) sends nothing more."""
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify([tech], topic=Topic.SLA_ESCALATED, title="Overdue, level 1")
    note = Notification.objects.get(pk=made[0].pk)
    assert note.wechat_sent_at is not None
    services.deliver([note.pk])
    assert len(wechat_outbox) == 1
    note.refresh_from_db()
    assert note.wechat_sent_at is not None


def test_the_default_backend_only_writes_to_the_log(caplog):
    """Issue 3 §10 (notifications): LogBackend, the default, sends nothing and logs it."""
    with caplog.at_level(logging.INFO, logger="aftersales.notifications.wechat"):
        LogBackend().send("ZhengWei", "Overdue")
    assert "WeChat to ZhengWei: Overdue" in caplog.text
