"""PRD-2: what a unit is entitled to on a date, and why (edge days included)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.products import services
from aftersales.products.entitlement import entitlement
from aftersales.products.models import MaintenanceContract, ProductModel, Unit, Warranty
from aftersales.products.services import warranty_end

D = datetime.date
ONE = datetime.timedelta(days=1)


def _unit(**dates) -> Unit:
    model = ProductModel(code="KRF-35", warranty_months=36, warranty_starts_from="delivery")
    return Unit(serial_number="X1", product_model=model, **dates)


def _std(start, end, kind="standard", **kw) -> Warranty:
    return Warranty(kind=kind, start_date=start, end_date=end, **kw)


def _contract(start, end, cancelled=False, number="MC-1") -> MaintenanceContract:
    return MaintenanceContract(
        number=number,
        start_date=start,
        end_date=end,
        is_cancelled=cancelled,
        cancelled_on=D(2026, 3, 1) if cancelled else None,
    )


# --- warranty end (calendar months, month ends) ---------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2026, 1, 15), 12, D(2027, 1, 14)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 1, 1), 12, D(2026, 12, 31)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
    ],
)
def test_prd_2_warranty_end_counts_calendar_months(start, months, end):
    assert warranty_end(start, months) == end


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 1, 1)), st.integers(1, 120))
def test_prd_2_warranty_end_property_months_and_order(start, months):
    end = warranty_end(start, months)
    month_gap = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    assert end >= start
    assert month_gap in (months - 1, months)
    assert warranty_end(start, months + 1) > end
    if start.day == 1:
        assert (end + ONE).day == 1  # a period from the 1st ends on a month's last day


# --- edge days ------------------------------------------------------------------------------


def test_prd_2_start_day_is_covered():
    unit = _unit(delivery_date=D(2026, 1, 10))
    e = entitlement(
        unit, D(2026, 1, 10), warranties=[_std(D(2026, 1, 10), D(2029, 1, 9))], contracts=[]
    )
    assert e.status == "warranty"
    assert e.days_left == (D(2029, 1, 9) - D(2026, 1, 10)).days + 1
    assert any("standard warranty" in r for r in e.reasons)
    assert e.service_kind == "free"


def test_prd_2_end_day_is_covered_and_day_after_is_not():
    unit = _unit(delivery_date=D(2026, 1, 10))
    w = [_std(D(2026, 1, 10), D(2029, 1, 9))]
    last = entitlement(unit, D(2029, 1, 9), warranties=w, contracts=[])
    after = entitlement(unit, D(2029, 1, 10), warranties=w, contracts=[])
    assert last.status == "warranty" and last.days_left == 1
    assert after.status == "paid"
    assert any("ended on 2029-01-09" in r for r in after.reasons)
    assert after.warranty is None and after.days_left is None


def test_prd_2_day_before_start_is_not_covered():
    unit = _unit(delivery_date=D(2026, 1, 10))
    e = entitlement(
        unit, D(2026, 1, 9), warranties=[_std(D(2026, 1, 10), D(2029, 1, 9))], contracts=[]
    )
    assert e.status == "paid"
    assert any("starts only on 2026-01-10" in r for r in e.reasons)


def test_prd_2_extended_warranty_counts_as_warranty():
    unit = _unit(delivery_date=D(2020, 1, 10))
    w = [
        _std(D(2020, 1, 10), D(2023, 1, 9)),
        _std(D(2023, 1, 10), D(2025, 1, 9), kind="extended"),
    ]
    e = entitlement(unit, D(2023, 1, 10), warranties=w, contracts=[])
    assert e.status == "warranty"
    assert e.warranty.kind == "extended"
    assert any("extended warranty" in r for r in e.reasons)
    # the standard one's last day mentions the extension that follows
    before = entitlement(unit, D(2023, 1, 9), warranties=w, contracts=[])
    assert any("extended warranty follows until 2025-01-09" in r for r in before.reasons)


def test_prd_2_contract_when_out_of_warranty():
    unit = _unit(delivery_date=D(2020, 1, 10))
    w = [_std(D(2020, 1, 10), D(2023, 1, 9))]
    c = [_contract(D(2026, 1, 1), D(2026, 12, 31), number="MC-20260101-0001")]
    e = entitlement(unit, D(2026, 12, 31), warranties=w, contracts=c)
    assert e.status == "contract"
    assert e.service_kind == "contract"
    assert e.contract.number == "MC-20260101-0001"
    assert e.days_left == 1
    assert any("MC-20260101-0001" in r for r in e.reasons)
    assert entitlement(unit, D(2027, 1, 1), warranties=w, contracts=c).status == "paid"


def test_prd_2_cancelled_contract_gives_nothing():
    unit = _unit(delivery_date=D(2020, 1, 10))
    c = [_contract(D(2026, 1, 1), D(2026, 12, 31), cancelled=True)]
    e = entitlement(unit, D(2026, 6, 1), warranties=[], contracts=c)
    assert e.status == "paid"
    assert any("was cancelled" in r for r in e.reasons)


def test_prd_2_no_dates_is_paid_with_reason():
    e = entitlement(_unit(), D(2026, 6, 1), warranties=[], contracts=[])
    assert e.status == "paid"
    assert "No warranty start date recorded." in e.reasons


def test_prd_2_warranty_wins_over_contract_and_mentions_it():
    unit = _unit(delivery_date=D(2026, 1, 10))
    e = entitlement(
        unit,
        D(2026, 6, 1),
        warranties=[_std(D(2026, 1, 10), D(2029, 1, 9))],
        contracts=[_contract(D(2026, 1, 1), D(2026, 12, 31))],
    )
    assert e.status == "warranty"
    assert any("Also under maintenance contract" in r for r in e.reasons)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2010, 1, 1), max_value=D(2040, 1, 1)),
    months=st.integers(1, 72),
    offset=st.integers(0, 4000),
)
def test_prd_2_property_any_day_in_start_end_is_warranty(start, months, offset):
    end = warranty_end(start, months)
    day = start + datetime.timedelta(days=offset % ((end - start).days + 1))
    e = entitlement(_unit(delivery_date=start), day, warranties=[_std(start, end)], contracts=[])
    assert e.status == "warranty"
    assert e.days_left == (end - day).days + 1


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2010, 1, 1), max_value=D(2040, 1, 1)),
    months=st.integers(1, 72),
    after=st.integers(1, 3000),
)
def test_prd_2_property_any_day_after_end_without_contract_is_paid(start, months, after):
    end = warranty_end(start, months)
    day = end + datetime.timedelta(days=after)
    e = entitlement(_unit(delivery_date=start), day, warranties=[_std(start, end)], contracts=[])
    assert e.status == "paid"


@settings(max_examples=100, deadline=None)
@given(
    c_start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
    length=st.integers(0, 800),
    probe=st.integers(-50, 850),
)
def test_prd_2_property_contract_cover_is_inclusive_and_cancel_removes_it(c_start, length, probe):
    c_end = c_start + datetime.timedelta(days=length)
    day = c_start + datetime.timedelta(days=probe)
    unit = _unit()
    live = entitlement(unit, day, warranties=[], contracts=[_contract(c_start, c_end)])
    dead = entitlement(unit, day, warranties=[], contracts=[_contract(c_start, c_end, True)])
    assert live.status == ("contract" if c_start <= day <= c_end else "paid")
    assert dead.status == "paid"


# --- with the database: the standard warranty the service writes --------------------------


@pytest.mark.django_db
def test_prd_2_registered_unit_edge_days_through_the_service(make_unit, catalogue):
    unit = make_unit(sale_date=D(2025, 1, 20), delivery_date=D(2025, 1, 31))
    w = unit.warranties.get()
    assert (w.start_date, w.end_date) == (D(2025, 1, 31), D(2028, 1, 30))
    assert entitlement(unit, D(2025, 1, 30)).status == "paid"  # sold, not yet delivered
    assert entitlement(unit, D(2025, 1, 31)).status == "warranty"
    assert entitlement(unit, D(2028, 1, 30)).status == "warranty"
    assert entitlement(unit, D(2028, 1, 31)).status == "paid"
    assert services.warranty_basis(unit) == (D(2025, 1, 31), "delivery")
