"""Fixtures of the exchange tests: a Hangzhou customer's unit sold five days ago (三包:
return, exchange or repair for a performance fault), a fault, the HQ warehouse, and
helpers that take a form along the chain through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.exchanges import services
from aftersales.products.models import ProductModel, Unit
from tests.service.conftest import hz_customer, hz_unit  # noqa: F401

REASON = "机组运行五天后压缩机不启动，显示 E5，重启无效，客户要求换货。"


@pytest.fixture
def sold_unit(hz_unit):  # noqa: F811
    """The Hangzhou customer's unit, sold five days ago."""
    hz_unit.sale_date = timezone.localdate() - dt.timedelta(days=5)
    hz_unit.save(update_fields=["sale_date"])
    return hz_unit


@pytest.fixture
def fault(db):
    from aftersales.service.models import FaultType

    return FaultType.objects.create(code="E5", name="压缩机不启动", performance_fault=True)


@pytest.fixture
def spare_units(sold_unit):
    """A new unit of the same model and one of another model, for the replacement."""
    same = Unit.objects.create(
        serial_number="KRF35-9001", product_model=sold_unit.product_model, owner=sold_unit.owner
    )
    other_model = ProductModel.objects.create(
        code="KRF-50", name="空气能热水器 50", category=sold_unit.product_model.category
    )
    other = Unit.objects.create(
        serial_number="KRF50-9001", product_model=other_model, owner=sold_unit.owner
    )
    return {"same": same, "other": other}


@pytest.fixture
def warehouse(org):
    from aftersales.parts.models import Warehouse, WarehouseKind

    return Warehouse.objects.create(
        code="HQ-WH", name="总部仓库", kind=WarehouseKind.CENTRAL, org_unit=org["units"]["HQ"]
    )


@pytest.fixture
def make_form(people, hz_customer, sold_unit, fault):  # noqa: F811
    """make_form(**overrides) → a draft filled by the Hangzhou salesperson."""

    def make(**overrides):
        fields = {
            "kind": "exchange",
            "customer": hz_customer,
            "unit": sold_unit,
            "fault_type": fault,
            "reason": REASON,
            "purchase_date": sold_unit.sale_date,
            "purchase_price": Decimal("3600.00"),
            "purchase_proof": "发票 No. 04412345",
        }
        fields.update(overrides)
        actor = fields.pop("actor", people["salesperson"])
        return services.create_request(actor=actor, **fields)

    return make


@pytest.fixture
def approved_form(make_form, people):
    """approved_form(**overrides) → a form taken through all four signatures."""

    def make(**overrides):
        form = make_form(**overrides)
        return through_chain(form, people)

    return make


def through_chain(form, people):
    form = services.submit_request(actor=people["salesperson"], request=form)
    form = services.approve_request(actor=people["branch_manager"], request=form, comment="同意")
    form = services.approve_request(actor=people["office"], request=form, comment="资料齐全")
    return services.approve_request(actor=people["company_manager"], request=form, comment="批准")
