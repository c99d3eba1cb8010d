"""Fixtures of the service-order tests: a Hangzhou customer with a unit in warranty."""

import datetime

import pytest
from django.utils import timezone

from aftersales.customers.models import Customer
from aftersales.products.models import ProductCategory, ProductModel, Unit, Warranty
from aftersales.service import services


@pytest.fixture
def hz_customer(org):
    return Customer.objects.create(
        code="C-HZ-001",
        name="杭州西湖宾馆",
        kind="end_user",
        entity="company",
        phone="0571-87001234",
        address="杭州市西湖区北山街 1 号",
        owner_unit=org["units"]["BR-HZ"],
        region=org["regions"]["EAST-ZJ"],
    )


@pytest.fixture
def hz_unit(hz_customer):
    category = ProductCategory.objects.create(code="HW", name="空气能热水器")
    model = ProductModel.objects.create(code="KRF-35", name="空气能热水器", category=category)
    unit = Unit.objects.create(
        serial_number="KRF35-0001",
        product_model=model,
        owner=hz_customer,
        installation_address="杭州市西湖区北山街 1 号 锅炉房",
    )
    today = timezone.localdate()
    Warranty.objects.create(
        unit=unit,
        kind="standard",
        start_date=today - datetime.timedelta(days=100),
        end_date=today + datetime.timedelta(days=265),
    )
    return unit


@pytest.fixture
def new_order(people, hz_customer, hz_unit):
    """new_order(**overrides) → a repair order received by the HQ agent.

    Several orders for the one unit are filed as new requests on purpose (REQ-9 is tested
    on its own).
    """
    from aftersales.service import services

    def make(**overrides):
        fields = {
            "customer": hz_customer,
            "unit": hz_unit,
            "order_type": "repair",
            "channel": "phone",
            "description": "热水器不制热，显示 E3 故障码",
            "confirm_duplicate": True,
        }
        return services.receive_order(actor=people["agent"], **{**fields, **overrides})

    return make


def signature_png() -> bytes:
    """A small PNG like the one the phone's signature pad sends."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (280, 30)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def signed():
    """The completion's signature arguments."""
    return {"signature": signature_png(), "signer_name": "王经理"}


def signature_data_url() -> str:
    """The signature as the phone's signature pad posts it: a PNG data URL."""
    import base64

    return "data:image/png;base64," + base64.b64encode(signature_png()).decode()


def dispatched(order, people, technician="technician"):
    return services.dispatch_order(
        actor=people["agent"], order=order, technician=people[technician]
    )


def in_progress(order, people, appointment_at=None):
    order = dispatched(order, people)
    tech = people["technician"]
    order = services.record_contact(actor=tech, order=order)
    mode = "on_site" if appointment_at else "phone"
    order = services.set_plan(
        actor=tech, order=order, mode=mode, diagnosis="温度传感器", appointment_at=appointment_at
    )
    return services.start_work(actor=tech, order=order)
