"""The demo installed base shows every warranty and contract state (PRD-2)."""

import pytest

from aftersales.products import demo
from aftersales.products.entitlement import entitlement
from aftersales.products.models import (
    DeliveryHandover,
    MaintenanceContract,
    ProductModel,
    Unit,
    UnitServiceRecord,
)

pytestmark = pytest.mark.django_db


def test_prd_2_demo_has_every_state(org, customers, today):
    ctx = dict(org, customers=list(customers.values()))
    demo.load(ctx)
    assert ProductModel.objects.count() == 8
    assert Unit.objects.count() == demo.UNIT_COUNT
    units = Unit.objects.prefetch_related("warranties", "contracts").select_related("product_model")
    answers = [entitlement(u, today) for u in units]
    statuses = {a.status for a in answers}
    assert statuses == {"warranty", "contract", "paid"}
    assert any(a.warranty and a.warranty.kind == "extended" for a in answers)
    assert any(
        a.warranty and a.warranty.end_date.month == today.month and a.days_left <= 31
        for a in answers
    )
    assert any("No warranty start date recorded." in a.reasons for a in answers)
    assert MaintenanceContract.objects.filter(is_cancelled=True).exists()
    assert MaintenanceContract.objects.filter(end_date__lt=today).exists()
    assert Unit.objects.filter(delivery_date__isnull=True, sale_date__isnull=False).exists()
    assert DeliveryHandover.objects.filter(salesperson=org["people"]["hz_xiaoshou"]).exists()
    assert UnitServiceRecord.objects.count() == 3


def test_demo_without_customers_loads_the_catalogue_only(org):
    demo.load(dict(org))
    assert ProductModel.objects.count() == 8
    assert not Unit.objects.exists()
