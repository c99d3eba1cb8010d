"""Products API: writes via services, reach (ORG-3), rights, the entitlement question."""

import datetime

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.products.models import DeliveryHandover, MaintenanceContract, Unit, Warranty

D = datetime.date
pytestmark = pytest.mark.django_db


def _payload(catalogue, customers, **extra):
    data = {
        "serial_number": "krf35-2025-000900",
        "product_model": catalogue["KRF-35"].pk,
        "owner": customers["hz"].pk,
        "sale_date": "2025-03-01",
        "delivery_date": "2025-03-05",
    }
    data.update(extra)
    return data


def test_prd_1_api_creates_unit_through_the_service(api_for, people, catalogue, customers):
    resp = api_for(people["branch_manager"]).post(
        "/api/units/", _payload(catalogue, customers), format="json"
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["serial_number"] == "KRF35-2025-000900"
    assert resp.json()["cover_today"] in {"warranty", "paid", "contract"}
    unit = Unit.objects.get()
    assert unit.warranties.count() == 1
    assert AuditEntry.objects.for_object(unit).get().action == "products.unit.registered"


def test_prd_1_api_duplicate_serial_is_400_and_nothing_written(
    api_for, people, catalogue, customers, make_unit
):
    make_unit("KRF35-2025-000900", delivery_date=D(2025, 1, 1))
    before = (Unit.objects.count(), AuditEntry.objects.count())
    resp = api_for(people["branch_manager"]).post(
        "/api/units/", _payload(catalogue, customers), format="json"
    )
    assert resp.status_code == 400
    assert "serial_number" in resp.json()
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_prd_1_api_technician_without_add_unit_gets_403(api_for, people, catalogue, customers):
    resp = api_for(people["technician"]).post(
        "/api/units/", _payload(catalogue, customers), format="json"
    )
    assert resp.status_code == 403
    assert "products.add_unit" in resp.json()["detail"]
    assert not Unit.objects.exists()


def test_org_3_api_outsider_gets_403_on_hangzhou_unit_and_list_hides_it(api_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 1))
    api = api_for(people["outsider"])
    resp = api.get(f"/api/units/{unit.pk}/")
    assert resp.status_code == 403
    assert "outside your reach" in resp.json()["detail"]
    assert api.get(f"/api/units/{unit.pk}/entitlement/").status_code == 403
    assert api.patch(f"/api/units/{unit.pk}/", {"batch": "x"}, format="json").status_code == 403
    listing = api.get("/api/units/").json()
    assert unit.serial_number not in [u["serial_number"] for u in listing["results"]]
    assert api.get("/api/units/999999/").status_code == 404


def test_prd_2_api_entitlement_answers_with_reasons(api_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 10))
    api = api_for(people["technician"])
    inside = api.get(f"/api/units/{unit.pk}/entitlement/", {"date": "2028-01-09"}).json()
    assert inside["status"] == "warranty"
    assert inside["service_kind"] == "free"
    assert inside["warranty"]["end_date"] == "2028-01-09"
    assert inside["days_left"] == 1
    assert inside["reasons"]
    after = api.get(f"/api/units/{unit.pk}/entitlement/", {"date": "2028-01-10"}).json()
    assert after["status"] == "paid"
    assert after["warranty"] is None
    assert any("2028-01-09" in r for r in after["reasons"])


def test_prd_2_api_entitlement_bad_date_is_400_field_error(api_for, people, make_unit):
    unit = make_unit(delivery_date=D(2025, 1, 10))
    resp = api_for(people["technician"]).get(
        f"/api/units/{unit.pk}/entitlement/", {"date": "2025-02-30"}
    )
    assert resp.status_code == 400
    assert "date" in resp.json()


def test_prd_2_api_extended_warranty_and_contract(api_for, people, make_unit, customers):
    unit = make_unit(delivery_date=D(2022, 1, 10))
    api = api_for(people["agent"])
    resp = api.post(
        "/api/warranties/", {"unit": unit.pk, "months": 12, "price": "300.00"}, format="json"
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["kind"] == "extended"
    assert resp.json()["start_date"] == "2025-01-10"
    overlap = api.post(
        "/api/warranties/",
        {"unit": unit.pk, "months": 6, "start_date": "2025-06-01"},
        format="json",
    )
    assert overlap.status_code == 400 and "start_date" in overlap.json()
    assert Warranty.objects.filter(kind="extended").count() == 1
    resp = api.post(
        "/api/maintenance-contracts/",
        {
            "customer": customers["hz"].pk,
            "units": [unit.pk],
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "amount": "480.00",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    contract = MaintenanceContract.objects.get()
    assert resp.json()["number"] == contract.number
    cancel = api.post(
        f"/api/maintenance-contracts/{contract.pk}/cancel/", {"reason": "退订"}, format="json"
    )
    assert cancel.status_code == 200 and cancel.json()["is_cancelled"] is True
    e = api.get(f"/api/units/{unit.pk}/entitlement/", {"date": "2026-06-01"}).json()
    assert e["status"] == "paid"


def test_prd_4_api_handover_by_salesperson(api_for, people, make_unit, today):
    unit = make_unit(sale_date=today)
    resp = api_for(people["salesperson"]).post(
        "/api/delivery-handovers/",
        {
            "unit": unit.pk,
            "delivered_on": today.isoformat(),
            "received_by": "李先生",
            "explained_use": True,
            "explained_maintenance": True,
            "explained_precautions": True,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["salesperson"] == people["salesperson"].pk
    assert DeliveryHandover.objects.get().explained_precautions


def test_api_schema_lists_the_entitlement_endpoint(api_for, people):
    resp = api_for(people["admin"]).get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert "/api/units/{id}/entitlement/" in paths
    params = paths["/api/units/{id}/entitlement/"]["get"]["parameters"]
    assert any(p["name"] == "date" for p in params)
