"""Products pages: register, detail, reach (ORG-3), rights, history panels, list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.products import services
from aftersales.products.models import DeliveryHandover, Unit, Warranty

D = datetime.date
pytestmark = pytest.mark.django_db


def _form(catalogue, **extra):
    data = {
        "serial_number": "krf35-2025-000777",
        "product_model": catalogue["KRF-35"].pk,
        "owner": "C-HZ-001",
        "batch": "202501-1",
        "sale_date": "2025-03-01",
        "delivery_date": "2025-03-05",
        "installation_address": "杭州市西湖区",
    }
    data.update(extra)
    return data


def test_prd_1_register_unit_through_the_form(client_for, people, catalogue, customers):
    c = client_for(people["branch_manager"])
    resp = c.post(reverse("products:unit_create"), _form(catalogue))
    unit = Unit.objects.get()
    assert resp.status_code == 302 and resp["Location"] == unit.get_absolute_url()
    assert unit.serial_number == "KRF35-2025-000777"
    assert unit.owner == customers["hz"]
    assert unit.warranties.get().end_date == D(2028, 3, 4)
    assert AuditEntry.objects.for_object(unit).get().actor == people["branch_manager"]


def test_prd_1_duplicate_serial_shows_form_error_and_writes_nothing(
    client_for, people, catalogue, make_unit
):
    make_unit("KRF35-2025-000777", delivery_date=D(2025, 1, 1))
    before = (Unit.objects.count(), AuditEntry.objects.count())
    resp = client_for(people["branch_manager"]).post(
        reverse("products:unit_create"), _form(catalogue, owner="C-HZ-002")
    )
    assert resp.status_code == 200
    assert "serial_number" in resp.context["form"].errors
    assert "KRF35-2025-000777" in resp.content.decode()
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_prd_1_delivery_before_sale_is_a_form_error(client_for, people, catalogue, customers):
    resp = client_for(people["branch_manager"]).post(
        reverse("products:unit_create"), _form(catalogue, delivery_date="2025-02-01")
    )
    assert "delivery_date" in resp.context["form"].errors
    assert not Unit.objects.exists()


def test_org_3_owner_outside_reach_is_a_form_error(client_for, people, catalogue, customers):
    resp = client_for(people["branch_manager"]).post(
        reverse("products:unit_create"), _form(catalogue, owner="C-NJ-001")
    )
    assert "owner" in resp.context["form"].errors
    assert not Unit.objects.exists()


def test_prd_1_technician_without_add_unit_gets_403(client_for, people, catalogue, customers):
    c = client_for(people["technician"])
    assert c.get(reverse("products:unit_create")).status_code == 403
    resp = c.post(reverse("products:unit_create"), _form(catalogue))
    assert resp.status_code == 403
    assert "products.add_unit" in resp.content.decode()
    assert not Unit.objects.exists()


def test_org_3_outsider_gets_403_with_reason_on_hangzhou_unit(client_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 1))
    c = client_for(people["outsider"])
    resp = c.get(reverse("products:unit_detail", args=[unit.pk]))
    assert resp.status_code == 403
    assert "outside your reach" in resp.content.decode()
    assert c.get(reverse("products:unit_edit", args=[unit.pk])).status_code == 403
    listing = c.get(reverse("products:unit_list"))
    assert listing.status_code == 200
    assert unit.serial_number not in listing.content.decode()


def test_prd_2_detail_shows_entitlement_reasons_and_date_check(client_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 10))
    c = client_for(people["technician"])
    resp = c.get(reverse("products:unit_detail", args=[unit.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert resp.context["now"].status == "warranty"
    assert 'data-testid="entitlement"' in body
    assert 'data-testid="history-panel"' in body
    checked = c.get(reverse("products:unit_detail", args=[unit.pk]), {"date": "2028-01-10"})
    assert checked.context["checked"].status == "paid"
    assert "2028-01-09" in checked.content.decode()
    edge = c.get(reverse("products:unit_detail", args=[unit.pk]), {"date": "2028-01-09"})
    assert edge.context["checked"].status == "warranty"


def test_prd_3_service_history_panel_lists_records_newest_first(client_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 1))
    c = client_for(people["technician"])
    empty = c.get(reverse("products:unit_detail", args=[unit.pk])).content.decode()
    assert "Completed service orders fill in this card" in empty
    services.add_service_record(actor=None, unit=unit, date=D(2025, 5, 1), content="首次保养")
    services.add_service_record(actor=None, unit=unit, date=D(2025, 9, 1), content="更换温控器")
    body = c.get(reverse("products:unit_detail", args=[unit.pk])).content.decode()
    assert body.index("更换温控器") < body.index("首次保养")


def test_prd_4_handover_form_records_salesperson(client_for, people, make_unit, today):
    unit = make_unit(sale_date=today)
    c = client_for(people["salesperson"])
    resp = c.post(
        reverse("products:handover_add", args=[unit.pk]),
        {
            "delivered_on": today.isoformat(),
            "received_by": "业主 李先生",
            "explained_use": "on",
            "explained_precautions": "on",
        },
    )
    assert resp.status_code == 302
    h = DeliveryHandover.objects.get()
    assert h.salesperson == people["salesperson"]
    assert (h.explained_use, h.explained_maintenance, h.explained_precautions) == (
        True,
        False,
        True,
    )
    body = c.get(reverse("products:unit_detail", args=[unit.pk])).content.decode()
    assert "业主 李先生" in body


def test_prd_4_technician_cannot_record_handover(client_for, people, make_unit, today):
    unit = make_unit(sale_date=today)
    resp = client_for(people["technician"]).post(
        reverse("products:handover_add", args=[unit.pk]),
        {"delivered_on": today.isoformat(), "received_by": "x"},
    )
    assert resp.status_code == 403
    assert not DeliveryHandover.objects.exists()


def test_prd_2_extended_warranty_form(client_for, people, make_unit):
    unit = make_unit(delivery_date=D(2023, 1, 10))
    resp = client_for(people["agent"]).post(
        reverse("products:warranty_add", args=[unit.pk]),
        {"months": "12", "price": "300", "reference": "YB-9"},
    )
    assert resp.status_code == 302
    ext = Warranty.objects.get(kind="extended")
    assert (ext.start_date, ext.end_date) == (D(2026, 1, 10), D(2027, 1, 9))


def test_prd_2_contract_page_picks_customer_units(client_for, people, make_unit):
    unit = make_unit(delivery_date=D(2020, 1, 1))
    make_unit("OTHER-1", owner="hz2", delivery_date=D(2020, 1, 1))
    c = client_for(people["branch_manager"])
    page = c.get(reverse("products:contract_create"), {"customer": "C-HZ-001"})
    assert page.status_code == 200
    assert list(page.context["form"].fields["units"].queryset) == [unit]
    resp = c.post(
        reverse("products:contract_create") + "?customer=C-HZ-001",
        {
            "units": [unit.pk],
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "visits_per_year": "2",
            "amount": "480",
        },
    )
    assert resp.status_code == 302
    assert unit.contracts.get().visits_per_year == 2


def test_prd_1_unit_list_filters_by_cover_today(client_for, people, make_unit, today):
    in_w = make_unit("IN-1", delivery_date=today - datetime.timedelta(days=10))
    out = make_unit("OUT-1", model="RO-400", sale_date=D(2015, 1, 1))
    c = client_for(people["branch_manager"])
    r = c.get(reverse("products:unit_list"), {"status": "warranty"})
    assert [u.pk for u in r.context["page_obj"]] == [in_w.pk]
    r = c.get(reverse("products:unit_list"), {"status": "paid"})
    assert [u.pk for u in r.context["page_obj"]] == [out.pk]
    r = c.get(reverse("products:unit_list"), {"q": "in-"})
    assert [u.pk for u in r.context["page_obj"]] == [in_w.pk]


def test_prd_1_unit_list_query_count_constant_in_page_length(client_for, people, make_unit, today):
    c = client_for(people["branch_manager"])
    make_unit("S-0", delivery_date=today)
    c.get(reverse("products:unit_list"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("products:unit_list"))
    for i in range(1, 15):
        make_unit(f"S-{i}", owner="hz2" if i % 2 else "hz", delivery_date=today)
    with CaptureQueriesContext(connection) as many:
        resp = c.get(reverse("products:unit_list"))
    assert len(resp.context["page_obj"]) == 15
    assert len(many) == len(few)


def test_prd_1_model_list_and_edit_rights(client_for, people, catalogue):
    assert client_for(people["technician"]).get(reverse("products:model_list")).status_code == 200
    assert client_for(people["technician"]).get(reverse("products:model_create")).status_code == 403
    resp = client_for(people["info_manager"]).post(
        reverse("products:model_edit", args=[catalogue["RO-400"].pk]),
        {
            "code": "RO-400",
            "name": "净水器 RO-400",
            "category": catalogue["WATER"].pk,
            "warranty_months": "24",
            "warranty_starts_from": "sale",
            "is_active": "on",
        },
    )
    assert resp.status_code == 302
    catalogue["RO-400"].refresh_from_db()
    assert catalogue["RO-400"].warranty_months == 24
    assert AuditEntry.objects.for_object(catalogue["RO-400"]).get().action == (
        "products.model.changed"
    )
