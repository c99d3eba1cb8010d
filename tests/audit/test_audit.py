import pytest

from aftersales.accounts import services
from aftersales.audit.models import AuditEntry, ImmutableAuditError

pytestmark = pytest.mark.django_db


def test_sec_1_service_write_records_actor_action_and_before_after(people, org):
    unit = org["units"]["BR-NJ"]
    services.save_org_unit(actor=people["admin"], unit=unit, phone="025-83009999")
    entry = AuditEntry.objects.for_object(unit).first()
    assert entry.action == "accounts.orgunit.changed"
    assert entry.actor == people["admin"]
    assert entry.changes["phone"] == ["025-83001234", "025-83009999"]


def test_sec_1_audit_rows_cannot_be_changed_or_deleted(org):
    entry = AuditEntry.objects.first()
    entry.note = "tampered"
    with pytest.raises(ImmutableAuditError):
        entry.save()
    with pytest.raises(ImmutableAuditError):
        entry.delete()
    with pytest.raises(ImmutableAuditError):
        AuditEntry.objects.all().update(note="x")
    with pytest.raises(ImmutableAuditError):
        AuditEntry.objects.all().delete()


def test_sec_1_admin_site_offers_no_change_or_delete_of_audit(client_for, people):
    entry = AuditEntry.objects.first()
    c = client_for(people["admin"])
    assert c.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    resp = c.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"note": "x"})
    assert resp.status_code == 403
    entry.refresh_from_db()
    assert entry.note != "x"


def test_sec_1_audit_search_is_for_administrators_only(client_for, people):
    assert client_for(people["admin"]).get("/audit/?action=accounts").status_code == 200
    resp = client_for(people["technician"]).get("/audit/")
    assert resp.status_code == 403
    assert "audit.view_auditentry" in resp.content.decode()


def test_sec_1_history_panel_shows_field_names_and_choice_labels(people, org):
    """The history panel reads like the form: verbose names and choice labels, not codes."""
    from django.template import Context, Template
    from django.utils import translation

    from aftersales.audit.presentation import history_rows
    from aftersales.customers import services as customer_services

    customer = customer_services.create_customer(
        actor=people["admin"], name="王芳", kind="end_user", entity="person", phone="13851234567"
    )
    customer_services.update_customer(actor=people["admin"], customer=customer, kind="dealer")
    changed = AuditEntry.objects.for_object(customer).filter(action__endswith="changed").first()
    with translation.override("en"):
        rows = history_rows(changed)
        html = Template("{% load audit_tags %}{% history_panel obj %}").render(
            Context({"obj": customer})
        )
    kind = next(r for r in rows if r["label"] == "Kind")
    assert (str(kind["old"]), str(kind["new"])) == ("End user", "Dealer")
    assert 'data-testid="history-panel"' in html and "Dealer" in html


def test_sec_1_role_changes_made_in_the_admin_site_are_audited(client_for, people):
    """Roles are groups (many-to-many): the admin site's change of them is recorded too."""
    from django.contrib.auth.models import Group

    user = people["technician"]
    c = client_for(people["admin"])
    joined = user.date_joined.astimezone()
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "org_unit": user.org_unit_id,
        "region": user.region_id or "",
        "phone": user.phone,
        "language": user.language,
        "is_active": "on",
        "groups": [g.pk for g in Group.objects.filter(name__in=["technician", "salesperson"])],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
    }
    resp = c.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    entry = AuditEntry.objects.for_object(user).filter(action__endswith="relations_changed").get()
    assert entry.actor == people["admin"]
    assert entry.changes["groups"] == [["technician"], ["salesperson", "technician"]]


def test_sec_1_history_shows_times_in_local_time_to_the_minute(people, org):
    import datetime as dt

    from aftersales.audit.presentation import _shown
    from aftersales.service.models import ServiceOrder

    field = ServiceOrder._meta.get_field("dispatched_at")
    value = dt.datetime(2026, 10, 1, 2, 30, tzinfo=dt.UTC).isoformat()
    assert _shown(value, field) == "2026-10-01 10:30"  # Asia/Shanghai
