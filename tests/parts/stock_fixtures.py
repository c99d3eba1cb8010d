"""Small fixtures of the stock tests (PRT-2, PRT-8): two warehouses, an old-part zone,
a plain part and a valuable (serial-tracked) one. Import them into a test module."""

import pytest
from django.db.models import Sum

from aftersales.parts.models import Part, StockLevel, StockMove, Warehouse, WarehouseKind


@pytest.fixture
def central(org):
    return Warehouse.objects.create(
        code="WH-HQ", name="总部仓库", kind=WarehouseKind.CENTRAL, org_unit=org["units"]["HQ-WH"]
    )


@pytest.fixture
def branch(org):
    return Warehouse.objects.create(
        code="WH-HZ",
        name="杭州分公司仓库",
        kind=WarehouseKind.BRANCH,
        org_unit=org["units"]["BR-HZ"],
    )


@pytest.fixture
def nanjing(org):
    return Warehouse.objects.create(
        code="WH-NJ",
        name="南京分公司仓库",
        kind=WarehouseKind.BRANCH,
        org_unit=org["units"]["BR-NJ"],
    )


@pytest.fixture
def part():
    return Part.objects.create(code="CAP-35UF", name="压缩机启动电容", specification="35μF 450V")


@pytest.fixture
def other_part():
    return Part.objects.create(code="FAN-M01", name="风机电机")


@pytest.fixture
def valuable():
    return Part.objects.create(code="PCB-MAIN", name="主控板", is_valuable=True)


def ledger_sum(warehouse, part) -> int:
    """PRT-8: on hand as the ledger says it — everything in minus everything out."""
    moves = StockMove.objects.filter(part=part)
    into = moves.filter(to_warehouse=warehouse).aggregate(n=Sum("quantity"))["n"] or 0
    out = moves.filter(from_warehouse=warehouse).aggregate(n=Sum("quantity"))["n"] or 0
    return into - out


def level(warehouse, part) -> int:
    found = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return found.on_hand if found else 0
