# ruff: noqa: F811 — the fixtures imported are used as arguments
"""API of the customer's money (FEE-3, FEE-5, FIN-2, SEC-5): collect, register, notify, void;
cash hand-overs; invoices. 400 with field errors and nothing written for bad input; 403 for
a role without the right or outside reach; reads within reach."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.charges.models import CashHandover, CustomerPayment, Invoice
from tests.charges.test_money import (  # noqa: F401
    big_order,
    collect,
    owing_order,
    paid_order,
)
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    new_order,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal
PAYMENTS = "/api/payments/"


def test_fee_3_collect_through_the_api(api_for, owing_order, people):
    tech = api_for(people["technician"])
    resp = tech.post(
        f"{PAYMENTS}collect/",
        {"order": owing_order.pk, "amount": "85.00", "method": "cash", "payer": "王经理"},
        format="json",
    )
    assert resp.status_code == 201, resp.data
    assert resp.data["number"].startswith("SJ-") and resp.data["amount"] == "85.00"
    assert (resp.data["source"], resp.data["notice"], resp.data["late"]) == ("on_site", "", False)
    listed = tech.get(PAYMENTS).data
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [resp.data["id"]]
    assert tech.get(f"{PAYMENTS}{resp.data['id']}/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "85.01"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"payer": "x" * 101}, "payer"),
    ],
)
def test_fee_3_bad_collection_is_a_400_with_the_field(api_for, owing_order, people, data, field):
    resp = api_for(people["technician"]).post(
        f"{PAYMENTS}collect/",
        {"order": owing_order.pk, "amount": "10.00", "method": "cash", **data},
        format="json",
    )
    assert resp.status_code == 400 and field in resp.data, resp.data
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["keeper", "agent"])
def test_fee_3_collect_needs_the_right(api_for, owing_order, people, persona):
    resp = api_for(people[persona]).post(
        f"{PAYMENTS}collect/",
        {"order": owing_order.pk, "amount": "10.00", "method": "cash"},
        format="json",
    )
    assert resp.status_code == 403 and "charges.collect_payment" in str(resp.data)
    assert not CustomerPayment.objects.exists()


def test_fee_3_an_order_out_of_reach_is_403(api_for, owing_order, people):
    resp = api_for(people["outsider"]).post(
        f"{PAYMENTS}collect/",
        {"order": owing_order.pk, "amount": "10.00", "method": "cash"},
        format="json",
    )
    assert resp.status_code == 403 and not CustomerPayment.objects.exists()


def test_fee_5_register_notify_void_through_the_api(api_for, owing_order, people):
    fin = api_for(people["finance"])
    arrived = timezone.now() - dt.timedelta(hours=13)
    resp = fin.post(
        f"{PAYMENTS}register/",
        {
            "order": owing_order.pk,
            "amount": "85.00",
            "method": "transfer",
            "received_at": arrived.isoformat(),
            "notify": False,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.data
    payment = resp.data
    assert payment["number"].startswith("SK-") and payment["notice"] == "overdue"
    assert payment["late"] is True and payment["notified_at"] is None

    resp = fin.post(f"{PAYMENTS}{payment['id']}/notify/", format="json")
    assert resp.status_code == 200 and (resp.data["notice"], resp.data["late"]) == ("late", True)
    resp = fin.post(f"{PAYMENTS}{payment['id']}/notify/", format="json")
    assert resp.status_code == 400 and "already told" in str(resp.data)

    resp = fin.post(f"{PAYMENTS}{payment['id']}/void/", {"reason": ""}, format="json")
    assert resp.status_code == 400 and "reason" in resp.data
    resp = fin.post(f"{PAYMENTS}{payment['id']}/void/", {"reason": "重复"}, format="json")
    assert resp.status_code == 200 and resp.data["voided_at"] is not None


def test_fee_5_register_refuses_a_future_arrival(api_for, owing_order, people):
    resp = api_for(people["finance"]).post(
        f"{PAYMENTS}register/",
        {
            "order": owing_order.pk,
            "amount": "85.00",
            "method": "transfer",
            "received_at": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert resp.status_code == 400 and "received_at" in resp.data
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["technician", "keeper"])
def test_fee_5_register_notify_void_need_finance(api_for, owing_order, people, persona):
    receipt = collect(owing_order, people, "85.00")
    client = api_for(people[persona])
    resp = client.post(
        f"{PAYMENTS}register/",
        {
            "order": owing_order.pk,
            "amount": "1",
            "method": "cash",
            "received_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert resp.status_code == 403
    for verb in ("notify", "void"):
        resp = client.post(f"{PAYMENTS}{receipt.pk}/{verb}/", {"reason": "x"}, format="json")
        assert resp.status_code == 403
    assert CustomerPayment.objects.count() == 1
    receipt.refresh_from_db()
    assert receipt.voided_at is None


def test_payments_list_needs_a_right(api_for, owing_order, people):
    collect(owing_order, people, "85.00")
    assert api_for(people["keeper"]).get(PAYMENTS).status_code == 403
    assert api_for().get(PAYMENTS).status_code in (401, 403)


def test_fee_3_cash_handover_through_the_api(api_for, big_order, people):
    a = collect(big_order, people, "300.00")
    b = collect(big_order, people, "200.00")
    fin = api_for(people["finance"])
    data = {"technician": people["technician"].pk, "payments": [a.pk, b.pk]}
    resp = fin.post("/api/cash-handovers/", {**data, "counted_total": "499.90"}, format="json")
    assert resp.status_code == 400
    assert resp.data["counted_total"] == ["Counted 499.90, the receipts say 500.00."]
    assert not CashHandover.objects.exists()

    resp = fin.post("/api/cash-handovers/", {**data, "counted_total": "500.00"}, format="json")
    assert resp.status_code == 201, resp.data
    assert resp.data["number"].startswith("JK-") and resp.data["total"] == "500.00"
    assert {p["id"] for p in resp.data["payments"]} == {a.pk, b.pk}

    # the technician reads their own hand-overs, cannot take one
    tech = api_for(people["technician"])
    listed = tech.get("/api/cash-handovers/").data
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [resp.data["id"]]
    resp = tech.post("/api/cash-handovers/", {**data, "counted_total": "500"}, format="json")
    assert resp.status_code == 403


@pytest.mark.parametrize("persona", ["keeper", "agent"])
def test_fee_3_cash_handovers_need_a_right(api_for, owing_order, people, persona):
    receipt = collect(owing_order, people, "85.00")
    client = api_for(people[persona])
    assert client.get("/api/cash-handovers/").status_code == 403
    resp = client.post(
        "/api/cash-handovers/",
        {"technician": people["technician"].pk, "payments": [receipt.pk], "counted_total": "85"},
        format="json",
    )
    assert resp.status_code == 403 and not CashHandover.objects.exists()


def test_fee_3_invoices_through_the_api(api_for, owing_order, people):
    collect(owing_order, people, "85.00")
    tech, fin = api_for(people["technician"]), api_for(people["finance"])
    data = {"order": owing_order.pk, "title": "杭州西湖宾馆", "amount": "85.01"}
    resp = tech.post("/api/invoices/", data, format="json")
    assert resp.status_code == 400 and "amount" in resp.data
    assert not Invoice.objects.exists()
    first = tech.post("/api/invoices/", {**data, "amount": "50"}, format="json").data
    second = tech.post("/api/invoices/", {**data, "amount": "35"}, format="json").data
    assert (first["status"], second["amount"]) == ("to_issue", "35.00")

    resp = tech.post(f"/api/invoices/{first['id']}/issue/", {"number": "1"}, format="json")
    assert resp.status_code == 403
    resp = fin.post(f"/api/invoices/{first['id']}/issue/", {"number": "04400001"}, format="json")
    assert resp.status_code == 200 and resp.data["number"] == "04400001"
    resp = fin.post(f"/api/invoices/{second['id']}/issue/", {"number": "04400001"}, format="json")
    assert resp.status_code == 400
    assert resp.data["number"] == ["Invoice no. 04400001 is already recorded."]
    listed = fin.get("/api/invoices/").data
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [second["id"], first["id"]]  # to issue first
    resp = fin.post(f"/api/invoices/{second['id']}/cancel/", {"reason": "抬头错"}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "cancelled"


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_fee_3_invoices_need_a_right(api_for, owing_order, people, persona):
    collect(owing_order, people, "85.00")
    client = api_for(people[persona])
    assert client.get("/api/invoices/").status_code == 403
    resp = client.post(
        "/api/invoices/",
        {"order": owing_order.pk, "title": "西湖宾馆", "amount": "10"},
        format="json",
    )
    assert resp.status_code == 403 and not Invoice.objects.exists()
