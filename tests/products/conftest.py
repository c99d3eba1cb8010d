"""Fixtures of the products tests: a small catalogue and customers in two branches."""

import datetime

import pytest

from aftersales.customers.models import Customer
from aftersales.products import services
from aftersales.products.models import ProductCategory, ProductModel


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def catalogue(db):
    """Two models: KRF-35 (36 months from delivery) and RO-400 (12 months from sale)."""
    cat = ProductCategory.objects.create(code="HW", name="空气能热水器")
    water = ProductCategory.objects.create(code="WATER", name="净水器")
    return {
        "HW": cat,
        "WATER": water,
        "KRF-35": ProductModel.objects.create(
            code="KRF-35",
            name="空气能热水器 KRF-35",
            category=cat,
            warranty_months=36,
            warranty_starts_from="delivery",
            warranty_scope="整机三年",
        ),
        "RO-400": ProductModel.objects.create(
            code="RO-400",
            name="净水器 RO-400",
            category=water,
            warranty_months=12,
            warranty_starts_from="sale",
        ),
        "HP-250": ProductModel.objects.create(
            code="HP-250",
            name="商用热泵 HP-250",
            category=cat,
            warranty_months=24,
            warranty_starts_from="invoice",
        ),
    }


@pytest.fixture
def customers(org):
    """A Hangzhou-branch customer and a Nanjing-branch customer."""
    units, regions = org["units"], org["regions"]
    return {
        "hz": Customer.objects.create(
            code="C-HZ-001",
            name="杭州西湖宾馆",
            kind="end_user",
            entity="company",
            phone="0571-87001234",
            address="杭州市西湖区北山街 1 号",
            owner_unit=units["BR-HZ"],
            region=regions["EAST-ZJ"],
        ),
        "hz2": Customer.objects.create(
            code="C-HZ-002",
            name="张伟",
            kind="end_user",
            entity="person",
            phone="13957100002",
            owner_unit=units["BR-HZ"],
            region=regions["EAST-ZJ"],
        ),
        "nj": Customer.objects.create(
            code="C-NJ-001",
            name="南京鼓楼医院",
            kind="end_user",
            entity="company",
            phone="025-83301234",
            owner_unit=units["BR-NJ"],
            region=regions["EAST-JS"],
        ),
    }


@pytest.fixture
def make_unit(people, catalogue, customers):
    """make_unit(serial, model="KRF-35", owner="hz", **dates) → a unit registered by admin."""

    def make(serial="KRF35-2025-000001", model="KRF-35", owner="hz", **fields):
        return services.register_unit(
            actor=people["admin"],
            serial_number=serial,
            product_model=catalogue[model],
            owner=customers[owner],
            **fields,
        )

    return make


D = datetime.date
