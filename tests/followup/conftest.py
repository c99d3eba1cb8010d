"""Fixtures of the follow-up tests (return visits, cases, surveys): a Hangzhou warranty
repair completed by the Hangzhou technician, signed by the customer."""

import pytest

from aftersales.service import services
from tests.service.conftest import (  # noqa: F401
    hz_customer,
    hz_unit,
    in_progress,
    new_order,
    signature_png,
)


def complete(order, people, result="更换温度传感器，试机正常"):
    """The order's technician completes the work with the customer's drawn signature."""
    return services.complete_order(
        actor=people["technician"],
        order=order,
        result=result,
        signature=signature_png(),
        signer_name="王经理",
    )


@pytest.fixture
def make_completed(new_order, people):  # noqa: F811
    """make_completed(**order_fields) → another order taken through to completed."""

    def make(**fields):
        return complete(in_progress(new_order(**fields), people), people)

    return make


@pytest.fixture
def completed_order(make_completed):
    """A warranty repair (Hangzhou branch) just completed."""
    return make_completed()
