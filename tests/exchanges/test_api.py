"""The exchange API (EXC-1…EXC-4, SEC-5): the chain by the four roles, refusals as 403 /
400 with nothing written, reach."""

import pytest

from aftersales.exchanges import services
from aftersales.exchanges.models import ExchangeApproval, ExchangeRequest, Refund
from tests.exchanges.conftest import REASON

pytestmark = pytest.mark.django_db


def _create(api, hz_customer, sold_unit, fault, **overrides):
    data = {
        "kind": "exchange",
        "customer": hz_customer.pk,
        "unit": sold_unit.pk,
        "fault_type": fault.pk,
        "reason": REASON,
        "purchase_price": "3600.00",
        "purchase_proof": "发票 04412345",
    }
    data.update(overrides)
    return api.post("/api/exchanges/", data, format="json")


def test_exc_1_sec_5_chain_through_the_api(api_for, people, hz_customer, sold_unit, fault):
    seller = api_for(people["salesperson"])
    created = _create(seller, hz_customer, sold_unit, fault)
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert created.data["status"] == "draft"
    patched = seller.patch(f"/api/exchanges/{pk}/", {"purchase_proof": "收据 88"}, format="json")
    assert patched.status_code == 200 and patched.data["purchase_proof"] == "收据 88"
    assert seller.post(f"/api/exchanges/{pk}/submit/", {}, format="json").status_code == 200
    # Out of order: the office before the regional head → 400, nothing written.
    office = api_for(people["office"])
    refused = office.post(f"/api/exchanges/{pk}/approve/", {"comment": "ok"}, format="json")
    assert refused.status_code == 400 and "non_field_errors" in refused.data
    # Without any signing right → 403.
    assert (
        api_for(people["keeper"])
        .post(f"/api/exchanges/{pk}/approve/", {}, format="json")
        .status_code
        == 403
    )
    assert ExchangeApproval.objects.filter(request_id=pk).count() == 1
    waiting = api_for(people["branch_manager"]).get("/api/exchanges/?waiting=1")
    assert [row["id"] for row in waiting.data["results"]] == [pk]
    for persona, comment in (("branch_manager", ""), ("office", "核对"), ("company_manager", "")):
        answer = api_for(people[persona]).post(
            f"/api/exchanges/{pk}/approve/", {"comment": comment}, format="json"
        )
        assert answer.status_code == 200, answer.data
    assert answer.data["status"] == "approved"
    assert [a["step"] for a in answer.data["approvals"]] == [
        "submit",
        "regional_head",
        "office",
        "general_manager",
    ]
    assert answer.data["entitlement"]["remedies"]


def test_exc_1_bad_input_400_nothing_written(api_for, people, hz_customer, sold_unit, fault):
    seller = api_for(people["salesperson"])
    answer = _create(seller, hz_customer, sold_unit, fault, reason="坏了", purchase_price="-5")
    assert answer.status_code == 400 and {"reason", "purchase_price"} <= set(answer.data)
    assert not ExchangeRequest.objects.exists()
    assert _create(api_for(people["keeper"]), hz_customer, sold_unit, fault).status_code == 403


def test_exc_2_refund_over_paid_400(api_for, people, approved_form, warehouse):
    form = approved_form(kind="return")
    early = api_for(people["finance"]).post(
        f"/api/exchanges/{form.pk}/refund/", {"amount": "10", "method": "cash"}, format="json"
    )
    assert early.status_code == 400
    received = api_for(people["keeper"]).post(
        f"/api/exchanges/{form.pk}/receive/",
        {"warehouse": warehouse.pk, "inspection": "unused"},
        format="json",
    )
    assert received.status_code == 200 and received.data["status"] == "received"
    over = api_for(people["finance"]).post(
        f"/api/exchanges/{form.pk}/refund/", {"amount": "3600.01", "method": "cash"}, format="json"
    )
    assert over.status_code == 400 and "amount" in over.data
    assert not Refund.objects.exists()
    paid = api_for(people["finance"]).post(
        f"/api/exchanges/{form.pk}/refund/", {"amount": "3600", "method": "cash"}, format="json"
    )
    assert paid.status_code == 200 and paid.data["status"] == "done"
    assert paid.data["refunded"] == "3600.00"


def test_exc_3_ledger_api(api_for, people, approved_form, warehouse, spare_units):
    form = approved_form()
    services.receive_goods(
        actor=people["keeper"], request=form, warehouse=warehouse, inspection="as_claimed"
    )
    keeper = api_for(people["keeper"])
    other = keeper.post(
        f"/api/exchanges/{form.pk}/ledger/",
        {"replacement_unit": spare_units["other"].pk},
        format="json",
    )
    assert other.status_code == 400 and "substitute_agreed" in other.data
    assert (
        api_for(people["finance"])
        .post(
            f"/api/exchanges/{form.pk}/ledger/",
            {"replacement_unit": spare_units["same"].pk},
            format="json",
        )
        .status_code
        == 403
    )
    done = keeper.post(
        f"/api/exchanges/{form.pk}/ledger/",
        {"replacement_unit": spare_units["same"].pk},
        format="json",
    )
    assert done.status_code == 200 and done.data["status"] == "done"
    rows = api_for(people["company_manager"]).get("/api/exchange-ledger/").data["results"]
    assert rows[0]["replacement_serial"] == "KRF35-9001"
    assert api_for(people["outsider"]).get("/api/exchange-ledger/").data["results"] == []


def test_org_3_and_sec_5_in_the_api(api_for, people, make_form):
    form = make_form(actor=people["branch_manager"])
    assert api_for(people["outsider"]).get(f"/api/exchanges/{form.pk}/").status_code == 403
    head = api_for(people["branch_manager"])
    assert head.post(f"/api/exchanges/{form.pk}/submit/", {}, format="json").status_code == 200
    refused = head.post(f"/api/exchanges/{form.pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and "SEC-5" in str(refused.data)
    reject = api_for(people["branch_manager"]).post(
        f"/api/exchanges/{form.pk}/reject/", {"comment": "x"}, format="json"
    )
    assert reject.status_code == 403
    pdf = api_for(people["company_manager"]).get(
        f"/api/exchanges/{form.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
