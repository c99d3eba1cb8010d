"""Fixtures of the parts-line page and API tests (PRT-1, PRT-2, PRT-3): a Hangzhou warranty
order in progress, the catalogue with prices, the HQ warehouse with stock and the old-part
zone. Import the names into a test module (``from tests.parts.fixtures import …``)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.parts import services, stock
from aftersales.parts.models import MoveKind, Part, PartPrice, Warehouse, WarehouseKind
from tests.service.conftest import hz_customer, hz_unit, in_progress, new_order  # noqa: F401

D = Decimal


@pytest.fixture
def catalogue(org):
    """A valuable compressor, a water-temperature sensor (deposit), a seal (small) and the
    HQ warehouse with stock and its old-part zone."""
    day = timezone.localdate() - dt.timedelta(days=30)
    parts = {
        "compressor": Part.objects.create(code="YSJ-35", name="压缩机", is_valuable=True),
        "sensor": Part.objects.create(code="CGQ-01", name="水温传感器"),
        "seal": Part.objects.create(code="MFQ-01", name="密封圈", has_recovery_value=False),
    }
    prices = {"compressor": ("1800.00", "1200.00"), "sensor": ("85.00", "40.00")}
    prices["seal"] = ("4.50", "1.20")
    for key, (list_price, cost) in prices.items():
        PartPrice.objects.create(
            part=parts[key], list_price=D(list_price), cost=D(cost), effective_from=day
        )
    hq = org["units"]["HQ-WH"]
    central = Warehouse.objects.create(code="WH-HQ", name="总部仓库", kind="central", org_unit=hq)
    zone = Warehouse.objects.create(
        code="WH-OLD", name="旧件区", kind=WarehouseKind.OLD_PARTS, org_unit=hq
    )
    keeper = org["people"]["cangku"]
    stock.move(
        kind=MoveKind.RECEIPT, part=parts["sensor"], quantity=40, actor=keeper, target=central
    )
    stock.move(kind=MoveKind.RECEIPT, part=parts["seal"], quantity=50, actor=keeper, target=central)
    stock.move(
        kind=MoveKind.RECEIPT,
        part=parts["compressor"],
        quantity=2,
        actor=keeper,
        target=central,
        serials=["C-0001", "C-0002"],
    )
    return {"parts": parts, "central": central, "zone": zone}


@pytest.fixture
def working_order(new_order, people):  # noqa: F811
    """A warranty repair (free service) in progress with the Hangzhou technician."""
    order = in_progress(new_order(), people)
    assert order.service_kind == "free"
    return order


@pytest.fixture
def make_order(new_order, people):  # noqa: F811
    """make_order() → another warranty order in progress with the Hangzhou technician."""

    def make():
        return in_progress(new_order(), people)

    return make


def requested(order, people, part, **fields):
    """A line the order's technician requested (through the service)."""
    return services.request_part(
        actor=people["technician"], order=order, part=part, **{"quantity": 1, **fields}
    )


def signed(order, people, part, payment="paid", **fields):
    line = requested(order, people, part, **fields)
    if payment == "unpaid" and line.amount > 0 and line.charge_rule != "d":
        # PRT-1 f: a customer charge goes out unpaid only on the technician's agreement.
        services.agree_to_issue_unpaid(actor=people["technician"], line=line)
    return services.sign_line(actor=people["finance"], line=line, approve=True, payment=payment)


def issued(order, people, catalogue, part, serials=None, **fields):
    line = signed(order, people, part, **fields)
    services.issue_lines(
        actor=people["keeper"],
        order=order,
        lines=[line],
        warehouse=catalogue["central"],
        serials={line.pk: serials} if serials else None,
    )
    line.refresh_from_db()
    return line


def used(order, people, catalogue, part, **fields):
    line = issued(order, people, catalogue, part, **fields)
    return services.use_line(actor=people["technician"], line=line)
