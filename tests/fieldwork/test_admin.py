"""SVC-5: the pre-visit checklist is a configurable list — the administrator edits it in
the admin site, and every change is audited (SEC-1)."""

import re

import pytest
from django.contrib.auth.models import Group

from aftersales.audit.models import AuditEntry
from aftersales.fieldwork.models import ChecklistItem

pytestmark = pytest.mark.django_db


def test_svc_5_the_administrator_role_manages_the_checklist():
    perms = set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )
    assert {"add_checklistitem", "change_checklistitem", "view_checklistitem"} <= perms
    tech = set(Group.objects.get(name="technician").permissions.values_list("codename", flat=True))
    assert "change_checklistitem" not in tech


def test_svc_5_an_item_added_in_the_admin_site_is_audited(client_for, people):
    client = client_for(people["admin"])
    resp = client.post(
        "/admin/fieldwork/checklistitem/add/",
        {
            "text": "携带验电笔",
            "plan_modes": ["on_site", "depot"],
            "required": "on",
            "rank": "5",
            "is_active": "on",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    item = ChecklistItem.objects.get(text="携带验电笔")
    assert item.mode_list == ["on_site", "depot"] and item.required and item.rank == 5
    entry = AuditEntry.objects.for_object(item).get()
    assert entry.action == "admin.fieldwork.checklistitem.created"
    assert entry.actor == people["admin"]
    page = client.get(f"/admin/fieldwork/checklistitem/{item.pk}/change/").content.decode()
    checked = re.findall(
        r'<input type="checkbox" name="plan_modes" value="(\w+)"[^>]*checked', page
    )
    assert checked == ["on_site", "depot"]
    resp = client.post(
        "/admin/fieldwork/checklistitem/add/",
        {"text": "x", "rank": "1", "is_active": "on"},
    )
    assert resp.status_code == 200 and not ChecklistItem.objects.filter(text="x").exists()


def test_svc_5_an_item_for_depot_only_is_not_on_an_on_site_list():
    item = ChecklistItem.objects.create(text="包装箱", plan_modes="depot")
    assert item.applies_to("depot") and not item.applies_to("on_site")
    assert item.mode_labels() == "Depot repair"
