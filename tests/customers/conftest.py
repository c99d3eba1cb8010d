"""Fixtures of the customer tests: one Hangzhou and one Nanjing customer, USCC helper."""

import pytest

from aftersales.core.validators import uscc_check_char


def uscc(body: str = "91330100123456789") -> str:
    """A unified social credit code with a correct check character for the 17-char body."""
    return body + uscc_check_char(body)


@pytest.fixture
def hz_customer(org, people):
    from aftersales.customers import services

    customer = services.create_customer(
        actor=people["branch_manager"],
        name="杭州恒通暖通设备有限公司",
        kind="dealer",
        entity="company",
        credit_code=uscc("91330100123456789"),
        phone="0571-88112233",
        address="杭州市西湖区文一路 100 号",
        service_tier="A",
    )
    services.add_contact(
        actor=people["branch_manager"],
        customer=customer,
        name="李明",
        position="总经理",
        phone="13912345678",
        is_primary=True,
    )
    return customer


@pytest.fixture
def nj_customer(org, people):
    from aftersales.customers import services

    return services.create_customer(
        actor=people["outsider"],
        name="张伟",
        kind="end_user",
        entity="person",
        phone="13851234567",
        address="南京市鼓楼区中山路 1 号",
        service_tier="C",
    )


@pytest.fixture
def make_unit(db):
    """make_unit(customer, serial) → a product unit owned by the customer (saved directly)."""
    from aftersales.products.models import ProductCategory, ProductModel, Unit

    category, _ = ProductCategory.objects.get_or_create(code="HP", defaults={"name": "热泵"})
    model, _ = ProductModel.objects.get_or_create(
        code="KFXRS-3.5", defaults={"name": "空气能热水器", "category": category}
    )

    def make(customer, serial):
        return Unit.objects.create(serial_number=serial, product_model=model, owner=customer)

    return make
