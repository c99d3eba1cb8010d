# ruff: noqa: F811 — the fixtures imported from the quotes tests are used as arguments
"""API of the charge sheet, labour lines and quotations (FEE-1, FEE-2): 400 with field
errors and nothing written for bad input, 403 without the right or outside reach, the
acceptance by base64 / data URL or multipart signature, and the PDF."""

import base64
import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.charges.models import LabourLine, Quotation
from tests.charges.test_quotes import accepted, labour, paid_order, quoted, rates  # noqa: F401
from tests.parts.fixtures import requested
from tests.service.conftest import signature_data_url, signature_png

pytestmark = pytest.mark.django_db
D = Decimal


def test_fee_2_the_charge_sheet_of_an_order(api_for, paid_order, people, rates, catalogue):
    requested(paid_order, people, catalogue["parts"]["sensor"])
    labour(paid_order, people)
    resp = api_for(people["technician"]).get(f"/api/orders/{paid_order.pk}/charge-sheet/")
    assert resp.status_code == 200
    data = resp.json()
    assert (data["parts_total"], data["labour_total"], data["total"]) == (
        "85.00",
        "120.00",
        "205.00",
    )
    assert data["outstanding"] == "205.00"
    assert [line["kind"] for line in data["parts"] + data["labour"]] == ["part", "labour"]
    assert data["parts"][0]["rule"] == "paid"
    assert data["quotation_state"] == "none"
    assert "make a quotation" in data["completion_blocked"]


def test_fee_2_the_charge_sheet_needs_the_right_and_the_reach(api_for, paid_order, people):
    assert (
        api_for(people["keeper"]).get(f"/api/orders/{paid_order.pk}/charge-sheet/").status_code
        == 403
    )
    assert (
        api_for(people["outsider"]).get(f"/api/orders/{paid_order.pk}/charge-sheet/").status_code
        == 403
    )
    assert api_for(people["finance"]).get("/api/orders/999999/charge-sheet/").status_code == 404


def test_fee_1_labour_through_the_api(api_for, paid_order, people, rates):
    api = api_for(people["technician"])
    resp = api.post(
        "/api/labour-lines/",
        {"order": paid_order.pk, "rate_code": "GS-H", "quantity": "1.5"},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert (resp.json()["amount"], resp.json()["unit_price"]) == ("120.00", "80.00")
    line_id = resp.json()["id"]
    assert [row["id"] for row in api.get("/api/labour-lines/").json()["results"]] == [line_id]
    resp = api.post(f"/api/labour-lines/{line_id}/cancel/", {"reason": "记错了"}, format="json")
    assert resp.status_code == 200
    assert resp.json()["cancelled_at"] is not None


@pytest.mark.parametrize(
    "data,field",
    [
        ({"rate_code": "GS-H", "quantity": "abc"}, "quantity"),
        ({"rate_code": "GS-H", "quantity": "0"}, "quantity"),
        ({"rate_code": "GS-H", "quantity": "1.234"}, "quantity"),
        ({"rate_code": "XJ-09", "quantity": "1"}, "rate_code"),
        ({"rate_code": "", "quantity": "1"}, "rate_code"),
    ],
)
def test_fee_1_bad_labour_is_400_with_field_errors_and_nothing_written(
    api_for, paid_order, people, rates, data, field
):
    audit_before = AuditEntry.objects.count()
    resp = api_for(people["technician"]).post(
        "/api/labour-lines/", {"order": paid_order.pk, **data}, format="json"
    )
    assert resp.status_code == 400
    assert field in resp.json()
    assert not LabourLine.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_fee_2_cancel_without_a_reason_is_400(api_for, paid_order, people, rates):
    line = labour(paid_order, people)
    resp = api_for(people["technician"]).post(
        f"/api/labour-lines/{line.pk}/cancel/", {"reason": ""}, format="json"
    )
    assert resp.status_code == 400
    assert "reason" in resp.json()
    line.refresh_from_db()
    assert line.cancelled_at is None


def test_fee_2_quotation_accepted_with_a_base64_signature(api_for, paid_order, people, rates):
    labour(paid_order, people)
    api = api_for(people["technician"])
    resp = api.post("/api/quotations/", {"order": paid_order.pk}, format="json")
    assert resp.status_code == 201
    quotation = resp.json()
    assert quotation["number"].startswith("BJ")
    assert quotation["total"] == "120.00"
    assert quotation["status"] == "pending"
    # the same charges again: refused
    again = api.post("/api/quotations/", {"order": paid_order.pk}, format="json")
    assert again.status_code == 400
    assert "Nothing changed" in str(again.json())
    resp = api.post(
        f"/api/quotations/{quotation['id']}/accept/",
        {
            "method": "signature",
            "signer_name": "王经理",
            "signature": base64.b64encode(signature_png()).decode(),
        },
        format="json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "accepted"
    assert resp.json()["has_signature"] is True
    sheet = api.get(f"/api/orders/{paid_order.pk}/charge-sheet/").json()
    assert sheet["quotation_state"] == "accepted"
    assert sheet["completion_blocked"] == ""


def test_fee_2_quotation_accepted_with_a_multipart_signature(api_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    resp = api_for(people["technician"]).post(
        f"/api/quotations/{quotation.pk}/accept/",
        {
            "method": "signature",
            "signer_name": "王经理",
            "signature": SimpleUploadedFile("sig.png", signature_png(), "image/png"),
        },
        format="multipart",
    )
    assert resp.status_code == 200, resp.content
    quotation.refresh_from_db()
    assert quotation.status == "accepted" and quotation.signature


def test_fee_2_phone_consent_through_the_api(api_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    api = api_for(people["agent"])
    url = f"/api/quotations/{quotation.pk}/accept/"
    resp = api.post(url, {"method": "phone", "signer_name": "王经理"}, format="json")
    assert resp.status_code == 400
    assert {"consent_phone", "consent_note"} <= set(resp.json())
    resp = api.post(
        url,
        {
            "method": "phone",
            "signer_name": "王经理",
            "consent_phone": "13800000000",
            "consent_note": "同意",
        },
        format="json",
    )
    assert resp.status_code == 200
    assert resp.json()["recorded_by"] == people["agent"].pk
    assert resp.json()["acceptance_method"] == "phone"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"method": "email"}, "method"),
        ({"method": "signature", "signer_name": "王", "signature": "!!!"}, "signature"),
        ({"method": "signature", "signer_name": "王", "signature": 12}, "signature"),
        ({"method": "signature", "signer_name": "王"}, "signature"),
        ({"method": "signature", "signature": "SIG"}, "signer_name"),
    ],
)
def test_fee_2_bad_acceptance_is_400_and_nothing_written(
    api_for, paid_order, people, rates, data, field
):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    if data.get("signature") == "SIG":
        data["signature"] = signature_data_url()
    resp = api_for(people["technician"]).post(
        f"/api/quotations/{quotation.pk}/accept/", data, format="json"
    )
    assert resp.status_code == 400
    assert field in resp.json()
    quotation.refresh_from_db()
    assert quotation.status == "pending" and not quotation.signature


def test_fee_2_an_expired_quotation_is_400(api_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    Quotation.objects.filter(pk=quotation.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    resp = api_for(people["technician"]).post(
        f"/api/quotations/{quotation.pk}/accept/",
        {"method": "signature", "signer_name": "王", "signature": signature_data_url()},
        format="json",
    )
    assert resp.status_code == 400
    assert "was valid until" in str(resp.json())


def test_fee_2_decline_and_pdf(api_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    api = api_for(people["technician"])
    assert (
        api.post(f"/api/quotations/{quotation.pk}/decline/", {}, format="json").status_code == 400
    )
    resp = api.post(f"/api/quotations/{quotation.pk}/decline/", {"reason": "贵"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "declined"
    pdf = api.get(f"/api/quotations/{quotation.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    listed = api.get("/api/quotations/?status=declined").json()["results"]
    assert [q["id"] for q in listed] == [quotation.pk]


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_fee_2_the_api_is_403_without_the_right(api_for, paid_order, people, rates, persona):
    line = labour(paid_order, people)
    quotation = quoted(paid_order, people)
    api = api_for(people[persona])
    for url in (
        "/api/labour-lines/",
        f"/api/labour-lines/{line.pk}/",
        "/api/quotations/",
        f"/api/quotations/{quotation.pk}/",
        f"/api/quotations/{quotation.pk}/pdf/",
    ):
        assert api.get(url).status_code == 403, url
    for url, data in (
        ("/api/labour-lines/", {"order": paid_order.pk, "rate_code": "GS-H", "quantity": "1"}),
        (f"/api/labour-lines/{line.pk}/cancel/", {"reason": "x"}),
        ("/api/quotations/", {"order": paid_order.pk}),
        (f"/api/quotations/{quotation.pk}/accept/", {"method": "phone"}),
        (f"/api/quotations/{quotation.pk}/decline/", {"reason": "x"}),
    ):
        assert api.post(url, data, format="json").status_code == 403, url
    assert LabourLine.objects.count() == 1
    quotation.refresh_from_db()
    assert quotation.status == "pending"


def test_fee_2_finance_reads_but_may_not_quote(api_for, paid_order, people, rates):
    labour(paid_order, people)
    api = api_for(people["finance"])
    assert api.get("/api/labour-lines/").status_code == 200
    assert api.post("/api/quotations/", {"order": paid_order.pk}, format="json").status_code == 403
    assert not Quotation.objects.exists()


def test_org_3_the_api_is_403_outside_reach(api_for, paid_order, people, rates):
    line = labour(paid_order, people)
    quotation = quoted(paid_order, people)
    api = api_for(people["outsider"])
    assert api.get(f"/api/quotations/{quotation.pk}/").status_code == 403
    assert api.get(f"/api/labour-lines/{line.pk}/").status_code == 403
    assert api.get("/api/quotations/").json()["results"] == []
    resp = api.post(
        "/api/labour-lines/",
        {"order": paid_order.pk, "rate_code": "GS-H", "quantity": "1"},
        format="json",
    )
    assert resp.status_code == 403
    assert LabourLine.objects.count() == 1


def test_fee_2_the_completion_api_refuses_paid_work_without_acceptance(
    api_for, paid_order, people, rates
):
    """FEE-2 through the order's complete endpoint: 400 with the reason until accepted."""
    labour(paid_order, people)
    api = api_for(people["technician"])
    body = {"result": "修好了", "signature": signature_data_url(), "signer_name": "王经理"}
    resp = api.post(f"/api/orders/{paid_order.pk}/complete/", body, format="json")
    assert resp.status_code == 400
    assert "make a quotation" in str(resp.json())
    accepted(paid_order, people)
    resp = api.post(f"/api/orders/{paid_order.pk}/complete/", body, format="json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "completed"
