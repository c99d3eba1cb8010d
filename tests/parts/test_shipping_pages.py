# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""Pages and API of shipments by courier (PRT-4, FEE-4): the list with its filters, a new
parcel from the order, the parcel's steps; 403 for roles without the right and orders out
of reach; refused input shown with 400 and nothing written; the order card's shipments."""

import re

import pytest
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.parts import shipping
from aftersales.parts.models import PartLine, Shipment, ShipmentItem, ShipmentStatus
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    issued,
    make_order,
    new_order,
    used,
    working_order,
)

pytestmark = pytest.mark.django_db


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


def _parcel(people, order, line, **fields):
    data = {
        "recipient_name": "王经理",
        "recipient_phone": "0571-87001234",
        "address": "杭州市西湖区北山街 1 号",
        "direction": "to_customer",
        "items": [{"line": line, "quantity": line.quantity}],
        **fields,
    }
    from aftersales.parts.models import Warehouse

    return shipping.create_shipment(
        actor=people["keeper"],
        order=order,
        warehouse=Warehouse.objects.get(code="WH-HQ"),
        **data,
    )


def _written():
    return Shipment.objects.count(), ShipmentItem.objects.count(), AuditEntry.objects.count()


# --- pages -------------------------------------------------------------------------------------


def test_prt_4_the_create_page_prefills_the_customer_and_lists_issued_lines(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    c = client_for(people["keeper"])
    resp = c.get(reverse("parts:shipment_create"), {"order": working_order.pk})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert f'name="pick_{line.pk}"' in html and "CGQ-01" in html
    assert working_order.contact_phone in html and working_order.contact_name in html
    _no_inline_code(html)
    # to the technician: the technician is the recipient
    html = c.get(
        reverse("parts:shipment_create"), {"order": working_order.pk, "direction": "to_technician"}
    ).content.decode()
    assert str(people["technician"]) in html


def test_prt_4_preparing_a_parcel_from_the_page(client_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    resp = client_for(people["keeper"]).post(
        reverse("parts:shipment_create"),
        {
            "order": working_order.pk,
            "direction": "to_customer",
            "warehouse": catalogue["central"].pk,
            "recipient_name": "王经理",
            "recipient_phone": "13800000000",
            "address": "杭州市西湖区北山街 1 号",
            f"pick_{line.pk}": "on",
            f"qty_{line.pk}": "1",
        },
    )
    shipment = Shipment.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/parts/shipments/{shipment.pk}/"
    assert shipment.items.get().quantity == 1 and shipment.freight_collect is False


def test_prt_4_a_return_from_the_page_is_freight_collect_by_default(
    client_for, working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    c = client_for(people["technician"])
    html = c.get(
        reverse("parts:shipment_create"), {"order": working_order.pk, "direction": "return"}
    ).content.decode()
    assert f'name="pick_{line.pk}o"' in html  # the old part owed
    assert re.search(r'name="freight_collect"[^>]*checked', html)
    resp = c.post(
        reverse("parts:shipment_create"),
        {
            "order": working_order.pk,
            "direction": "return",
            "warehouse": catalogue["zone"].pk,
            "recipient_name": "旧件区",
            "recipient_phone": "0571-88000000",
            "address": "杭州总部仓库",
            "freight_collect": "on",
            f"pick_{line.pk}o": "on",
        },
    )
    assert resp.status_code == 302
    shipment = Shipment.objects.get()
    assert shipment.freight_collect and shipment.items.get().old_part


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"recipient_phone": "abc"}, "5 to 30 digits"),
        ({"address": ""}, "Enter the address"),
        ({"pick": False}, "Choose the parts"),
        ({"qty": "0"}, "greater than or equal to 1"),
    ],
)
def test_prt_4_bad_input_on_the_create_page_is_400_and_nothing_written(
    data, shown, client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    fields = {
        "order": working_order.pk,
        "direction": "to_customer",
        "warehouse": catalogue["central"].pk,
        "recipient_name": "王经理",
        "recipient_phone": "13800000000",
        "address": "杭州",
        f"pick_{line.pk}": "on",
        f"qty_{line.pk}": data.pop("qty", "1"),
    }
    if data.pop("pick", True) is False:
        fields.pop(f"pick_{line.pk}")
    fields.update(data)
    before = _written()
    resp = client_for(people["keeper"]).post(reverse("parts:shipment_create"), fields)
    assert resp.status_code == 400 and shown in resp.content.decode()
    assert _written() == before


def test_fee_4_the_page_says_why_an_unpaid_parts_sale_does_not_ship(
    client_for, new_order, people, catalogue
):
    from tests.service.conftest import in_progress

    order = in_progress(new_order(order_type="parts_purchase", unit=None), people)
    line = issued(order, people, catalogue, catalogue["parts"]["sensor"])
    PartLine.objects.filter(pk=line.pk).update(payment="unpaid", credit_approved_by=None)
    resp = client_for(people["keeper"]).post(
        reverse("parts:shipment_create"),
        {
            "order": order.pk,
            "direction": "to_customer",
            "warehouse": catalogue["central"].pk,
            "recipient_name": "王经理",
            "recipient_phone": "13800000000",
            "address": "杭州",
            f"pick_{line.pk}": "on",
            f"qty_{line.pk}": "1",
        },
    )
    assert resp.status_code == 400
    assert "FEE-4" in resp.content.decode() and "has not paid" in resp.content.decode()
    assert Shipment.objects.count() == 0


def test_prt_4_the_parcel_page_ships_with_a_scannable_tracking_field_then_delivers(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    c = client_for(people["keeper"])
    html = c.get(reverse("parts:shipment_detail", args=[shipment.pk])).content.decode()
    assert re.search(r'name="tracking_number"[^>]*autofocus', html)
    assert 'data-testid="cancel-form"' in html
    _no_inline_code(html)
    resp = c.post(reverse("parts:shipment_ship", args=[shipment.pk]), {"courier": "顺丰"})
    assert resp.status_code == 400 and "Enter or scan the tracking number" in resp.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PREPARED
    resp = c.post(
        reverse("parts:shipment_ship", args=[shipment.pk]),
        {"courier": "顺丰", "tracking_number": "SF100", "freight": "15.00"},
    )
    assert resp.status_code == 302
    resp = c.post(reverse("parts:shipment_deliver", args=[shipment.pk]), {"note": "签收"})
    assert resp.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == (ShipmentStatus.DELIVERED, "SF100")


def test_prt_4_cancel_needs_a_reason_on_the_page(client_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    c = client_for(people["keeper"])
    resp = c.post(reverse("parts:shipment_cancel", args=[shipment.pk]), {"reason": ""})
    assert resp.status_code == 400 and "Say why the shipment is cancelled" in resp.content.decode()
    resp = c.post(reverse("parts:shipment_cancel", args=[shipment.pk]), {"reason": "客户自提"})
    assert resp.status_code == 302
    html = c.get(reverse("parts:shipment_detail", args=[shipment.pk])).content.decode()
    assert "客户自提" in html


def test_prt_4_the_list_filters_by_status_direction_and_tracking_no(
    client_for, working_order, people, catalogue
):
    first = _parcel(
        people, working_order, issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    )
    second = _parcel(
        people,
        working_order,
        issued(working_order, people, catalogue, catalogue["parts"]["sensor"]),
    )
    shipping.mark_shipped(
        actor=people["keeper"], shipment=second, courier="顺丰", tracking_number="SF777"
    )
    c = client_for(people["technician"])
    html = c.get(reverse("parts:shipment_list")).content.decode()
    assert first.number in html and second.number in html
    _no_inline_code(html)
    html = c.get(reverse("parts:shipment_list"), {"status": "shipped"}).content.decode()
    assert second.number in html and first.number not in html
    html = c.get(reverse("parts:shipment_list"), {"q": "SF777"}).content.decode()
    assert second.number in html and first.number not in html
    html = c.get(reverse("parts:shipment_list"), {"direction": "return"}).content.decode()
    assert first.number not in html and second.number not in html
    html = c.get(reverse("parts:shipment_list"), {"q": working_order.number}).content.decode()
    assert first.number in html and second.number in html


def test_prt_4_the_order_card_shows_its_shipments_and_the_links(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    shipping.mark_shipped(
        actor=people["keeper"], shipment=shipment, courier="顺丰", tracking_number="SF555"
    )
    order_url = reverse("service:order_detail", args=[working_order.pk])
    html = client_for(people["keeper"]).get(order_url).content.decode()
    assert 'data-testid="order-shipments"' in html and shipment.number in html
    assert "SF555" in html and "顺丰" in html
    assert f"/parts/shipments/new/?order={working_order.pk}" in html
    assert f"/parts/inquiries/new/?order={working_order.pk}" in html
    # finance has neither right: no links
    html = client_for(people["finance"]).get(order_url).content.decode()
    assert 'data-testid="go-ship"' not in html and 'data-testid="go-ask-purchasing"' not in html


# --- 403 and reach ---------------------------------------------------------------------------


def test_prt_4_the_salesperson_gets_403_on_every_page(client_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    c = client_for(people["salesperson"])
    resp = c.get(reverse("parts:shipment_list"))
    assert resp.status_code == 403 and "view_shipment" in resp.content.decode()
    resp = c.get(reverse("parts:shipment_create"), {"order": working_order.pk})
    assert resp.status_code == 403 and "add_shipment" in resp.content.decode()
    assert c.get(reverse("parts:shipment_detail", args=[shipment.pk])).status_code == 403
    for name in ("shipment_ship", "shipment_deliver", "shipment_cancel"):
        assert c.post(reverse(f"parts:{name}", args=[shipment.pk]), {}).status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PREPARED


def test_org_3_another_branch_gets_403_with_the_reason(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    c = client_for(people["outsider"])
    resp = c.get(reverse("parts:shipment_detail", args=[shipment.pk]))
    assert resp.status_code == 403 and "outside your reach" in resp.content.decode()
    resp = c.get(reverse("parts:shipment_create"), {"order": working_order.pk})
    assert resp.status_code == 403
    assert shipment.number not in c.get(reverse("parts:shipment_list")).content.decode()
    assert c.get(reverse("parts:shipment_detail", args=[999999])).status_code == 404


def test_prt_4_a_technician_cannot_ship_a_keepers_parcel_from_the_page(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    c = client_for(people["technician"])
    html = c.get(reverse("parts:shipment_detail", args=[shipment.pk])).content.decode()
    assert 'data-testid="ship-form"' not in html
    resp = c.post(
        reverse("parts:shipment_ship", args=[shipment.pk]),
        {"courier": "顺丰", "tracking_number": "SF1"},
    )
    assert resp.status_code == 403


# --- API ---------------------------------------------------------------------------------------


def test_prt_4_api_create_ship_deliver(api_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    api = api_for(people["keeper"])
    resp = api.post(
        "/api/shipments/",
        {
            "order": working_order.pk,
            "direction": "to_technician",
            "warehouse": catalogue["central"].pk,
            "recipient_name": "李师傅",
            "recipient_phone": "13900000000",
            "address": "杭州分公司",
            "items": [{"line": line.pk, "quantity": 1}],
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["number"].startswith("FH") and data["status"] == "prepared"
    assert data["items"][0]["part_code"] == "CGQ-01" and data["freight_collect"] is False
    pk = data["id"]
    resp = api.post(f"/api/shipments/{pk}/ship/", {"courier": "", "tracking_number": ""})
    assert resp.status_code == 400
    assert set(resp.json()) >= {"courier", "tracking_number"}
    resp = api.post(
        f"/api/shipments/{pk}/ship/",
        {"courier": "顺丰", "tracking_number": "SF9", "freight": "8.00"},
        format="json",
    )
    assert resp.status_code == 200 and resp.json()["freight"] == "8.00"
    # the technician confirms a parcel sent to them
    resp = api_for(people["technician"]).post(f"/api/shipments/{pk}/deliver/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "delivered"
    listed = api_for(people["technician"]).get("/api/shipments/", {"tracking_number": "SF9"})
    assert [s["id"] for s in listed.json()["results"]] == [pk]


def test_prt_4_api_refuses_bad_input_with_field_errors_and_writes_nothing(
    api_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    api = api_for(people["keeper"])
    body = {
        "order": working_order.pk,
        "direction": "to_customer",
        "warehouse": catalogue["central"].pk,
        "recipient_name": "",
        "recipient_phone": "x",
        "address": "杭州",
        "items": [{"line": line.pk, "quantity": 5}],
    }
    before = _written()
    resp = api.post("/api/shipments/", body, format="json")
    assert resp.status_code == 400
    assert "recipient_name" in resp.json() and "recipient_phone" in resp.json()
    body.update(recipient_name="王", recipient_phone="13800000000")
    resp = api.post("/api/shipments/", body, format="json")
    assert resp.status_code == 400 and "at most 1" in str(resp.json()["items"])
    body["items"] = [{"quantity": 1}]
    assert api.post("/api/shipments/", body, format="json").status_code == 400
    assert _written() == before


def test_prt_4_api_403_for_the_salesperson_and_another_branch(
    api_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _parcel(people, working_order, line)
    sales = api_for(people["salesperson"])
    resp = sales.get("/api/shipments/")
    assert resp.status_code == 403 and "view_shipment" in str(resp.json())
    resp = sales.post(f"/api/shipments/{shipment.pk}/cancel/", {"reason": "x"})
    assert resp.status_code == 403
    outsider = api_for(people["outsider"])
    assert outsider.get("/api/shipments/").json()["results"] == []
    resp = outsider.get(f"/api/shipments/{shipment.pk}/")
    assert resp.status_code == 403 and "outside your reach" in str(resp.json())
    resp = api_for(people["keeper"]).post(f"/api/shipments/{shipment.pk}/cancel/", {"reason": ""})
    assert resp.status_code == 400 and "reason" in resp.json()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PREPARED


def test_prt_4_every_shipment_action_is_in_the_schema(client_for, people):
    resp = client_for(people["keeper"]).get("/api/schema/")
    text = resp.content.decode()
    for path in (
        "/api/shipments/:",
        "/api/shipments/{id}/:",
        "/api/shipments/{id}/ship/:",
        "/api/shipments/{id}/deliver/:",
        "/api/shipments/{id}/cancel/:",
    ):
        assert path in text
