"""三包 entitlement (EXC-5) through the API: the answer, 400 for bad input, 403/404 outside
reach, fault types, and the fault type given at intake."""

import datetime as dt

import pytest

from aftersales.accounts.models import User
from aftersales.products.models import Unit
from aftersales.service.models import FaultType, ServiceOrder
from tests.service.test_sanbao import SALE, faults, repaired, sold  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/three-guarantees/"


def test_exc_5_api_answers_with_the_reasons(api_for, people, sold, faults):  # noqa: F811
    api = api_for(people["agent"])
    resp = api.get(URL, {"unit": sold.pk, "date": "2026-03-08", "fault_type": "F01"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["remedies"] == ["return", "exchange", "repair"]
    assert data["day_number"] == 7
    assert data["sale_date"] == "2026-03-01"
    assert data["fault_type"] == "F01"
    assert any("day 7" in r for r in data["reasons"])
    # The 8th day, fault type by id.
    resp = api.get(URL, {"unit": sold.pk, "date": "2026-03-09", "fault_type": faults["F01"].pk})
    assert resp.json()["remedies"] == ["exchange", "repair"]


def test_exc_5_api_counts_failed_repairs(api_for, people, sold, faults, repaired):  # noqa: F811
    repaired(faults["F02"], dt.date(2026, 5, 1))
    second = repaired(faults["F02"], dt.date(2026, 6, 1))
    data = (
        api_for(people["branch_manager"])
        .get(URL, {"unit": sold.pk, "date": "2026-07-01", "fault_type": "f02"})
        .json()
    )
    assert data["remedies"] == ["return", "exchange", "repair"]
    assert data["same_fault_repairs"] == 2
    assert second.number in data["same_fault_orders"]


def test_exc_5_api_without_date_judges_today(api_for, people, sold):  # noqa: F811
    from django.utils import timezone

    data = api_for(people["agent"]).get(URL, {"unit": sold.pk}).json()
    assert data["date"] == timezone.localdate().isoformat()
    assert data["fault_type"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "unit"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "{unit}", "date": "2026-13-01"}, "date"),
        ({"unit": "{unit}", "fault_type": "NOPE"}, "fault_type"),
    ],
)
def test_exc_5_api_bad_input_is_400_with_field_errors(api_for, people, sold, params, field):  # noqa: F811
    params = {k: v.format(unit=sold.pk) for k, v in params.items()}
    resp = api_for(people["agent"]).get(URL, params)
    assert resp.status_code == 400
    assert field in resp.json()


def test_exc_5_api_reach_403_and_404(api_for, people, sold):  # noqa: F811
    resp = api_for(people["outsider"]).get(URL, {"unit": sold.pk})
    assert resp.status_code == 403
    assert "reach" in resp.json()["detail"]
    assert api_for(people["agent"]).get(URL, {"unit": 999999}).status_code == 404


def test_exc_5_api_without_the_right_to_view_units_is_403(api_for, sold):  # noqa: F811
    nobody = User.objects.create_user(username="nobody", password="x", language="en")
    resp = api_for(nobody).get(URL, {"unit": sold.pk})
    assert resp.status_code == 403
    assert "products.view_unit" in resp.json()["detail"]
    assert api_for(None).get(URL, {"unit": sold.pk}).status_code in (401, 403)


def test_exc_5_fault_types_list(api_for, people):
    resp = api_for(people["technician"]).get("/api/fault-types/")
    assert resp.status_code == 200
    codes = {row["code"]: row for row in resp.json()["results"]}
    assert codes["F01"]["performance_fault"] is True
    assert codes["F90"]["performance_fault"] is False
    # The warehouse keeper has no right to fault types.
    assert api_for(people["keeper"]).get("/api/fault-types/").status_code == 403


def test_exc_5_fault_type_at_intake_through_the_api(api_for, people, hz_customer, hz_unit):
    fault = FaultType.objects.get(code="F02")
    api = api_for(people["agent"])
    body = {
        "customer": hz_customer.pk,
        "unit": hz_unit.pk,
        "order_type": "repair",
        "channel": "phone",
        "description": "压缩机异响",
        "fault_type": fault.pk,
    }
    resp = api.post("/api/orders/", body, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["fault_type"] == fault.pk
    assert resp.json()["fault_type_name"] == fault.name
    assert ServiceOrder.objects.get(pk=resp.json()["id"]).fault_type == fault
    detail = api.get(f"/api/orders/{resp.json()['id']}/").json()
    assert detail["fault_type"] == fault.pk


def test_exc_5_inactive_fault_type_refused_at_intake(api_for, people, hz_customer, hz_unit):
    FaultType.objects.filter(code="F02").update(is_active=False)
    fault = FaultType.objects.get(code="F02")
    before = ServiceOrder.objects.count()
    resp = api_for(people["agent"]).post(
        "/api/orders/",
        {
            "customer": hz_customer.pk,
            "unit": hz_unit.pk,
            "order_type": "repair",
            "channel": "phone",
            "description": "压缩机异响",
            "fault_type": fault.pk,
        },
        format="json",
    )
    assert resp.status_code == 400
    assert "fault_type" in resp.json()
    assert ServiceOrder.objects.count() == before


def test_exc_5_unit_is_untouched_by_the_question(api_for, people, sold):  # noqa: F811
    before = Unit.objects.filter(pk=sold.pk).values().get()
    api_for(people["agent"]).get(URL, {"unit": sold.pk, "date": "2026-03-05"})
    assert Unit.objects.filter(pk=sold.pk).values().get() == before
