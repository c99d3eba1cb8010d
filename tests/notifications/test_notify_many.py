"""notify_many (issue 7: the SLA sweep's inbox rows, written as plain rows without model
instances) writes the rows notify writes and delivers them after commit (SVC-7)."""

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from aftersales.notifications import services
from aftersales.notifications.models import Notification, Topic

pytestmark = pytest.mark.django_db

FIELDS = ("recipient_id", "topic", "title", "body", "url", "read_at", "emailed_at")
FIELDS += ("sms_sent_at", "wechat_sent_at")


def _messages(people):
    tech, manager = people["technician"], people["branch_manager"]
    return [
        {
            "recipients": [tech, manager, tech, None],
            "topic": Topic.SLA_ESCALATED,
            "title": gettext_lazy("Customers"),
            "body": lambda: '正文 "quoted" \\ tab\there\nline',
            "url": "/orders/7/",
        },
        {"recipients": [manager], "topic": Topic.SLA_WARNING, "title": "x" * 250},
        {"recipients": [], "topic": Topic.SLA_WARNING, "title": "nobody"},
    ]


def _row(notification):
    return {name: getattr(notification, name) for name in FIELDS}


def test_svc_7_issue_7_notify_many_writes_the_rows_notify_writes(people):
    tech = people["technician"]
    tech.language = "zh-hans"
    tech.save(update_fields=["language"])
    expected = [
        _row(n)
        for message in _messages(people)
        for n in services.notify(
            message["recipients"],
            topic=message["topic"],
            title=message["title"],
            body=message.get("body", ""),
            url=message.get("url", ""),
        )
    ]
    singles = set(Notification.objects.values_list("pk", flat=True))
    before = timezone.now()
    ids = services.notify_many(_messages(people))
    after = timezone.now()

    written = list(Notification.objects.exclude(pk__in=singles).order_by("pk"))
    assert sorted(ids) == [n.pk for n in written]
    assert [_row(n) for n in written] == expected
    assert [n.title for n in written] == ["客户", "Customers", "x" * 200]
    assert all(before <= n.created_at <= after for n in written)


def test_svc_7_issue_7_notify_many_delivers_its_rows_after_commit(
    people, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    tech, manager = people["technician"], people["branch_manager"]
    tech.email = "zhengwei@example.com"
    tech.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.notify_many(_messages(people))
        assert mailoutbox == [] and sms_outbox == []  # nothing leaves before the commit
    assert [m.to for m in mailoutbox] == [["zhengwei@example.com"]]
    # the escalation's SMS to each of its two recipients, the warning's to nobody
    assert sorted(sms_outbox) == sorted([(tech.phone, "Customers"), (manager.phone, "Customers")])
    assert Notification.objects.get(pk__in=ids, recipient=tech).emailed_at is not None
    assert Notification.objects.get(pk__in=ids, recipient=manager, topic=Topic.SLA_WARNING)


def test_svc_7_issue_7_notify_many_of_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.notify_many([]) == []


def test_svc_7_issue_7_ids_of_notify_many_are_not_handed_out_again(people, note_for):
    """PostgreSQL writes the rows with COPY and their ids drawn from the table's sequence
    first: later rows get new ones."""
    ids = services.notify_many(_messages(people))
    later = note_for(people["technician"])
    assert later.pk > max(ids)
    assert Notification.objects.filter(pk__in=ids).count() == len(ids) == 3
