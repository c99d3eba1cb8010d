"""SVC-7 notifications: one inbox row per person, e-mail when they have an address, SMS for
escalations only, failures logged and never breaking the caller; reading is the
recipient's alone."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from aftersales.notifications import services
from aftersales.notifications.models import Notification, Topic

pytestmark = pytest.mark.django_db


def test_svc_7_notify_writes_one_row_per_distinct_active_recipient(people):
    # given the same person twice, an inactive person and a missing one
    people["outsider"].is_active = False
    people["outsider"].save(update_fields=["is_active"])
    tech, manager = people["technician"], people["branch_manager"]
    # when
    made = services.notify(
        [tech, manager, tech, people["outsider"], None],
        topic=Topic.SLA_WARNING,
        title="Deadline soon",
        body="SVC-1",
        url="/orders/7/",
    )
    # then
    assert sorted(n.recipient.username for n in made) == ["hz_jishi", "hz_zhuguan"]
    assert Notification.objects.count() == 2
    assert services.notify([], topic=Topic.SLA_WARNING, title="x") == []


def test_svc_7_each_person_reads_the_notification_in_their_own_language(people):
    tech, manager = people["technician"], people["branch_manager"]
    tech.language = "zh-hans"
    tech.save(update_fields=["language"])
    services.notify([tech, manager], topic=Topic.SLA_WARNING, title=gettext_lazy("Customers"))
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"hz_jishi": "客户", "hz_zhuguan": "Customers"}


def test_svc_7_an_email_goes_to_people_with_an_address_after_commit(
    people, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.AFTERSALES_PUBLIC_BASE_URL = "https://service.example.com"
    tech, manager = people["technician"], people["branch_manager"]
    tech.email = "zhengwei@example.com"
    tech.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(
            [tech, manager], topic=Topic.SLA_WARNING, title="Deadline soon", url="/orders/7/"
        )
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [["zhengwei@example.com"]]
    assert mailoutbox[0].subject == "Deadline soon"
    assert "https://service.example.com/orders/7/" in mailoutbox[0].body
    emailed = dict(Notification.objects.values_list("recipient__username", "emailed_at"))
    assert emailed["hz_jishi"] is not None and emailed["hz_zhuguan"] is None
    # delivering again (a second worker) sends nothing more
    services.deliver(list(Notification.objects.values_list("pk", flat=True)))
    assert len(mailoutbox) == 1


def test_svc_7_sms_goes_out_for_escalations_only(
    people, sms_outbox, django_capture_on_commit_callbacks
):
    tech = people["technician"]
    assert tech.phone
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech], topic=Topic.SLA_WARNING, title="Deadline soon")
    assert sms_outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech], topic=Topic.SLA_ESCALATED, title="Overdue, level 1")
    assert sms_outbox == [(tech.phone, "Overdue, level 1")]
    escalated = Notification.objects.get(topic=Topic.SLA_ESCALATED)
    assert escalated.sms_sent_at is not None
    assert Notification.objects.get(topic=Topic.SLA_WARNING).sms_sent_at is None


def test_svc_7_sms_topics_are_a_setting_and_people_without_a_phone_get_none(
    people, sms_outbox, django_capture_on_commit_callbacks, settings
):
    settings.AFTERSALES_SMS_TOPICS = ["sla.warning", "sla.escalated"]
    tech, manager = people["technician"], people["branch_manager"]
    manager.phone = ""
    manager.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([tech, manager], topic=Topic.SLA_WARNING, title="Deadline soon")
    assert sms_outbox == [(tech.phone, "Deadline soon")]


class BrokenBackend:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


def test_svc_7_a_failed_delivery_is_logged_and_does_not_break_the_caller(
    people, settings, caplog, django_capture_on_commit_callbacks
):
    settings.AFTERSALES_SMS_BACKEND = "tests.notifications.test_services.BrokenBackend"
    settings.EMAIL_BACKEND = "no.such.Backend"
    tech = people["technician"]
    tech.email = "zhengwei@example.com"
    tech.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify([tech], topic=Topic.SLA_ESCALATED, title="Overdue")
    note = Notification.objects.get(pk=made[0].pk)
    assert note.sms_sent_at is None and note.emailed_at is None  # free to be sent again
    assert "failed" in caplog.text


def test_svc_7_only_the_recipient_marks_a_notification_read(people, note_for):
    note = note_for(people["technician"])
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=people["outsider"], notification=note)
    note.refresh_from_db()
    assert note.read_at is None
    services.mark_read(actor=people["technician"], notification=note)
    note.refresh_from_db()
    first = note.read_at
    assert first is not None
    services.mark_read(actor=people["technician"], notification=note)  # again: unchanged
    note.refresh_from_db()
    assert note.read_at == first


def test_svc_7_mark_all_read_touches_only_ones_own(people, note_for):
    note_for(people["technician"])
    note_for(people["technician"])
    other = note_for(people["branch_manager"])
    assert services.mark_all_read(actor=people["technician"]) == 2
    assert services.mark_all_read(actor=people["technician"]) == 0
    other.refresh_from_db()
    assert other.read_at is None
