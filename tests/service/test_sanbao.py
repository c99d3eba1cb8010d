"""三包 entitlement (EXC-5) with worked dates: a unit sold on 2026-03-01, one-year warranty.

Civil-law count: the day of sale is not counted, so 2026-03-08 is day 7 and 2026-03-16 is
day 15."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.products.models import Unit, Warranty
from aftersales.service.models import FaultType, ServiceOrder
from aftersales.service.sanbao import EXCHANGE, REPAIR, RETURN, remedies

pytestmark = pytest.mark.django_db

SALE = dt.date(2026, 3, 1)
D = dt.date


@pytest.fixture
def sold(hz_unit):
    """The Hangzhou unit, sold on 2026-03-01 with a standard warranty to 2027-02-28."""
    Unit.objects.filter(pk=hz_unit.pk).update(sale_date=SALE)
    hz_unit.warranties.all().delete()
    Warranty.objects.create(unit=hz_unit, kind="standard", start_date=SALE, end_date=D(2027, 2, 28))
    return Unit.objects.get(pk=hz_unit.pk)


@pytest.fixture
def faults():
    return {f.code: f for f in FaultType.objects.all()}


@pytest.fixture
def repaired(new_order, sold):
    """repaired(fault, on) → a completed repair order of the sold unit for fault, done on `on`."""

    def make(fault, on: D, status="completed", order_type="repair"):
        order = new_order(unit=sold, order_type=order_type)
        done = timezone.make_aware(dt.datetime.combine(on, dt.time(15, 0)))
        ServiceOrder.objects.filter(pk=order.pk).update(
            status=status, completed_at=done, fault_type=fault
        )
        return order

    return make


def test_exc_5_the_7th_day_allows_return(sold, faults):
    r = remedies(sold, D(2026, 3, 8), faults["F01"])
    assert r.day_number == 7
    assert r.remedies == [RETURN, EXCHANGE, REPAIR]
    assert any("day 7" in reason for reason in r.reasons)
    assert any("Within 7 days" in reason for reason in r.reasons)


def test_exc_5_the_day_of_sale_itself_allows_return(sold, faults):
    r = remedies(sold, SALE, faults["F01"])
    assert r.day_number == 0
    assert r.remedies == [RETURN, EXCHANGE, REPAIR]


def test_exc_5_the_8th_day_no_return_but_exchange(sold, faults):
    r = remedies(sold, D(2026, 3, 9), faults["F01"])
    assert r.day_number == 8
    assert r.remedies == [EXCHANGE, REPAIR]
    assert any("no return" in reason for reason in r.reasons)


def test_exc_5_the_15th_day_allows_exchange(sold, faults):
    r = remedies(sold, D(2026, 3, 16), faults["F02"])
    assert r.day_number == 15
    assert r.remedies == [EXCHANGE, REPAIR]


def test_exc_5_the_16th_day_repair_only_in_warranty(sold, faults):
    r = remedies(sold, D(2026, 3, 17), faults["F02"])
    assert r.day_number == 16
    assert r.remedies == [REPAIR]
    assert r.in_warranty and r.warranty_end == D(2027, 2, 28)
    assert any("In warranty until 2027-02-28" in reason for reason in r.reasons)


def test_exc_5_one_earlier_repair_of_the_same_fault_repair_only(sold, faults, repaired):
    first = repaired(faults["F03"], D(2026, 5, 10))
    r = remedies(sold, D(2026, 6, 1), faults["F03"])
    assert r.remedies == [REPAIR]
    assert r.same_fault_repairs == 1
    assert r.same_fault_orders == [first.number]
    assert any(first.number in reason for reason in r.reasons)


def test_exc_5_two_failed_repairs_of_the_same_fault_allow_exchange_and_return(
    sold, faults, repaired
):
    first = repaired(faults["F03"], D(2026, 5, 10))
    second = repaired(faults["F03"], D(2026, 6, 20), status="closed")
    # Second repair (the first failure counted): still repair only before the second one.
    assert remedies(sold, D(2026, 6, 1), faults["F03"]).remedies == [REPAIR]
    r = remedies(sold, D(2026, 7, 1), faults["F03"])
    assert r.remedies == [RETURN, EXCHANGE, REPAIR]
    assert r.same_fault_repairs == 2
    assert r.same_fault_orders == [first.number, second.number]
    assert any("2 repairs of the same fault have failed" in reason for reason in r.reasons)


def test_exc_5_two_repairs_of_different_faults_repair_only(sold, faults, repaired):
    repaired(faults["F03"], D(2026, 5, 10))
    repaired(faults["F04"], D(2026, 6, 20))
    r = remedies(sold, D(2026, 7, 1), faults["F03"])
    assert r.remedies == [REPAIR]
    assert r.same_fault_repairs == 1


def test_exc_5_open_cancelled_or_other_orders_are_not_failed_repairs(
    sold, faults, repaired, new_order
):
    repaired(faults["F03"], D(2026, 5, 10))
    repaired(faults["F03"], D(2026, 5, 20), status="cancelled")
    repaired(faults["F03"], D(2026, 5, 25), order_type="maintenance")
    # Completed after the date asked about: not earlier.
    repaired(faults["F03"], D(2026, 8, 1))
    r = remedies(sold, D(2026, 7, 1), faults["F03"])
    assert r.same_fault_repairs == 1
    assert r.remedies == [REPAIR]


def test_exc_5_the_judged_order_itself_is_not_counted(sold, faults, repaired):
    repaired(faults["F03"], D(2026, 5, 10))
    second = repaired(faults["F03"], D(2026, 6, 20))
    r = remedies(sold, D(2026, 7, 1), faults["F03"], exclude_order_id=second.pk)
    assert r.same_fault_repairs == 1
    assert r.remedies == [REPAIR]


def test_exc_5_repairs_outside_the_warranty_do_not_count(sold, faults, repaired):
    # A later extended warranty: the repairs done between the two covers do not count.
    Warranty.objects.create(
        unit=sold, kind="extended", start_date=D(2027, 6, 1), end_date=D(2028, 5, 31)
    )
    repaired(faults["F03"], D(2027, 3, 10))
    repaired(faults["F03"], D(2027, 4, 10))
    r = remedies(sold, D(2027, 7, 1), faults["F03"])
    assert r.in_warranty
    assert r.same_fault_repairs == 0
    assert r.remedies == [REPAIR]


def test_exc_5_non_performance_fault_repair_only(sold, faults, repaired):
    r = remedies(sold, D(2026, 3, 3), faults["F90"])
    assert r.remedies == [REPAIR]
    assert r.performance_fault is False
    assert any("not a performance fault" in reason for reason in r.reasons)
    # Failed repairs of a non-performance fault do not entitle an exchange either.
    repaired(faults["F90"], D(2026, 5, 10))
    repaired(faults["F90"], D(2026, 6, 10))
    assert remedies(sold, D(2026, 7, 1), faults["F90"]).remedies == [REPAIR]


def test_exc_5_without_a_fault_type_only_repair_is_judged(sold):
    r = remedies(sold, D(2026, 3, 3))
    assert r.fault_code is None
    assert r.remedies == [REPAIR]
    assert any("choose the fault" in reason for reason in r.reasons)


def test_exc_5_fault_type_by_code_or_id(sold, faults):
    assert remedies(sold, D(2026, 3, 3), "F01").remedies == [RETURN, EXCHANGE, REPAIR]
    assert remedies(sold, D(2026, 3, 3), faults["F90"].pk).remedies == [REPAIR]


def test_exc_5_out_of_warranty_nothing(sold, faults):
    r = remedies(sold, D(2027, 3, 1), faults["F01"])
    assert r.remedies == []
    assert not r.in_warranty
    assert any("ended on 2027-02-28" in reason for reason in r.reasons)
    assert any("paid repair" in reason for reason in r.reasons)


def test_exc_5_before_the_sale_nothing(sold, faults):
    r = remedies(sold, D(2026, 2, 28), faults["F01"])
    assert r.remedies == []
    assert r.day_number == -1
    assert any("before the sale" in reason for reason in r.reasons)


def test_exc_5_no_sale_date_only_warranty_repair(hz_unit, faults):
    assert hz_unit.sale_date is None
    r = remedies(hz_unit, timezone.localdate(), faults["F01"])
    assert r.remedies == [REPAIR]
    assert r.day_number is None
    assert any("No sale date recorded" in reason for reason in r.reasons)


def test_exc_5_settings_are_respected(sold, faults, repaired, settings):
    settings.AFTERSALES_SANBAO_RETURN_DAYS = 10
    settings.AFTERSALES_SANBAO_EXCHANGE_DAYS = 20
    assert remedies(sold, D(2026, 3, 11), faults["F01"]).remedies == [RETURN, EXCHANGE, REPAIR]
    assert remedies(sold, D(2026, 3, 12), faults["F01"]).remedies == [EXCHANGE, REPAIR]
    assert remedies(sold, D(2026, 3, 21), faults["F01"]).remedies == [EXCHANGE, REPAIR]
    assert remedies(sold, D(2026, 3, 22), faults["F01"]).remedies == [REPAIR]
    settings.AFTERSALES_SANBAO_FAILED_REPAIRS = 1
    repaired(faults["F01"], D(2026, 5, 10))
    assert remedies(sold, D(2026, 6, 1), faults["F01"]).remedies == [RETURN, EXCHANGE, REPAIR]


def test_exc_5_as_dict(sold, faults):
    data = remedies(sold, D(2026, 3, 9), faults["F01"]).as_dict()
    assert data["date"] == "2026-03-09"
    assert data["sale_date"] == "2026-03-01"
    assert data["warranty_end"] == "2027-02-28"
    assert data["remedies"] == ["exchange", "repair"]
    assert data["remedy_labels"] == ["Exchange", "Repair"]
    assert data["fault_type"] == "F01"
    assert data["day_number"] == 8
    assert all(isinstance(r, str) for r in data["reasons"])


def test_exc_5_query_count_is_constant(sold, faults, repaired):
    fault = faults["F03"]
    with CaptureQueriesContext(connection) as one:
        remedies(Unit.objects.get(pk=sold.pk), D(2026, 7, 1), fault)
    repaired(fault, D(2026, 5, 10))
    repaired(fault, D(2026, 5, 20))
    repaired(fault, D(2026, 6, 20))
    with CaptureQueriesContext(connection) as many:
        r = remedies(Unit.objects.get(pk=sold.pk), D(2026, 7, 1), fault)
    assert r.same_fault_repairs == 3
    assert len(many) == len(one) <= 5
