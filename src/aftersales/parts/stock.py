"""The stock ledger (PRT-2, PRT-8): the one function that moves stock.

Every movement — receipt, issue, use on an order, return, old part in, transfer, count
adjustment, scrap — is ``move()``: it locks the stock levels it touches (in a fixed order,
so two moves never wait on each other in a circle), refuses to take a location below zero,
writes the ledger row and updates the on-hand sums in the caller's transaction. The
database's check on ``on_hand >= 0`` is the last guard. Valuable parts move by serial.

Below it, the warehouse's own services (each checks the right and its input, then calls
``move()`` in one transaction and writes the audit row): receipts, transfers, scrap,
reorder points and reserve stock, the shortage list, and stock counts with their
approval (PRT-8, SEC-5); and the reach querysets of the stock pages and API (ORG-3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.reach import reach_of
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_perm
from aftersales.parts.models import (
    CountStatus,
    MoveKind,
    Part,
    PartSerial,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMove,
    Warehouse,
    WarehouseKind,
)

# The most one move may carry: far above any real movement, well inside the database's
# integer columns (a larger number would overflow on_hand instead of being refused).
MAX_QUANTITY = 1_000_000
SERIAL_MAX = PartSerial._meta.get_field("serial_number").max_length


def _level(warehouse: Warehouse, part: Part) -> StockLevel:
    """The locked stock level of a part at a location (created at zero when new)."""
    level = StockLevel.objects.select_for_update().filter(warehouse=warehouse, part=part).first()
    if level is not None:
        return level
    try:
        with transaction.atomic():
            StockLevel.objects.create(warehouse=warehouse, part=part)
    except IntegrityError:
        pass  # created by a concurrent move; lock theirs
    return StockLevel.objects.select_for_update().get(warehouse=warehouse, part=part)


def clean_serials(part: Part, quantity: int, serials: Sequence[str] | str) -> list[str]:
    """PRT-2: a valuable part moves with one serial per piece (no repeats); others none.

    A single string is read as serials separated by spaces, commas or new lines.
    """
    if serials is None:
        serials = ()
    if isinstance(serials, str):
        serials = re.split(r"[\s,;，；]+", serials)
    if not isinstance(serials, list | tuple):
        raise ServiceError({"serial_numbers": _("Serial numbers are text.")})
    if any(s is not None and not isinstance(s, str) for s in serials):
        raise ServiceError({"serial_numbers": _("Serial numbers are text.")})
    cleaned = [s.strip() for s in serials if s and s.strip()]
    if not part.is_valuable:
        return []
    too_long = [s for s in cleaned if len(s) > SERIAL_MAX]
    if too_long:
        raise ServiceError(
            {
                "serial_numbers": _("A serial number has at most %(n)s characters.")
                % {"n": SERIAL_MAX}
            }
        )
    if len(cleaned) != quantity:
        raise ServiceError(
            {
                "serial_numbers": _(
                    "%(part)s is traced by serial number: give one for each of the %(n)s pieces."
                )
                % {"part": part.code, "n": quantity}
            }
        )
    if len(set(cleaned)) != len(cleaned):
        raise ServiceError({"serial_numbers": _("A serial number is given twice.")})
    return cleaned


def _move_serials(part, serials, source, target, order) -> None:
    for serial in serials:
        found = PartSerial.objects.select_for_update().filter(part=part, serial_number=serial)
        entry = found.first()
        if source is None:
            # Into stock from outside (a receipt, an old part coming back).
            if entry is not None and entry.warehouse_id is not None:
                raise ServiceError(
                    {
                        "serial_numbers": _("%(serial)s is already in stock at %(place)s.")
                        % {"serial": serial, "place": entry.warehouse}
                    }
                )
            if entry is None:
                entry = PartSerial(part=part, serial_number=serial)
        elif entry is None or entry.warehouse_id != source.pk:
            raise ServiceError(
                {
                    "serial_numbers": _("%(serial)s is not at %(place)s.")
                    % {"serial": serial, "place": source}
                }
            )
        entry.warehouse = target
        if order is not None:
            entry.order = order
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:  # the same new serial received at once elsewhere
            raise ServiceError(
                {
                    "serial_numbers": _("%(serial)s is already in stock elsewhere.")
                    % {"serial": serial}
                }
            ) from exc


def move(
    *,
    kind: str,
    part: Part,
    quantity: int,
    actor,
    source: Warehouse | None = None,
    target: Warehouse | None = None,
    order=None,
    slip=None,
    line=None,
    serials: Sequence[str] = (),
    note: str = "",
) -> StockMove:
    """Move ``quantity`` of ``part`` from ``source`` to ``target`` (either may be None:
    stock coming in from outside, or leaving — used, scrapped, counted short).

    Raises ServiceError (nothing written) for a quantity that is not a positive whole
    number (or above MAX_QUANTITY), a location missing, or more than the source has on hand.
    """
    if kind not in MoveKind.values:
        raise ServiceError({"kind": _("Unknown kind of stock move.")})
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ServiceError({"quantity": _("The quantity must be a whole number above zero.")})
    if quantity > MAX_QUANTITY:
        raise ServiceError({"quantity": _("At most %(max)s in one move.") % {"max": MAX_QUANTITY}})
    if source is None and target is None:
        raise ServiceError(_("A stock move needs a location to take from or put to."))
    if source is not None and target is not None and source.pk == target.pk:
        raise ServiceError({"target": _("Choose a different location to move to.")})
    serials = clean_serials(part, quantity, serials)
    with transaction.atomic():
        places = sorted(
            (w for w in (source, target) if w is not None), key=lambda w: w.pk
        )  # one locking order for every move
        levels = {w.pk: _level(w, part) for w in places}
        if source is not None:
            available = levels[source.pk].on_hand
            if available < quantity:
                raise ServiceError(
                    {
                        "quantity": _(
                            "%(place)s has %(available)s of %(part)s; %(quantity)s cannot be taken."
                        )
                        % {
                            "place": source,
                            "available": available,
                            "part": part.code,
                            "quantity": quantity,
                        }
                    }
                )
        _move_serials(part, serials, source, target, order)
        try:
            with transaction.atomic():
                if source is not None:
                    StockLevel.objects.filter(pk=levels[source.pk].pk).update(
                        on_hand=F("on_hand") - quantity
                    )
                if target is not None:
                    StockLevel.objects.filter(pk=levels[target.pk].pk).update(
                        on_hand=F("on_hand") + quantity
                    )
        except IntegrityError as exc:  # the database's own guard (on_hand >= 0)
            raise ServiceError(
                {"quantity": _("Not enough %(part)s on hand.") % {"part": part.code}}
            ) from exc
        return StockMove.objects.create(
            at=timezone.now(),
            kind=kind,
            part=part,
            quantity=quantity,
            from_warehouse=source,
            to_warehouse=target,
            order=order,
            slip=slip,
            line=line,
            serial_numbers=serials,
            actor=actor,
            note=note[:300],
        )


def on_hand(warehouse: Warehouse, part: Part) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return level.on_hand if level else 0


def personal_stock(technician, org_unit=None) -> Warehouse:
    """The technician's own (van) stock, created with their first issue (PRT-8)."""
    found = Warehouse.objects.filter(technician=technician).first()
    if found is not None:
        return found
    unit = org_unit or technician.org_unit
    warehouse, _created = Warehouse.objects.get_or_create(
        technician=technician,
        defaults={
            "code": f"T-{technician.username}"[:30],
            "name": _("%(name)s's stock") % {"name": technician},
            "kind": WarehouseKind.TECHNICIAN,
            "org_unit": unit,
        },
    )
    return warehouse


# --- the warehouse's services (PRT-2, PRT-8) -------------------------------------------------
#
# Each one checks the right and every input first (a refusal is a ServiceError naming the
# fields, and nothing is written), then moves stock only through ``move()`` inside one
# transaction, and writes the audit row there too (SEC-1).

NOTE_MAX = 300


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    """ORG-3: the stock locations a person may see — every one with HQ reach, else those of
    their units, and always their own (van) stock."""
    reach = reach_of(user)
    if reach.everything:
        return Warehouse.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Warehouse.objects.none()
    return Warehouse.objects.filter(Q(org_unit_id__in=reach.unit_ids) | Q(technician=user))


def levels_visible_to(user) -> QuerySet[StockLevel]:
    """ORG-3: the stock levels of the locations in reach."""
    if reach_of(user).everything:
        return StockLevel.objects.all()
    return StockLevel.objects.filter(warehouse__in=warehouses_visible_to(user))


def moves_visible_to(user) -> QuerySet[StockMove]:
    """ORG-3: the ledger rows that touch a location in reach."""
    if reach_of(user).everything:
        return StockMove.objects.all()
    places = warehouses_visible_to(user)
    return StockMove.objects.filter(Q(from_warehouse__in=places) | Q(to_warehouse__in=places))


def counts_visible_to(user) -> QuerySet[StockCount]:
    """ORG-3: the stock counts of the locations in reach."""
    if reach_of(user).everything:
        return StockCount.objects.all()
    return StockCount.objects.filter(warehouse__in=warehouses_visible_to(user))


def _require_warehouse_reach(actor, warehouse: Warehouse) -> None:
    if not warehouses_visible_to(actor).filter(pk=warehouse.pk).exists():
        raise PermissionDenied(
            _("%(place)s belongs to another organisation unit outside your reach.")
            % {"place": warehouse}
        )


def _whole(value, errors: dict, field: str, *, minimum: int) -> int | None:
    """A whole number from ``minimum`` to MAX_QUANTITY (not a bool, float or text)."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = _("Enter a whole number.")
    elif value < minimum:
        errors[field] = (
            _("The quantity must be a whole number above zero.")
            if minimum > 0
            else _("The number cannot be negative.")
        )
    elif value > MAX_QUANTITY:
        errors[field] = _("At most %(max)s.") % {"max": MAX_QUANTITY}
    else:
        return value
    return None


def _part(part, errors: dict, field: str = "part", *, active: bool = False) -> Part | None:
    """The part as it is in the database now (None with an error when unknown)."""
    fresh = None
    if isinstance(part, Part) and part.pk is not None:
        fresh = Part.objects.filter(pk=part.pk).first()
    if fresh is None:
        errors[field] = _("Unknown part.")
    elif active and not fresh.is_active:
        errors[field] = _("%(part)s is no longer an active part of the catalogue.") % {
            "part": fresh.code
        }
    return fresh


def _location(
    actor, warehouse, errors: dict, field: str, *, technician_stock: bool = False
) -> Warehouse | None:
    """An active location in the actor's reach; a technician's own stock only when asked
    (parts reach it on a slip naming the order, PRT-2, and leave it as returns)."""
    fresh = None
    if isinstance(warehouse, Warehouse) and warehouse.pk is not None:
        fresh = Warehouse.objects.filter(pk=warehouse.pk).first()
    if fresh is None:
        errors[field] = _("Unknown warehouse.")
        return None
    _require_warehouse_reach(actor, fresh)
    if not fresh.is_active:
        errors[field] = _("%(place)s is closed (not active).") % {"place": fresh}
    elif fresh.kind == WarehouseKind.TECHNICIAN and not technician_stock:
        errors[field] = _(
            "%(place)s is a technician's own stock: parts go there on an outbound or loan "
            "slip of a service order and come back as returns."
        ) % {"place": fresh}
    return fresh


def _text(value, errors: dict, field: str, *, required: bool = False, message: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("Enter text.")
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = message or _("This field is required.")
    elif len(value) > NOTE_MAX:
        errors[field] = _("At most %(limit)d characters, please.") % {"limit": NOTE_MAX}
    return value


def _serials(part: Part | None, quantity, serials, errors: dict) -> list[str]:
    """PRT-2: serial numbers only for a valuable part, one per piece."""
    if part is None or "quantity" in errors:
        return []
    try:
        if part.is_valuable:
            return clean_serials(part, quantity, serials)
        if _any_serial(serials):
            raise ServiceError(
                {
                    "serial_numbers": _(
                        "%(part)s is not traced by serial number; leave the serial numbers empty."
                    )
                    % {"part": part.code}
                }
            )
        return []
    except ServiceError as exc:
        errors.update({f: msgs[0] for f, msgs in exc.message_dict.items()})
        return []


def _any_serial(serials) -> bool:
    if serials is None:
        return False
    if isinstance(serials, str):
        return bool(serials.strip())
    if not isinstance(serials, list | tuple):
        raise ServiceError({"serial_numbers": _("Serial numbers are text.")})
    if any(s is not None and not isinstance(s, str) for s in serials):
        raise ServiceError({"serial_numbers": _("Serial numbers are text.")})
    return any(s and s.strip() for s in serials)


def _describe(moved: StockMove) -> str:
    places = " → ".join(str(w) for w in (moved.from_warehouse, moved.to_warehouse) if w)
    return f"{places} · {moved.part.code} × {moved.quantity}"


def receive_stock(
    *, actor, warehouse: Warehouse, part: Part, quantity: int, serials=(), note: str = ""
) -> StockMove:
    """PRT-8: parts arrive in a warehouse (a RECEIPT move); a valuable part comes in with
    the serial number of each piece, none of them in stock anywhere yet (PRT-2)."""
    require_perm(actor, "parts.add_stockmove")
    errors: dict = {}
    warehouse = _location(actor, warehouse, errors, "warehouse")
    part = _part(part, errors, active=True)
    _whole(quantity, errors, "quantity", minimum=1)
    note = _text(note, errors, "note")
    serials = _serials(part, quantity, serials, errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        moved = move(
            kind=MoveKind.RECEIPT,
            part=part,
            quantity=quantity,
            actor=actor,
            target=warehouse,
            serials=serials,
            note=note,
        )
        record(moved, "parts.stock.received", actor=actor, note=_describe(moved))
    return moved


def transfer_stock(
    *,
    actor,
    source: Warehouse,
    target: Warehouse,
    part: Part,
    quantity: int,
    serials=(),
    note: str = "",
) -> StockMove:
    """PRT-8: parts go from one warehouse to another (a TRANSFER move); never more than the
    source has on hand; valuable parts by serial, each of them at the source (PRT-2)."""
    require_perm(actor, "parts.add_stockmove")
    errors: dict = {}
    source = _location(actor, source, errors, "source")
    target = _location(actor, target, errors, "target")
    if source is not None and target is not None and source.pk == target.pk:
        errors["target"] = _("Choose a different warehouse to move to.")
    part = _part(part, errors)
    _whole(quantity, errors, "quantity", minimum=1)
    note = _text(note, errors, "note")
    serials = _serials(part, quantity, serials, errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        moved = move(
            kind=MoveKind.TRANSFER,
            part=part,
            quantity=quantity,
            actor=actor,
            source=source,
            target=target,
            serials=serials,
            note=note,
        )
        record(moved, "parts.stock.transferred", actor=actor, note=_describe(moved))
    return moved


def scrap_stock(
    *, actor, warehouse: Warehouse, part: Part, quantity: int, reason: str, serials=()
) -> StockMove:
    """PRT-8: parts leave the stock as scrap (a SCRAP move), with the reason; valuable
    parts by serial (PRT-2)."""
    require_perm(actor, "parts.add_stockmove")
    errors: dict = {}
    warehouse = _location(actor, warehouse, errors, "warehouse")
    part = _part(part, errors)
    _whole(quantity, errors, "quantity", minimum=1)
    reason = _text(
        reason, errors, "reason", required=True, message=_("Say why the parts are scrapped.")
    )
    serials = _serials(part, quantity, serials, errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        moved = move(
            kind=MoveKind.SCRAP,
            part=part,
            quantity=quantity,
            actor=actor,
            source=warehouse,
            serials=serials,
            note=reason,
        )
        record(moved, "parts.stock.scrapped", actor=actor, note=reason)
    return moved


def set_stock_limits(
    *, actor, warehouse: Warehouse, part: Part, reorder_point: int, reserve: int
) -> StockLevel:
    """PRT-8: the reorder point and the reserve (emergency) stock of a part at a location,
    a technician's own stock included; they feed the shortage list."""
    require_perm(actor, "parts.change_stocklevel")
    errors: dict = {}
    warehouse = _location(actor, warehouse, errors, "warehouse", technician_stock=True)
    part = _part(part, errors)
    _whole(reorder_point, errors, "reorder_point", minimum=0)
    _whole(reserve, errors, "reserve", minimum=0)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        level = _level(warehouse, part)
        before = snapshot(level)
        level.reorder_point = reorder_point
        level.reserve = reserve
        level.save(update_fields=["reorder_point", "reserve"])
        record(level, "parts.stocklevel.limits_set", actor=actor, before=before)
    return level


def shortage_list(warehouse: Warehouse | None = None, *, user=None) -> QuerySet[StockLevel]:
    """PRT-8: the levels of active locations whose on-hand is below the reorder point, each
    with ``to_order`` = reorder point + reserve − on hand (one query; most urgent first).

    ``user`` limits it to the locations in that person's reach (ORG-3).
    """
    levels = StockLevel.objects.filter(
        on_hand__lt=F("reorder_point"), warehouse__is_active=True, part__is_active=True
    )
    if warehouse is not None:
        levels = levels.filter(warehouse=warehouse)
    if user is not None:
        levels = levels.filter(warehouse__in=warehouses_visible_to(user))
    return (
        levels.select_related("warehouse", "part")
        .annotate(to_order=F("reorder_point") + F("reserve") - F("on_hand"))
        .order_by("warehouse__code", "-to_order", "part__code")
    )


def serial_moves(part: Part, serial: str) -> QuerySet[StockMove]:
    """PRT-2: the ledger rows that moved one serial number, newest first (the other way
    round, each move lists its serials)."""
    import json

    needle = json.dumps(serial)
    return (
        StockMove.objects.filter(part=part)
        .alias(serial_text=Cast("serial_numbers", TextField()))
        .filter(serial_text__contains=needle)
    )


# --- stock counts (PRT-8, SEC-5) -------------------------------------------------------------

UNDER_WAY = (CountStatus.OPEN, CountStatus.SUBMITTED)


def start_count(*, actor, warehouse: Warehouse, parts=None) -> StockCount:
    """PRT-8: begin a count of one location: a number in the PD series and one line per
    part with its on-hand now as ``expected`` — every part with a level there, or the
    parts given. One count of a location at a time."""
    require_perm(actor, "parts.add_stockcount")
    errors: dict = {}
    warehouse = _location(actor, warehouse, errors, "warehouse", technician_stock=True)
    chosen: list[Part] | None = None
    if parts is not None:
        if isinstance(parts, str | bytes) or not hasattr(parts, "__iter__"):
            errors["parts"] = _("Choose the parts to count.")
        else:
            ids = []
            for item in parts:
                pk = item.pk if isinstance(item, Part) else item
                if isinstance(pk, bool) or not isinstance(pk, int):
                    errors["parts"] = _("Unknown part.")
                    break
                ids.append(pk)
            if "parts" not in errors:
                chosen = list(Part.objects.filter(pk__in=set(ids)).order_by("code"))
                if len(chosen) != len(set(ids)):
                    errors["parts"] = _("Unknown part.")
                elif not chosen:
                    errors["parts"] = _("Choose the parts to count.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        # One count of a location at a time: two would post the same variance twice.
        Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        busy = StockCount.objects.filter(warehouse=warehouse, status__in=UNDER_WAY).first()
        if busy is not None:
            raise ServiceError(
                {
                    "warehouse": _("%(place)s is being counted already (%(number)s).")
                    % {"place": warehouse, "number": busy.number}
                }
            )
        books = dict(
            StockLevel.objects.filter(warehouse=warehouse).values_list("part_id", "on_hand")
        )
        if chosen is None:
            chosen = list(Part.objects.filter(pk__in=books).order_by("code"))
            if not chosen:
                raise ServiceError(
                    {
                        "parts": _("%(place)s has no parts on its books: name the parts to count.")
                        % {"place": warehouse}
                    }
                )
        count = StockCount.objects.create(
            number=next_number("PD"),
            warehouse=warehouse,
            counted_by=actor,
            created_by=actor,
            updated_by=actor,
        )
        StockCountLine.objects.bulk_create(
            StockCountLine(count=count, part=p, expected=books.get(p.pk, 0)) for p in chosen
        )
        record(
            count,
            "parts.stockcount.started",
            actor=actor,
            note=_("%(n)s parts to count") % {"n": len(chosen)},
        )
    return count


def _locked_count(actor, count: StockCount) -> StockCount:
    if not isinstance(count, StockCount) or count.pk is None:
        raise ServiceError({"count": _("Unknown stock count.")})
    locked = (
        StockCount.objects.select_for_update(of=("self",))
        .select_related("warehouse")
        .filter(pk=count.pk)
        .first()
    )
    if locked is None:
        raise ServiceError({"count": _("Unknown stock count.")})
    _require_warehouse_reach(actor, locked.warehouse)
    return locked


def _refuse_state(count: StockCount, wanted: str) -> None:
    if count.status != wanted:
        raise ServiceError(
            _("Count %(number)s is “%(status)s”; this step is not possible now.")
            % {"number": count.number, "status": count.get_status_display()}
        )


def record_counted(*, actor, count: StockCount, part: Part, counted: int) -> StockCountLine:
    """PRT-8: what was found of a part. A part the count did not list joins it, with the
    books as they are now as its ``expected`` (a part found where none was booked)."""
    require_perm(actor, "parts.add_stockcount")
    errors: dict = {}
    part = _part(part, errors)
    _whole(counted, errors, "counted", minimum=0)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        count = _locked_count(actor, count)
        _refuse_state(count, CountStatus.OPEN)
        line = count.lines.filter(part=part).first()
        if line is None:
            line = StockCountLine(count=count, part=part, expected=on_hand(count.warehouse, part))
        before = line.counted
        line.counted = counted
        line.save()
        count.updated_by = actor
        count.save(update_fields=["updated_by", "updated_at"])
        record(
            count,
            "parts.stockcount.counted",
            actor=actor,
            before={"counted": before},
            after={"counted": counted},
            note=part.code,
        )
    return line


def submit_count(*, actor, count: StockCount) -> StockCount:
    """PRT-8: the counter hands the count over for approval once every line is counted."""
    require_perm(actor, "parts.add_stockcount")
    with transaction.atomic():
        count = _locked_count(actor, count)
        _refuse_state(count, CountStatus.OPEN)
        missing = list(
            count.lines.filter(counted__isnull=True)
            .order_by("part__code")
            .values_list("part__code", flat=True)
        )
        if missing:
            raise ServiceError(
                {"lines": _("Not counted yet: %(parts)s.") % {"parts": ", ".join(missing)}}
            )
        before = snapshot(count)
        count.status = CountStatus.SUBMITTED
        count.submitted_at = timezone.now()
        count.updated_by = actor
        count.save(update_fields=["status", "submitted_at", "updated_by", "updated_at"])
        record(count, "parts.stockcount.submitted", actor=actor, before=before)
    return count


def counters_of(count: StockCount) -> set[int]:
    """The people who counted: the one who started the count and everyone who recorded a
    line of it (SEC-5: none of them may approve it)."""
    from aftersales.audit.models import AuditEntry

    people = set(
        AuditEntry.objects.for_object(count)
        .filter(action__in=["parts.stockcount.started", "parts.stockcount.counted"])
        .exclude(actor__isnull=True)
        .values_list("actor_id", flat=True)
    )
    if count.counted_by_id is not None:
        people.add(count.counted_by_id)
    return people


def may_decide(user, count: StockCount) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.has_perm("parts.approve_stockcount")
        and count.status == CountStatus.SUBMITTED
        and user.pk not in counters_of(count)
    )


def decide_count(*, actor, count: StockCount, approve: bool, comment: str = "") -> StockCount:
    """PRT-8, SEC-5: someone with the right, who did not count, approves or rejects a
    submitted count; a rejection says why.

    On approval every non-zero variance (counted − expected) is posted as one ADJUSTMENT
    move, noting the count number: into the location for a surplus, out of it for a
    shortfall. The variance is posted as it is, so when stock moved after counting began
    the on-hand becomes on-hand-now + variance — not the counted figure, which would undo
    the moves made since. A shortfall larger than what is on hand now is refused (the
    count is out of date: reject it and count again). A valuable part's variance needs its
    serial numbers, which a count does not record: settle it with a receipt or scrap that
    names them (PRT-2), then count again. Everything in one transaction.
    """
    require_perm(actor, "parts.approve_stockcount")
    errors: dict = {}
    if not isinstance(approve, bool):
        errors["approve"] = _("Choose approve or reject.")
    comment = _text(comment, errors, "comment")
    if approve is False and not comment and "comment" not in errors:
        errors["comment"] = _("Say why the count is rejected.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        count = _locked_count(actor, count)
        _refuse_state(count, CountStatus.SUBMITTED)
        if actor.pk in counters_of(count):
            raise PermissionDenied(
                _("You counted %(number)s: someone else must approve or reject it.")
                % {"number": count.number}
            )
        before = snapshot(count)
        if approve:
            _post_variances(actor, count)
        count.status = CountStatus.APPROVED if approve else CountStatus.REJECTED
        count.decided_by = actor
        count.decided_at = timezone.now()
        count.decision_comment = comment
        count.updated_by = actor
        count.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_comment",
                "updated_by",
                "updated_at",
            ]
        )
        record(
            count,
            "parts.stockcount.approved" if approve else "parts.stockcount.rejected",
            actor=actor,
            before=before,
            note=comment,
        )
    return count


def _post_variances(actor, count: StockCount) -> None:
    lines = [
        line for line in count.lines.select_related("part").order_by("part_id") if line.variance
    ]
    valuable = [line.part.code for line in lines if line.part.is_valuable]
    if valuable:
        raise ServiceError(
            {
                "lines": _(
                    "%(parts)s: traced by serial number — settle the variance with a receipt "
                    "or a scrap naming the serials, then count again."
                )
                % {"parts": ", ".join(valuable)}
            }
        )
    warehouse = count.warehouse
    for line in lines:
        variance = line.variance
        # Lock the level first so "now" cannot change before the adjustment.
        now = _level(warehouse, line.part).on_hand
        if now + variance < 0:
            raise ServiceError(
                {
                    "lines": _(
                        "%(part)s: %(now)s on hand now, a shortfall of %(short)s cannot be "
                        "taken — stock moved since counting began. Reject the count and "
                        "count again."
                    )
                    % {"part": line.part.code, "now": now, "short": -variance}
                }
            )
        note = _("Stock count %(number)s") % {"number": count.number}
        if now != line.expected:
            note += _(" (books %(expected)s when counting began, %(now)s now)") % {
                "expected": line.expected,
                "now": now,
            }
        moved = move(
            kind=MoveKind.ADJUSTMENT,
            part=line.part,
            quantity=abs(variance),
            actor=actor,
            target=warehouse if variance > 0 else None,
            source=warehouse if variance < 0 else None,
            note=note,
        )
        record(moved, "parts.stock.adjusted", actor=actor, note=note)
