# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""Shipments by courier (PRT-4) and pay before ship for parts sales (FEE-4): the services'
rules, rights, reach, refused input with nothing written, audit and notifications."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification, Topic
from aftersales.parts import services, shipping
from aftersales.parts.models import (
    LineStatus,
    PartLine,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
)
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    issued,
    make_order,
    new_order,
    requested,
    signed,
    used,
    working_order,
)
from tests.service.conftest import in_progress

pytestmark = pytest.mark.django_db
D = Decimal
TO_CUSTOMER = ShipmentDirection.TO_CUSTOMER
TO_TECH = ShipmentDirection.TO_TECHNICIAN
RETURN = ShipmentDirection.RETURN


def _create(people, order, items, actor="keeper", direction=TO_CUSTOMER, **fields):
    from aftersales.parts.models import Warehouse

    data = {
        "recipient_name": "王经理",
        "recipient_phone": "0571-87001234",
        "address": "杭州市西湖区北山街 1 号",
        "warehouse": fields.pop("warehouse", None) or Warehouse.objects.get(code="WH-HQ"),
    }
    data.update(fields)
    return shipping.create_shipment(
        actor=people[actor], order=order, direction=direction, items=items, **data
    )


def _written() -> tuple[int, int, int]:
    return Shipment.objects.count(), ShipmentItem.objects.count(), AuditEntry.objects.count()


def _refused(call, field: str, text: str):
    before = _written()
    with pytest.raises(ServiceError) as exc:
        call()
    assert text in " ".join(str(m) for m in exc.value.message_dict[field])
    assert _written() == before  # nothing written
    return exc.value


# --- creating a parcel -------------------------------------------------------------------------


def test_prt_4_the_keeper_prepares_a_parcel_of_issued_parts_numbered_fh(
    working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    shipment = _create(people, working_order, [{"line": line, "quantity": 2}])
    assert shipment.number.startswith("FH")
    assert shipment.status == ShipmentStatus.PREPARED
    assert shipment.freight_collect is False  # outgoing parcels are prepaid
    assert shipment.technician == people["technician"]
    item = shipment.items.get()
    assert (item.line, item.part, item.quantity, item.old_part) == (line, line.part, 2, False)
    assert AuditEntry.objects.filter(action="parts.shipment.created").count() == 1


def test_prt_4_a_valuable_part_travels_with_its_issued_serials(working_order, people, catalogue):
    line = issued(
        working_order, people, catalogue, catalogue["parts"]["compressor"], serials=["C-0001"]
    )
    shipment = _create(people, working_order, [{"line": line, "quantity": 1}], direction=TO_TECH)
    assert shipment.items.get().serial_numbers == ["C-0001"]
    _refused(
        lambda: _create(
            people, working_order, [{"line": line, "quantity": 1, "serials": ["C-0002"]}]
        ),
        "items",
        "C-0002 was not issued on this line",
    )


def test_prt_4_an_item_named_by_its_part_finds_the_orders_issued_line(
    working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(people, working_order, [{"part": line.part, "quantity": 1}])
    assert shipment.items.get().line == line


@pytest.mark.parametrize("status", ["requested", "signed", "used"])
def test_prt_4_only_parts_issued_on_a_slip_leave_prt_1_prt_2(
    status, working_order, people, catalogue
):
    sensor = catalogue["parts"]["sensor"]
    line = {
        "requested": lambda: requested(working_order, people, sensor),
        "signed": lambda: signed(working_order, people, sensor),
        "used": lambda: used(working_order, people, catalogue, sensor),
    }[status]()
    _refused(
        lambda: _create(people, working_order, [{"line": line, "quantity": 1}]),
        "items",
        "only parts issued on a slip are sent",
    )


def test_prt_4_no_more_than_the_line_and_no_double_shipping(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    _refused(
        lambda: _create(people, working_order, [{"line": line, "quantity": 3}]),
        "items",
        "at most 2, the line's quantity",
    )
    first = _create(people, working_order, [{"line": line, "quantity": 2}])
    exc = _refused(
        lambda: _create(people, working_order, [{"line": line, "quantity": 1}]),
        "items",
        "already travel in another shipment",
    )
    assert "not sent twice" in str(exc)
    # a cancelled parcel frees its parts; the other direction is another trip
    shipping.cancel_shipment(actor=people["keeper"], shipment=first, reason="wrong address")
    again = _create(people, working_order, [{"line": line, "quantity": 2}])
    assert again.status == ShipmentStatus.PREPARED


def test_prt_4_a_line_of_another_order_is_refused(working_order, make_order, people, catalogue):
    other = make_order()
    line = issued(other, people, catalogue, catalogue["parts"]["sensor"])
    _refused(
        lambda: _create(people, working_order, [{"line": line, "quantity": 1}]),
        "items",
        "not a line of this order",
    )


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"recipient_name": "  "}, "recipient_name", "Enter who receives the parcel"),
        ({"recipient_phone": ""}, "recipient_phone", "Enter the recipient's phone"),
        ({"recipient_phone": "call me"}, "recipient_phone", "5 to 30 digits"),
        ({"recipient_phone": "123"}, "recipient_phone", "5 to 30 digits"),
        ({"address": ""}, "address", "Enter the address"),
    ],
)
def test_prt_4_recipient_name_phone_and_address_are_required(
    fields, field, text, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    _refused(lambda: _create(people, working_order, [{"line": line}], **fields), field, text)


@pytest.mark.parametrize("quantity", [0, -1, "1.5", "abc", None, True])
def test_prt_4_a_quantity_must_be_whole_and_above_zero(quantity, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    _refused(
        lambda: _create(people, working_order, [{"line": line, "quantity": quantity}]),
        "items",
        "whole number above zero",
    )


def test_prt_4_parts_leave_from_a_warehouse_not_the_old_part_zone(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    _refused(
        lambda: _create(people, working_order, [{"line": line}], warehouse=catalogue["zone"]),
        "warehouse",
        "sent from a warehouse",
    )
    _refused(lambda: _create(people, working_order, []), "items", "Choose the parts")


# --- FEE-4: parts sales ship after payment -------------------------------------------------------


@pytest.fixture
def parts_sale(new_order, people):
    """A parts-purchase order (paid service) worked by the Hangzhou technician."""
    order = in_progress(new_order(order_type="parts_purchase", unit=None), people)
    assert order.service_kind == "paid"
    return order


def _sale_line(order, people, catalogue, payment):
    sensor = catalogue["parts"]["sensor"]
    line = requested(order, people, sensor)
    if payment == "unpaid":
        services.agree_to_issue_unpaid(actor=people["technician"], line=line)
    services.sign_line(actor=people["finance"], line=line, approve=True, payment=payment)
    services.issue_lines(
        actor=people["keeper"], order=order, lines=[line], warehouse=catalogue["central"]
    )
    line.refresh_from_db()
    assert line.status == LineStatus.ISSUED and line.amount == D("85.00")
    return line


def test_fee_4_a_paid_parts_sale_ships_to_the_customer(parts_sale, people, catalogue):
    line = _sale_line(parts_sale, people, catalogue, "paid")
    shipment = _create(people, parts_sale, [{"line": line}])
    assert shipment.items.get().line == line


def test_fee_4_an_unpaid_parts_sale_ships_on_the_technicians_agreement(
    parts_sale, people, catalogue
):
    line = _sale_line(parts_sale, people, catalogue, "unpaid")
    assert line.payment == "unpaid" and line.credit_approved_by == people["technician"]
    shipment = _create(people, parts_sale, [{"line": line}])
    assert shipment.status == ShipmentStatus.PREPARED


def test_fee_4_an_unpaid_parts_sale_without_agreement_does_not_ship_to_the_customer(
    parts_sale, people, catalogue
):
    line = _sale_line(parts_sale, people, catalogue, "paid")
    # As it stood before the agreement was recorded (older data): unpaid, nobody agreed.
    PartLine.objects.filter(pk=line.pk).update(payment="unpaid", credit_approved_by=None)
    exc = _refused(
        lambda: _create(people, parts_sale, [{"line": line}]),
        "items",
        f"CGQ-01 水温传感器 (line {line.pk}) is charged ¥85.00 and the customer has not paid",
    )
    assert "FEE-4" in str(exc)
    # to the technician it may go: the rule is about the customer's parcel
    assert _create(people, parts_sale, [{"line": line}], direction=TO_TECH).pk


def test_fee_4_does_not_apply_to_warranty_repairs(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    PartLine.objects.filter(pk=line.pk).update(payment="unpaid")
    assert _create(people, working_order, [{"line": line}]).pk


# --- returns -----------------------------------------------------------------------------------


def test_prt_4_the_technician_returns_the_old_part_freight_collect(
    working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    assert line.old_part_required
    shipment = _create(
        people,
        working_order,
        [{"line": line, "old_part": True}],
        actor="technician",
        direction=RETURN,
        warehouse=catalogue["zone"],
    )
    assert shipment.freight_collect is True  # PRT-4: returns are freight collect
    assert shipment.items.get().old_part is True
    # the old part travels once
    _refused(
        lambda: _create(
            people,
            working_order,
            [{"line": line, "old_part": True}],
            actor="technician",
            direction=RETURN,
        ),
        "items",
        "already travel in another shipment",
    )


def test_prt_4_a_return_may_be_prepaid_when_said_so(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(
        people, working_order, [{"line": line}], direction=RETURN, freight_collect=False
    )
    assert shipment.freight_collect is False and shipment.items.get().old_part is False


def test_prt_4_a_return_carries_only_what_is_owed_or_unused(working_order, people, catalogue):
    seal = used(working_order, people, catalogue, catalogue["parts"]["seal"])
    assert not seal.old_part_required  # PRT-1 b: stays with the customer
    _refused(
        lambda: _create(
            people, working_order, [{"line": seal, "old_part": True}], direction=RETURN
        ),
        "items",
        "its old part is not owed",
    )
    _refused(
        lambda: _create(people, working_order, [{"line": seal}], direction=RETURN),
        "items",
        "only an issued, unused part goes back",
    )
    sensor = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    _refused(
        lambda: _create(people, working_order, [{"line": sensor, "old_part": True}]),
        "items",
        "Old parts only travel back",
    )


def test_prt_4_the_old_part_is_not_the_new_serial(working_order, people, catalogue):
    line = used(
        working_order, people, catalogue, catalogue["parts"]["compressor"], serials=["C-0001"]
    )
    _refused(
        lambda: _create(
            people,
            working_order,
            [{"line": line, "old_part": True, "serials": ["C-0001"]}],
            actor="technician",
            direction=RETURN,
        ),
        "items",
        "is the new part fitted",
    )


# --- rights and reach ----------------------------------------------------------------------------


def test_prt_4_a_technician_sends_returns_but_not_parts_out(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    before = _written()
    with pytest.raises(PermissionDenied):
        _create(people, working_order, [{"line": line}], actor="technician")
    assert _written() == before


@pytest.mark.parametrize("persona", ["salesperson", "finance"])
def test_prt_4_a_role_without_the_right_cannot_create(persona, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    with pytest.raises(PermissionDenied, match="add_shipment"):
        _create(people, working_order, [{"line": line}], actor=persona)
    assert Shipment.objects.count() == 0


def test_org_3_another_branch_cannot_ship_a_hangzhou_order(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    with pytest.raises(PermissionDenied, match="outside your reach"):
        _create(people, working_order, [{"line": line}], actor="outsider", direction=RETURN)
    shipment = _create(people, working_order, [{"line": line}])
    assert shipment in shipping.shipments_visible_to(people["technician"])
    assert shipment in shipping.shipments_visible_to(people["keeper"])
    assert shipment not in shipping.shipments_visible_to(people["outsider"])


# --- shipped, delivered, cancelled -------------------------------------------------------------


def test_prt_4_shipping_records_courier_and_tracking_and_tells_the_technician(
    working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(people, working_order, [{"line": line}])
    done = shipping.mark_shipped(
        actor=people["keeper"],
        shipment=shipment,
        courier=" 顺丰速运 ",
        tracking_number="SF1234567890",
        freight="12.50",
    )
    assert (done.status, done.courier, done.tracking_number) == (
        ShipmentStatus.SHIPPED,
        "顺丰速运",
        "SF1234567890",
    )
    assert done.freight == D("12.50") and isinstance(done.freight, Decimal)
    assert done.shipped_by == people["keeper"] and done.shipped_at is not None
    note = Notification.objects.get(topic=Topic.SHIPMENT_SENT)
    assert note.recipient == people["technician"]
    assert "顺丰速运" in note.body and "SF1234567890" in note.body
    assert AuditEntry.objects.filter(action="parts.shipment.shipped").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"courier": ""}, "courier", "Enter the courier"),
        ({"tracking_number": "  "}, "tracking_number", "tracking number"),
        ({"freight": "-1"}, "freight", "zero or more"),
        ({"freight": "abc"}, "freight", "Enter an amount"),
        ({"freight": "1.005"}, "freight", "at most 2 decimals"),
        ({"freight": 1.5}, "freight", "Enter an amount"),
    ],
)
def test_prt_4_courier_and_tracking_are_required_and_freight_is_money(
    fields, field, text, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(people, working_order, [{"line": line}])
    data = {"courier": "顺丰", "tracking_number": "SF1", "freight": None, **fields}
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as exc:
        shipping.mark_shipped(actor=people["keeper"], shipment=shipment, **data)
    assert text in " ".join(exc.value.message_dict[field])
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PREPARED and shipment.tracking_number == ""
    assert AuditEntry.objects.count() == before
    assert not Notification.objects.filter(topic=Topic.SHIPMENT_SENT).exists()


def test_prt_4_only_the_keeper_ships_outgoing_parcels_the_technician_ships_returns(
    working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    spare = issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    out = _create(people, working_order, [{"line": spare}], direction=TO_TECH)
    with pytest.raises(PermissionDenied):
        shipping.mark_shipped(
            actor=people["technician"], shipment=out, courier="顺丰", tracking_number="SF1"
        )
    back = _create(
        people,
        working_order,
        [{"line": line, "old_part": True}],
        actor="technician",
        direction=RETURN,
        warehouse=catalogue["zone"],
    )
    done = shipping.mark_shipped(
        actor=people["technician"], shipment=back, courier="中通", tracking_number="ZT9"
    )
    assert done.status == ShipmentStatus.SHIPPED
    # the warehouse hears a return is on its way
    assert Notification.objects.filter(
        topic=Topic.SHIPMENT_SENT, recipient=people["keeper"]
    ).exists()


def test_prt_4_a_delivered_return_lets_the_keeper_receive_the_old_part(
    working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    back = _create(
        people,
        working_order,
        [{"line": line, "old_part": True}],
        actor="technician",
        direction=RETURN,
        warehouse=catalogue["zone"],
    )
    with pytest.raises(ServiceError, match="only a shipped shipment"):
        shipping.mark_delivered(actor=people["keeper"], shipment=back)
    shipping.mark_shipped(
        actor=people["technician"], shipment=back, courier="中通", tracking_number="ZT9"
    )
    with pytest.raises(PermissionDenied):
        shipping.mark_delivered(actor=people["technician"], shipment=back)
    done = shipping.mark_delivered(actor=people["keeper"], shipment=back, note="箱子完好")
    assert done.status == ShipmentStatus.DELIVERED and done.delivered_note == "箱子完好"
    received = services.receive_old_part(actor=people["keeper"], line=line)
    assert received.deposit_reversed_at is not None


def test_prt_4_wrong_states_are_refused_with_the_reason(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(people, working_order, [{"line": line}])
    shipping.mark_shipped(
        actor=people["keeper"], shipment=shipment, courier="顺丰", tracking_number="SF1"
    )
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError, match="“shipped”; only a prepared shipment"):
        shipping.mark_shipped(
            actor=people["keeper"], shipment=shipment, courier="顺丰", tracking_number="SF2"
        )
    with pytest.raises(ServiceError, match="only a prepared shipment"):
        shipping.cancel_shipment(actor=people["keeper"], shipment=shipment, reason="late")
    shipment.refresh_from_db()
    assert shipment.tracking_number == "SF1" and AuditEntry.objects.count() == before


def test_prt_4_cancelling_needs_a_reason_and_is_audited(working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    shipment = _create(people, working_order, [{"line": line}])
    with pytest.raises(ServiceError) as exc:
        shipping.cancel_shipment(actor=people["keeper"], shipment=shipment, reason=" ")
    assert "Say why" in exc.value.message_dict["reason"][0]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PREPARED
    with pytest.raises(PermissionDenied):
        shipping.cancel_shipment(actor=people["technician"], shipment=shipment, reason="x")
    shipping.cancel_shipment(actor=people["keeper"], shipment=shipment, reason="客户自提")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED
    entry = AuditEntry.objects.get(action="parts.shipment.cancelled")
    assert entry.note == "客户自提"
