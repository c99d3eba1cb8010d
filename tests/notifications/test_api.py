"""SVC-7 notifications over the API: one's own only; someone else's is a 404."""

import pytest

from aftersales.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_svc_7_the_api_lists_only_ones_own_notifications_unread_first(api_for, people, note_for):
    tech = people["technician"]
    read = note_for(tech, title="read")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    unread = note_for(tech, title="unread")
    note_for(people["branch_manager"], title="theirs")
    data = api_for(tech).get("/api/notifications/").json()
    assert [n["title"] for n in data["results"]] == ["unread", "read"]
    assert data["results"][0]["id"] == unread.pk
    only_unread = api_for(tech).get("/api/notifications/", {"unread": "true"}).json()
    assert [n["title"] for n in only_unread["results"]] == ["unread"]


def test_svc_7_someone_elses_notification_is_a_404(api_for, people, note_for):
    note = note_for(people["technician"])
    api = api_for(people["outsider"])
    assert api.get(f"/api/notifications/{note.pk}/").status_code == 404
    assert api.post(f"/api/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_svc_7_marking_read_over_the_api(api_for, people, note_for):
    tech = people["technician"]
    note = note_for(tech)
    note_for(tech)
    theirs = note_for(people["branch_manager"])
    api = api_for(tech)
    resp = api.post(f"/api/notifications/{note.pk}/read/")
    assert resp.status_code == 200 and resp.json()["read_at"] is not None
    resp = api.post("/api/notifications/read-all/")
    assert resp.status_code == 200 and resp.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_svc_7_the_notification_api_needs_a_sign_in(api_for, people, note_for):
    note = note_for(people["technician"])
    anonymous = api_for()
    assert anonymous.get("/api/notifications/").status_code in (401, 403)
    assert anonymous.post(f"/api/notifications/{note.pk}/read/").status_code in (401, 403)
    assert anonymous.post("/api/notifications/read-all/").status_code in (401, 403)
