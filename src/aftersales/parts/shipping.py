"""Parts by courier (PRT-4, FEE-4): shipments of issued parts to a customer or a technician,
and old or unused parts coming back to the warehouse (freight collect), each with its
courier and tracking number.

A shipment moves no stock: the parts left the warehouse on their slip (PRT-2) and come
back through ``services.receive_old_part`` / ``services.return_unused`` when the keeper
has the parcel. Each function runs in one transaction, checks the right, the order's
reach and the rules before writing, and records an audit row (SEC-1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_any_perm, require_perm
from aftersales.parts.models import (
    LineStatus,
    Part,
    PartLine,
    Payment,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    Warehouse,
    WarehouseKind,
)
from aftersales.service.models import OrderType, ServiceOrder
from aftersales.service.services import require_order_reach

ADD = "parts.add_shipment"
CHANGE = "parts.change_shipment"
DISPATCH = "service.dispatch_serviceorder"
OUTGOING = (ShipmentDirection.TO_CUSTOMER, ShipmentDirection.TO_TECHNICIAN)
# Loose on purpose: landlines with area codes, mobiles, "+86 571-…", extensions by space.
PHONE = re.compile(r"^[0-9+\- ]{5,30}$")
CENT = Decimal("0.01")


def shipments_visible_to(user):
    """ORG-3: the shipments of the orders in the user's reach."""
    return Shipment.objects.filter(order__in=ServiceOrder.objects.visible_to(user).values("pk"))


def money(value, field: str) -> Decimal | None:
    """A non-negative amount with at most 2 decimals, as Decimal (never float); None if empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, float):
            raise InvalidOperation
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError({field: _("Enter an amount such as 12.50.")}) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0:
        raise ServiceError({field: _("Enter an amount of zero or more, with at most 2 decimals.")})
    return amount.quantize(CENT)


# --- who may do what ------------------------------------------------------------------------


def may_create(actor, order: ServiceOrder, direction: str) -> bool:
    """PRT-4: the keeper (or dispatch) sends parts out; a return is sent by the order's
    technician, dispatch or the keeper."""
    if not actor.has_perm(ADD):
        return False
    if actor.has_perm(CHANGE) or actor.has_perm(DISPATCH):
        return True
    return direction == ShipmentDirection.RETURN and order.technician_id == actor.pk


def may_ship(actor, shipment: Shipment) -> bool:
    """The keeper hands outgoing parcels to the courier; a return by the technician who
    sends it (or anyone with the change right)."""
    if actor.has_perm(CHANGE):
        return True
    return (
        shipment.direction == ShipmentDirection.RETURN
        and actor.has_perm(ADD)
        and actor.pk in (shipment.technician_id, shipment.order.technician_id)
    )


def may_deliver(actor, shipment: Shipment) -> bool:
    """The keeper records deliveries; a technician confirms a parcel sent to them."""
    if actor.has_perm(CHANGE):
        return True
    return (
        shipment.direction == ShipmentDirection.TO_TECHNICIAN
        and actor.has_perm("parts.view_shipment")
        and shipment.technician_id == actor.pk
    )


def may_cancel(actor, shipment: Shipment) -> bool:
    """The keeper, or whoever prepared the shipment."""
    return actor.has_perm(CHANGE) or (actor.has_perm(ADD) and shipment.created_by_id == actor.pk)


# --- create ---------------------------------------------------------------------------------


def _recipient_errors(name: str, phone: str, address: str) -> dict[str, str]:
    errors = {}
    if not name:
        errors["recipient_name"] = _("Enter who receives the parcel.")
    if not phone:
        errors["recipient_phone"] = _("Enter the recipient's phone for the courier.")
    elif not PHONE.match(phone):
        errors["recipient_phone"] = _("Enter a phone number: 5 to 30 digits, spaces, “+” or “-”.")
    if not address:
        errors["address"] = _("Enter the address the courier delivers to.")
    return errors


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _clean_serials(values: Iterable[str] | None) -> list[str]:
    seen: list[str] = []
    for value in values or ():
        text = str(value).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def _returnable(line: PartLine, old_part: bool) -> bool:
    if old_part:
        # PRT-3: an old part still owed to the warehouse.
        return (
            line.old_part_required
            and line.old_part_received_at is None
            and line.status in (LineStatus.ISSUED, LineStatus.USED)
        )
    return line.status == LineStatus.ISSUED  # an unused part going back


def _pick_line(lines: list[PartLine], part: Part, direction: str, old_part: bool):
    """An item named by its part: the order's one line of that part that fits."""
    fits = [
        line
        for line in lines
        if line.part_id == part.pk
        and (
            _returnable(line, old_part)
            if direction == ShipmentDirection.RETURN
            else line.status == LineStatus.ISSUED
        )
    ]
    return fits[0] if len(fits) == 1 else None


def _already_shipped(line_ids, direction: str, exclude: int | None = None) -> dict:
    """Quantities of each line (and old-part flag) in other live parcels of the direction."""
    rows = (
        ShipmentItem.objects.filter(line_id__in=line_ids, shipment__direction=direction)
        .exclude(shipment__status=ShipmentStatus.CANCELLED)
        .values("line_id", "old_part")
        .annotate(total=Sum("quantity"))
    )
    return {(r["line_id"], r["old_part"]): r["total"] for r in rows}


def _unpaid_refusal(line: PartLine) -> str | None:
    """FEE-4 (款到发货): a charged line of a parts sale leaves only paid, or on the
    technician's agreement to ship first."""
    if line.charged <= 0 or line.payment == Payment.PAID or line.credit_approved_by_id:
        return None
    return _(
        "%(part)s (line %(line)s) is charged ¥%(amount)s and the customer has not paid: "
        "parts sales ship after payment (FEE-4, 款到发货) unless the technician agreed to "
        "ship first."
    ) % {"part": line.part, "line": line.pk, "amount": f"{line.charged:.2f}"}


def create_shipment(
    *,
    actor,
    order: ServiceOrder,
    direction: str,
    warehouse: Warehouse,
    recipient_name: str,
    recipient_phone: str,
    address: str,
    items: Iterable[Mapping],
    technician=None,
    freight_collect: bool | None = None,
    note: str = "",
) -> Shipment:
    """PRT-4: a parcel of the order's parts, prepared for the courier.

    Outgoing (to the customer or a technician): lines of this order already issued on a
    slip (PRT-1, PRT-2), each at most its quantity and not already in another live parcel
    of the same direction; for a parts sale every charged line is paid or the technician
    agreed to ship first (FEE-4). A return: old parts still owed (PRT-3) or issued parts not
    used, going back to ``warehouse``, freight collect unless said otherwise.
    """
    require_perm(actor, ADD)
    require_order_reach(actor, order)
    if direction not in ShipmentDirection.values:
        raise ServiceError({"direction": _("Choose where the parcel goes.")})
    if not may_create(actor, order, direction):
        raise PermissionDenied(
            _("Only the warehouse or dispatch sends parts out; a technician sends returns.")
        )
    recipient_name = (recipient_name or "").strip()
    recipient_phone = (recipient_phone or "").strip()
    address = (address or "").strip()
    note = (note or "").strip()
    errors = _recipient_errors(recipient_name, recipient_phone, address)
    allowed = [WarehouseKind.CENTRAL, WarehouseKind.BRANCH]
    if direction == ShipmentDirection.RETURN:
        allowed.append(WarehouseKind.OLD_PARTS)
    if warehouse is None or warehouse.kind not in allowed or not warehouse.is_active:
        errors["warehouse"] = (
            _("A return goes back to a warehouse or the old-part zone.")
            if direction == ShipmentDirection.RETURN
            else _("Parts are sent from a warehouse.")
        )
    if len(note) > 300:
        errors["note"] = _("Keep the note under 300 characters.")
    items = list(items or [])
    if not items:
        errors["items"] = _("Choose the parts in the parcel.")
    if errors:
        raise ServiceError(errors)
    if freight_collect is None:
        freight_collect = direction == ShipmentDirection.RETURN  # PRT-4: returns go collect

    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        lines = list(
            PartLine.objects.select_for_update(of=("self",))
            .filter(order=order)
            .select_related("part")
            .order_by("pk")
        )
        by_pk = {line.pk: line for line in lines}
        if technician is None:
            technician = order.technician
        if direction == ShipmentDirection.TO_TECHNICIAN and technician is None:
            raise ServiceError({"technician": _("The order has no technician to send to.")})
        problems: list[str] = []
        chosen: list[tuple[PartLine, int, bool, list[str]]] = []
        for item in items:
            old_part = bool(item.get("old_part")) and direction == ShipmentDirection.RETURN
            if item.get("old_part") and direction != ShipmentDirection.RETURN:
                problems.append(_("Old parts only travel back to the warehouse."))
                continue
            line = item.get("line")
            if line is not None:
                line = by_pk.get(getattr(line, "pk", line))
                if line is None:
                    problems.append(_("A part in the parcel is not a line of this order."))
                    continue
            else:
                part = item.get("part")
                line = _pick_line(lines, part, direction, old_part) if part else None
                if line is None:
                    problems.append(
                        _("%(part)s is not one line of this order that can go in this parcel.")
                        % {"part": part or "—"}
                    )
                    continue
            quantity = _whole(item.get("quantity", line.quantity))
            if quantity is None or quantity <= 0:
                problems.append(
                    _("%(part)s: the quantity must be a whole number above zero.")
                    % {"part": line.part}
                )
                continue
            if direction == ShipmentDirection.RETURN:
                if not _returnable(line, old_part):
                    problems.append(
                        _("%(part)s: its old part is not owed to the warehouse.")
                        % {"part": line.part}
                        if old_part
                        else _("%(part)s is “%(status)s”: only an issued, unused part goes back.")
                        % {"part": line.part, "status": line.get_status_display()}
                    )
                    continue
            elif line.status != LineStatus.ISSUED:
                # PRT-1, PRT-2: parts leave only after they were issued on a slip.
                problems.append(
                    _("%(part)s is “%(status)s”: only parts issued on a slip are sent.")
                    % {"part": line.part, "status": line.get_status_display()}
                )
                continue
            serials = _clean_serials(item.get("serials"))
            if line.part.is_valuable:
                if old_part:
                    fitted = set(serials) & set(line.serial_numbers)
                    if fitted:
                        problems.append(
                            _("%(serials)s is the new part fitted, not the old one.")
                            % {"serials": ", ".join(sorted(fitted))}
                        )
                        continue
                else:
                    unknown = [s for s in serials if s not in line.serial_numbers]
                    if unknown:
                        problems.append(
                            _("%(part)s: %(serials)s was not issued on this line.")
                            % {"part": line.part, "serials": ", ".join(unknown)}
                        )
                        continue
                    if not serials and quantity == len(line.serial_numbers):
                        serials = list(line.serial_numbers)
            if len(serials) > quantity:
                problems.append(
                    _("%(part)s: more serial numbers than pieces.") % {"part": line.part}
                )
                continue
            chosen.append((line, quantity, old_part, serials))
        if problems:
            raise ServiceError({"items": problems})

        # No double shipping: the same line's pieces travel once per direction.
        shipped = _already_shipped([c[0].pk for c in chosen], direction)
        wanted: dict[tuple[int, bool], int] = {}
        for line, quantity, old_part, _serials in chosen:
            wanted[(line.pk, old_part)] = wanted.get((line.pk, old_part), 0) + quantity
        for (line_pk, old_part), quantity in wanted.items():
            line = by_pk[line_pk]
            before = shipped.get((line_pk, old_part), 0)
            if before + quantity > line.quantity:
                if before:
                    problems.append(
                        _(
                            "%(part)s: %(before)s of %(total)s already travel in another "
                            "shipment the same way; it is not sent twice."
                        )
                        % {"part": line.part, "before": before, "total": line.quantity}
                    )
                else:
                    problems.append(
                        _("%(part)s: at most %(total)s, the line's quantity.")
                        % {"part": line.part, "total": line.quantity}
                    )
        if (
            direction == ShipmentDirection.TO_CUSTOMER
            and order.order_type == OrderType.PARTS_PURCHASE
        ):
            for line_pk, _old in wanted:
                refusal = _unpaid_refusal(by_pk[line_pk])
                if refusal:
                    problems.append(refusal)
        if problems:
            raise ServiceError({"items": problems})

        shipment = Shipment.objects.create(
            number=next_number("FH"),
            direction=direction,
            order=order,
            warehouse=warehouse,
            technician=technician,
            recipient_name=recipient_name[:100],
            recipient_phone=recipient_phone,
            address=address[:300],
            freight_collect=bool(freight_collect),
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        ShipmentItem.objects.bulk_create(
            ShipmentItem(
                shipment=shipment,
                part=line.part,
                quantity=quantity,
                line=line,
                old_part=old_part,
                serial_numbers=serials,
            )
            for line, quantity, old_part, serials in chosen
        )
        record(
            shipment,
            "parts.shipment.created",
            actor=actor,
            note="; ".join(
                f"{line.part.code} × {quantity}{' (old)' if old_part else ''}"
                for line, quantity, old_part, _s in chosen
            ),
        )
    return shipment


# --- the parcel's way -----------------------------------------------------------------------


def _locked(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("order", "technician")
        .get(pk=shipment.pk)
    )


def _state(shipment: Shipment) -> dict:
    return {
        "status": shipment.status,
        "courier": shipment.courier,
        "tracking_number": shipment.tracking_number,
        "freight": None if shipment.freight is None else str(shipment.freight),
    }


def _wrong_state(shipment: Shipment, wanted: str) -> ServiceError:
    return ServiceError(
        _("Shipment %(number)s is “%(status)s”; only a %(wanted)s shipment can be changed so.")
        % {
            "number": shipment.number,
            "status": shipment.get_status_display(),
            "wanted": ShipmentStatus(wanted).label,
        }
    )


def mark_shipped(*, actor, shipment: Shipment, courier: str, tracking_number: str, freight=None):
    """PRT-4: handed to the courier — the courier and the tracking number are recorded, and
    the technician (or, for a return, the warehouse) hears of it."""
    require_any_perm(actor, CHANGE, ADD)
    require_order_reach(actor, shipment.order_id)
    courier = (courier or "").strip()
    tracking_number = (tracking_number or "").strip()
    errors = {}
    if not courier:
        errors["courier"] = _("Enter the courier (e.g. SF Express).")
    elif len(courier) > 50:
        errors["courier"] = _("Keep the courier under 50 characters.")
    if not tracking_number:
        errors["tracking_number"] = _("Enter or scan the tracking number.")
    elif len(tracking_number) > 60:
        errors["tracking_number"] = _("Keep the tracking number under 60 characters.")
    try:
        amount = money(freight, "freight")
    except ServiceError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
        amount = None
    with transaction.atomic():
        locked = _locked(shipment)
        if not may_ship(actor, locked):
            raise PermissionDenied(
                _("Only the warehouse ships parts; a return is shipped by its technician.")
            )
        if locked.status != ShipmentStatus.PREPARED:
            raise _wrong_state(locked, ShipmentStatus.PREPARED)
        if errors:
            raise ServiceError(errors)
        before = _state(locked)
        locked.status = ShipmentStatus.SHIPPED
        locked.courier = courier
        locked.tracking_number = tracking_number
        if amount is not None:
            locked.freight = amount
        locked.shipped_at = timezone.now()
        locked.shipped_by = actor
        locked.updated_by = actor
        locked.save()
        record(locked, "parts.shipment.shipped", actor=actor, before=before, after=_state(locked))
        _tell_shipped(locked, actor)
    return locked


def _tell_shipped(shipment: Shipment, actor) -> None:
    from aftersales.accounts.models import User
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    if shipment.direction == ShipmentDirection.RETURN:
        # The warehouse expects the parcel.
        recipients = (
            User.objects.filter(is_active=True).with_permission(CHANGE).exclude(pk=actor.pk)
        )
    else:
        recipients = [shipment.technician or shipment.order.technician]
    params = {
        "number": shipment.number,
        "order": shipment.order.number,
        "courier": shipment.courier,
        "tracking": shipment.tracking_number,
        "recipient": shipment.recipient_name,
    }
    notify(
        recipients,
        topic=Topic.SHIPMENT_SENT,
        title=lambda: _("Parts shipped: %(number)s for order %(order)s") % params,
        body=lambda: _("%(courier)s, tracking no. %(tracking)s, to %(recipient)s.") % params,
        url=reverse("parts:shipment_detail", args=[shipment.pk]),
    )


def mark_delivered(*, actor, shipment: Shipment, note: str = "") -> Shipment:
    """PRT-4: the parcel arrived. For a return the warehouse has it: the keeper then
    receives the old part or the unused part as usual (PRT-3)."""
    require_any_perm(actor, CHANGE, "parts.view_shipment")
    require_order_reach(actor, shipment.order_id)
    note = (note or "").strip()
    if len(note) > 300:
        raise ServiceError({"note": _("Keep the note under 300 characters.")})
    with transaction.atomic():
        locked = _locked(shipment)
        if not may_deliver(actor, locked):
            raise PermissionDenied(
                _("Only the warehouse or the receiving technician records this.")
            )
        if locked.status != ShipmentStatus.SHIPPED:
            raise _wrong_state(locked, ShipmentStatus.SHIPPED)
        before = _state(locked)
        locked.status = ShipmentStatus.DELIVERED
        locked.delivered_at = timezone.now()
        locked.delivered_note = note
        locked.updated_by = actor
        locked.save()
        record(
            locked,
            "parts.shipment.delivered",
            actor=actor,
            before=before,
            after=_state(locked),
            note=note,
        )
    return locked


def cancel_shipment(*, actor, shipment: Shipment, reason: str) -> Shipment:
    """A prepared parcel that will not go; the reason is recorded."""
    require_any_perm(actor, CHANGE, ADD)
    require_order_reach(actor, shipment.order_id)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked(shipment)
        if not may_cancel(actor, locked):
            raise PermissionDenied(_("Only the warehouse or whoever prepared it may cancel it."))
        if locked.status != ShipmentStatus.PREPARED:
            raise _wrong_state(locked, ShipmentStatus.PREPARED)
        if not reason:
            raise ServiceError({"reason": _("Say why the shipment is cancelled.")})
        if len(reason) > 300:
            raise ServiceError({"reason": _("Keep the reason under 300 characters.")})
        before = _state(locked)
        locked.status = ShipmentStatus.CANCELLED
        locked.updated_by = actor
        locked.save()
        record(
            locked,
            "parts.shipment.cancelled",
            actor=actor,
            before=before,
            after=_state(locked),
            note=reason,
        )
    return locked
