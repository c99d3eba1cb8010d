"""SVC-7 inbox: each person sees their own notifications, unread first, with a badge in the
top bar; reading one opens the order; nobody reads or marks another person's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.notifications.models import Notification, Topic

pytestmark = pytest.mark.django_db


def test_svc_7_the_inbox_shows_ones_own_notifications_unread_first(client_for, people, note_for):
    tech = people["technician"]
    older = note_for(tech, title="Older, unread")
    read = note_for(tech, title="Newest, already read")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    note_for(people["branch_manager"], title="Someone else's")
    html = client_for(tech).get("/notifications/").content.decode()
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert html.index(older.title) < html.index("Newest, already read")
    assert 'data-testid="unread-count">1<' in html  # the badge in the top bar


def test_svc_7_the_badge_shows_on_every_page_and_the_menu_links_the_inbox(
    client_for, people, note_for
):
    note_for(people["agent"])
    note_for(people["agent"], topic=Topic.SLA_ESCALATED)
    html = client_for(people["agent"]).get("/").content.decode()
    assert 'data-testid="unread-count">2<' in html
    assert 'href="/notifications/"' in html
    html = client_for(people["technician"]).get("/").content.decode()
    assert 'data-testid="unread-count"' not in html  # nothing unread: no badge


def test_svc_7_reading_a_notification_marks_it_read_and_opens_the_order(
    client_for, people, note_for
):
    note = note_for(people["technician"], url="/orders/42/")
    c = client_for(people["technician"])
    resp = c.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert resp.status_code == 302 and resp["Location"] == "/orders/42/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_svc_7_a_link_to_another_site_is_not_followed(client_for, people, note_for):
    note = note_for(people["technician"], url="https://evil.example.com/")
    resp = client_for(people["technician"]).post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert resp["Location"] == "/notifications/"


def test_svc_7_nobody_marks_or_sees_another_persons_notification(client_for, people, note_for):
    note = note_for(people["technician"])
    c = client_for(people["outsider"])
    assert c.post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    # reading needs a POST (a link preview must not mark anything read)
    assert (
        client_for(people["technician"]).get(f"/notifications/{note.pk}/read/").status_code == 405
    )


def test_svc_7_mark_all_read(client_for, people, note_for):
    note_for(people["technician"])
    note_for(people["technician"])
    theirs = note_for(people["branch_manager"])
    resp = client_for(people["technician"]).post("/notifications/read-all/", follow=True)
    assert "2 notification(s) marked read." in resp.content.decode()
    assert not Notification.objects.filter(recipient=people["technician"], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_svc_7_the_inbox_needs_a_sign_in(client):
    resp = client.get("/notifications/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert client.post("/notifications/read-all/").status_code == 302


def test_svc_7_the_inbox_costs_the_same_queries_for_2_or_40_notifications(
    client_for, people, note_for
):
    tech = people["technician"]
    c = client_for(tech)
    c.get("/notifications/")  # warm up (session, content types)
    for _ in range(2):
        note_for(tech)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/notifications/").status_code == 200
    for _ in range(38):
        note_for(tech)
    with CaptureQueriesContext(connection) as many:
        assert c.get("/notifications/").status_code == 200
    assert len(many) == len(few)
