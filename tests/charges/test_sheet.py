# ruff: noqa: F811 — the fixtures imported from the quotes tests are used as arguments
"""The computed charge sheet (FEE-1, FEE-2, PRT-1 d): labour by service kind with worked
amounts, parts at their PRT-1 charge, deposits kept apart from the customer's total,
payments and what is outstanding, the fingerprint that dates a quotation, and a fixed
number of queries."""

from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.charges import quotes
from aftersales.charges.models import CustomerPayment
from aftersales.charges.sheet import charge_sheet, labour_charge
from tests.charges.test_quotes import labour, paid_order, rates  # noqa: F401
from tests.parts.fixtures import requested, signed

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    "kind,rate,quantity,expected",
    [
        ("paid", "80.00", "1.5", ("80.00", "120.00")),
        ("paid", "33.33", "0.33", ("33.33", "11.00")),  # 10.9989 rounds half up
        ("other", "45.00", "2", ("45.00", "90.00")),
        ("paid", "0.05", "0.10", ("0.05", "0.01")),  # 0.005 → 0.01 (half up, not to even)
        ("free", "80.00", "1.5", ("0.00", "0.00")),
        ("contract", "80.00", "1.5", ("0.00", "0.00")),
    ],
)
def test_fee_1_labour_charge_by_service_kind(kind, rate, quantity, expected):
    """FEE-1: labour is charged for paid and other service only; Decimal, to the cent."""
    unit_price, amount = labour_charge(service_kind=kind, rate=D(rate), quantity=D(quantity))
    assert (str(unit_price), str(amount)) == expected
    assert isinstance(amount, Decimal)


def test_fee_2_the_sheet_adds_parts_and_labour(paid_order, people, rates, catalogue):
    requested(paid_order, people, catalogue["parts"]["sensor"], quantity=2)
    labour(paid_order, people, quantity="1.5")
    labour(paid_order, people, code="JC-01", quantity="0.33")
    sheet = charge_sheet(paid_order)
    assert (sheet.parts_total, sheet.labour_total, sheet.total) == (
        D("170.00"),
        D("131.00"),
        D("301.00"),
    )
    assert [line.kind for line in sheet.items] == ["part", "labour", "labour"]
    assert sheet.parts[0].rule == "paid"
    assert sheet.outstanding == D("301.00")


def test_prt_1d_deposits_are_apart_from_the_customer_total(working_order, people, catalogue):
    """PRT-1 d: a warranty deposit is the technician's, not in the customer's total."""
    requested(working_order, people, catalogue["parts"]["sensor"])
    requested(working_order, people, catalogue["parts"]["seal"])  # b: free
    sheet = charge_sheet(working_order)
    assert sheet.total == D("0.00")
    assert sheet.deposits_total == D("85.00")
    assert [line.rule for line in sheet.parts] == ["b"]
    assert quotes.acceptance_needed(working_order) == ""


def test_fee_2_payments_and_outstanding(paid_order, people, rates):
    labour(paid_order, people, quantity="1.5")
    for amount, voided in (("100.00", None), ("50.00", timezone.now())):
        CustomerPayment.objects.create(
            number=f"SJ-{amount}",
            order=paid_order,
            source="on_site",
            method="cash",
            amount=D(amount),
            received_at=timezone.now(),
            received_by=people["technician"],
            voided_at=voided,
        )
    sheet = charge_sheet(paid_order)
    assert sheet.paid == D("100.00")  # the voided payment does not count
    assert sheet.outstanding == D("20.00")


def test_fee_2_the_fingerprint_changes_with_the_charges(paid_order, people, rates, catalogue):
    """FEE-2: a quotation is current while the sheet keeps its fingerprint."""
    first = labour(paid_order, people, quantity="1")
    before = charge_sheet(paid_order).fingerprint
    assert charge_sheet(paid_order).fingerprint == before  # stable
    second = labour(paid_order, people, quantity="1")
    changed = charge_sheet(paid_order).fingerprint
    assert changed != before
    quotes.cancel_labour(actor=people["technician"], line=second, reason="重复")
    assert charge_sheet(paid_order).fingerprint == before
    requested(paid_order, people, catalogue["parts"]["seal"])
    assert charge_sheet(paid_order).fingerprint != before
    assert first.pk in [line.id for line in charge_sheet(paid_order).labour]


def test_fee_2_a_refused_parts_line_leaves_the_sheet(paid_order, people, catalogue):
    from aftersales.parts import services as part_services

    line = requested(paid_order, people, catalogue["parts"]["sensor"])
    assert charge_sheet(paid_order).total == D("85.00")
    part_services.sign_line(actor=people["finance"], line=line, approve=False, comment="不需要")
    assert charge_sheet(paid_order).total == D("0.00")


def test_fee_2_the_sheet_is_three_queries_whatever_its_size(
    paid_order, people, rates, catalogue, django_assert_num_queries
):
    for _ in range(3):
        labour(paid_order, people, quantity="1")
        signed(paid_order, people, catalogue["parts"]["seal"])
    with django_assert_num_queries(3):
        sheet = charge_sheet(paid_order)
        assert len(sheet.items) == 6
