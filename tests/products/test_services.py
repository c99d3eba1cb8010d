"""PRD-1…PRD-4 through the services: rules, rights, reach and audit (SEC-1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.products import services
from aftersales.products.models import MaintenanceContract, Unit, Warranty

D = datetime.date
pytestmark = pytest.mark.django_db


def test_prd_1_register_unit_normalises_serial_and_writes_warranty_and_audit(
    people, catalogue, customers
):
    # given a model with 36 months from delivery
    # when a unit is registered
    unit = services.register_unit(
        actor=people["info_manager"],
        serial_number="  krf35-2025-000123 ",
        product_model=catalogue["KRF-35"],
        owner=customers["hz"],
        batch="202501-1",
        sale_date=D(2025, 3, 1),
        delivery_date=D(2025, 3, 5),
    )
    # then the serial is normalised, the standard warranty exists and both are audited
    assert unit.serial_number == "KRF35-2025-000123"
    w = unit.warranties.get()
    assert (w.kind, w.start_date, w.end_date) == ("standard", D(2025, 3, 5), D(2028, 3, 4))
    assert w.scope == "整机三年"
    entry = AuditEntry.objects.for_object(unit).get(action="products.unit.registered")
    assert entry.actor == people["info_manager"]
    assert entry.changes["serial_number"] == [None, "KRF35-2025-000123"]
    assert AuditEntry.objects.for_object(w).filter(action="products.warranty.created").exists()


def test_prd_1_duplicate_serial_is_refused_and_nothing_written(
    make_unit, people, catalogue, customers
):
    make_unit("KRF35-2025-000001", delivery_date=D(2025, 1, 1))
    count, audits = Unit.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ServiceError) as exc:
        make_unit(" krf35-2025-000001", owner="hz2", delivery_date=D(2025, 2, 1))
    assert "serial_number" in exc.value.error_dict
    assert Unit.objects.count() == count
    assert AuditEntry.objects.count() == audits


def test_prd_1_dates_must_be_consistent(make_unit, today):
    with pytest.raises(ServiceError) as exc:
        make_unit(sale_date=D(2025, 3, 10), delivery_date=D(2025, 3, 1))
    assert "delivery_date" in exc.value.error_dict
    with pytest.raises(ServiceError) as exc:
        make_unit(sale_date=today + datetime.timedelta(days=1))
    assert "sale_date" in exc.value.error_dict
    with pytest.raises(ServiceError) as exc:
        make_unit(production_date=D(2025, 4, 1), sale_date=D(2025, 3, 1))
    assert "production_date" in exc.value.error_dict
    assert not Unit.objects.exists()


def test_org_3_owner_must_be_within_reach(people, catalogue, customers):
    with pytest.raises(ServiceError) as exc:
        services.register_unit(
            actor=people["branch_manager"],
            serial_number="X-1",
            product_model=catalogue["KRF-35"],
            owner=customers["nj"],
        )
    assert "owner" in exc.value.error_dict
    assert not Unit.objects.exists()


def test_prd_1_technician_without_add_unit_is_refused(people, catalogue, customers):
    with pytest.raises(PermissionDenied) as exc:
        services.register_unit(
            actor=people["technician"],
            serial_number="X-1",
            product_model=catalogue["KRF-35"],
            owner=customers["hz"],
        )
    assert "products.add_unit" in str(exc.value)


def test_prd_2_no_date_no_warranty_until_a_date_is_set(make_unit, people):
    unit = make_unit()
    assert not unit.warranties.exists()
    services.update_unit(actor=people["admin"], unit=unit, sale_date=D(2025, 6, 1))
    w = unit.warranties.get()
    # KRF-35 counts from delivery; with only a sale date it falls back to it
    assert (w.start_date, w.end_date) == (D(2025, 6, 1), D(2028, 5, 31))
    services.update_unit(actor=people["admin"], unit=unit, delivery_date=D(2025, 6, 20))
    w.refresh_from_db()
    assert (w.start_date, w.end_date) == (D(2025, 6, 20), D(2028, 6, 19))
    assert AuditEntry.objects.for_object(w).filter(action="products.warranty.recomputed").exists()
    assert AuditEntry.objects.for_object(unit).filter(action="products.unit.changed").count() == 2


def test_prd_2_basis_invoice_falls_back_to_delivery_then_sale(make_unit, people):
    unit = make_unit("HP-1", model="HP-250", sale_date=D(2025, 1, 5))
    assert unit.warranties.get().start_date == D(2025, 1, 5)
    services.update_unit(actor=people["admin"], unit=unit, invoice_date=D(2025, 1, 31))
    w = unit.warranties.get()
    assert (w.start_date, w.end_date) == (D(2025, 1, 31), D(2027, 1, 30))


def test_prd_2_warranty_set_by_hand_is_not_recomputed(make_unit, people):
    unit = make_unit(delivery_date=D(2025, 1, 10))
    w = unit.warranties.get()
    services.change_warranty(actor=people["admin"], warranty=w, end_date=D(2028, 12, 31))
    w.refresh_from_db()
    assert w.set_by_hand
    services.update_unit(actor=people["admin"], unit=unit, delivery_date=D(2025, 2, 10))
    w.refresh_from_db()
    assert (w.start_date, w.end_date) == (D(2025, 1, 10), D(2028, 12, 31))
    services.recompute_standard_warranty(actor=people["admin"], unit=unit)
    w.refresh_from_db()
    assert (w.start_date, w.end_date, w.set_by_hand) == (D(2025, 2, 10), D(2028, 2, 9), False)


def test_prd_2_extended_warranty_follows_latest_and_refuses_overlap(make_unit, people):
    unit = make_unit(delivery_date=D(2023, 1, 10))
    ext = services.add_extended_warranty(
        actor=people["agent"], unit=unit, months=24, price=Decimal("680"), reference="YB-1"
    )
    assert (ext.kind, ext.start_date, ext.end_date) == ("extended", D(2026, 1, 10), D(2028, 1, 9))
    assert AuditEntry.objects.for_object(ext).get().action == "products.warranty.extended"
    with pytest.raises(ServiceError) as exc:
        services.add_extended_warranty(
            actor=people["agent"], unit=unit, start_date=D(2027, 6, 1), months=12
        )
    assert "start_date" in exc.value.error_dict
    nxt = services.add_extended_warranty(
        actor=people["agent"], unit=unit, end_date=D(2029, 1, 9), price=Decimal("300")
    )
    assert nxt.start_date == D(2028, 1, 10)
    assert Warranty.objects.filter(unit=unit, kind="extended").count() == 2


def test_prd_2_extended_warranty_needs_months_or_end_and_a_start(make_unit, people):
    unit = make_unit()
    with pytest.raises(ServiceError) as exc:
        services.add_extended_warranty(actor=people["agent"], unit=unit, months=12)
    assert "start_date" in exc.value.error_dict
    with pytest.raises(ServiceError) as exc:
        services.add_extended_warranty(
            actor=people["agent"], unit=unit, months=12, end_date=D(2027, 1, 1)
        )
    assert "months" in exc.value.error_dict
    assert not Warranty.objects.exists()


def test_prd_2_contract_units_must_belong_to_customer(make_unit, people, customers):
    mine = make_unit("A-1", owner="hz", delivery_date=D(2022, 1, 1))
    theirs = make_unit("A-2", owner="hz2", delivery_date=D(2022, 1, 1))
    with pytest.raises(ServiceError) as exc:
        services.create_maintenance_contract(
            actor=people["branch_manager"],
            customer=customers["hz"],
            units=[mine, theirs],
            start_date=D(2026, 1, 1),
            end_date=D(2026, 12, 31),
        )
    assert "A-2" in str(exc.value.error_dict["units"])
    assert not MaintenanceContract.objects.exists()
    contract = services.create_maintenance_contract(
        actor=people["branch_manager"],
        customer=customers["hz"],
        units=[mine],
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
        covered_items="年度保养",
        amount=Decimal("480"),
    )
    assert contract.number.startswith("MC-")
    assert list(contract.units.all()) == [mine]
    assert AuditEntry.objects.for_object(contract).get().action == "products.contract.created"


def test_prd_2_cancel_contract_needs_reason_and_is_audited(make_unit, people, customers):
    unit = make_unit(delivery_date=D(2022, 1, 1))
    contract = services.create_maintenance_contract(
        actor=people["admin"],
        customer=customers["hz"],
        units=[unit],
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    )
    with pytest.raises(ServiceError):
        services.cancel_maintenance_contract(actor=people["admin"], contract=contract, reason=" ")
    services.cancel_maintenance_contract(actor=people["admin"], contract=contract, reason="退订")
    contract.refresh_from_db()
    assert contract.is_cancelled and contract.cancel_reason == "退订"
    assert (
        AuditEntry.objects.for_object(contract)
        .filter(action="products.contract.cancelled")
        .exists()
    )
    with pytest.raises(ServiceError):
        services.cancel_maintenance_contract(actor=people["admin"], contract=contract, reason="x")


def test_org_3_outsider_cannot_contract_a_hangzhou_customer(make_unit, people, customers):
    unit = make_unit(delivery_date=D(2022, 1, 1))
    with pytest.raises(PermissionDenied):
        services.create_maintenance_contract(
            actor=people["outsider"],
            customer=customers["hz"],
            units=[unit],
            start_date=D(2026, 1, 1),
            end_date=D(2026, 12, 31),
        )


def test_prd_4_handover_records_salesperson_and_explained_items(make_unit, people, today):
    unit = make_unit(sale_date=today - datetime.timedelta(days=5))
    handover = services.record_delivery_handover(
        actor=people["salesperson"],
        unit=unit,
        delivered_on=today,
        received_by="王经理",
        explained_use=True,
        explained_maintenance=True,
        explained_precautions=False,
        notes="演示了防冻设置",
    )
    assert handover.salesperson == people["salesperson"]
    assert (handover.explained_use, handover.explained_maintenance) == (True, True)
    assert not handover.explained_precautions
    assert AuditEntry.objects.for_object(handover).get().action == "products.handover.recorded"
    # the unit had no delivery date: it takes the handover's, and the warranty moves to it
    unit.refresh_from_db()
    assert unit.delivery_date == today
    assert unit.warranties.get().start_date == today


def test_prd_4_handover_rights_and_reach(make_unit, people, today):
    unit = make_unit("N-1", owner="nj", delivery_date=today)
    with pytest.raises(PermissionDenied):
        services.record_delivery_handover(
            actor=people["technician"], unit=unit, delivered_on=today, received_by="x"
        )
    with pytest.raises(PermissionDenied):  # a Hangzhou salesperson, a Nanjing unit
        services.record_delivery_handover(
            actor=people["salesperson"], unit=unit, delivered_on=today, received_by="x"
        )


def test_prd_3_service_record_is_written_and_audited(make_unit, people, today):
    unit = make_unit(delivery_date=D(2025, 1, 1))
    line = services.add_service_record(
        actor=None, unit=unit, date=today, content="更换温控器", reference="SO-1"
    )
    assert list(unit.service_records.all()) == [line]
    assert AuditEntry.objects.for_object(line).get().action == "products.service_record.added"
    with pytest.raises(ServiceError):
        services.add_service_record(actor=None, unit=unit, date=today, content="")


def test_prd_1_product_model_code_is_unique_case_insensitively(people, catalogue):
    with pytest.raises(ServiceError) as exc:
        services.save_product_model(
            actor=people["info_manager"],
            code="krf-35",
            name="dup",
            category=catalogue["HW"],
        )
    assert "code" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.save_product_model(
            actor=people["technician"], code="NEW", name="n", category=catalogue["HW"]
        )
    model = services.save_product_model(
        actor=people["info_manager"],
        code="krf-50 ",
        name="KRF-50",
        category=catalogue["HW"],
        warranty_months=24,
    )
    assert model.code == "KRF-50"
    assert AuditEntry.objects.for_object(model).get().action == "products.model.created"
