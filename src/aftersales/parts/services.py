"""Parts on a service order (PRT-1, PRT-2, PRT-3, FIN-2): request, finance's sign-off, issue
on a slip, use, return of unused parts, the old part's receipt and the deposit's reversal.

Each function runs in one transaction, checks the right and the rules, moves stock only
through ``stock.move`` and writes the audit row (SEC-1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_any_perm, require_perm
from aftersales.parts import stock
from aftersales.parts.models import (
    ChargeRule,
    LineStatus,
    MoveKind,
    Part,
    PartLine,
    Payment,
    Receivable,
    Slip,
    SlipKind,
    StockMove,
    Warehouse,
    WarehouseKind,
)
from aftersales.service.models import ServiceKind, ServiceOrder, Status
from aftersales.service.services import require_order_reach

CENT = Decimal("0.01")
# Parts are requested while the order is being worked (SVC-2: needed parts on the order).
REQUEST_STATUSES = {
    Status.DISPATCHED,
    Status.CONTACTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.WAITING_CUSTOMER,
}


def small_part_limit() -> Decimal:
    """PRT-1 b: a part priced under this (50 CNY by default) is a small part."""
    return Decimal(str(getattr(settings, "AFTERSALES_SMALL_PART_LIMIT", "50.00")))


def old_part_days() -> int:
    """PRT-1 d, PRT-3: days the technician has to bring the old part back."""
    return int(getattr(settings, "AFTERSALES_OLD_PART_DAYS", 15))


# --- PRT-1: the charge of a line -----------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    rule: str
    unit_price: Decimal
    amount: Decimal
    old_part_required: bool


def charge_for(
    *,
    service_kind: str,
    user_caused: bool,
    waiver_requested: bool,
    has_recovery_value: bool,
    list_price: Decimal,
    cost: Decimal,
    quantity: int,
) -> Charge:
    """PRT-1 a–d and FEE-1, for one line:

    - paid service (out of warranty) and "other": list price (FEE-1);
    - a: user-caused damage — not covered: list price;
    - contract service: cost price (FEE-1);
    - b: a small part (list price under the limit, 50 CNY by default) with no recovery
      value: free, the old part stays with the customer;
    - c: the technician asks that the old part need not come back (a large part whose
      recovery costs too much or is worth nothing): free once finance approves;
    - d: otherwise the old part must come back: the list price is charged as a deposit
      until it is received into the warehouse.
    """
    list_price, cost = Decimal(list_price), Decimal(cost)

    def charged(rule: str, unit: Decimal, old_part: bool = False) -> Charge:
        return Charge(rule, unit, (unit * quantity).quantize(CENT, ROUND_HALF_UP), old_part)

    if service_kind not in (ServiceKind.FREE, ServiceKind.CONTRACT):
        return charged(ChargeRule.PAID, list_price)
    if user_caused:
        return charged(ChargeRule.USER_DAMAGE, list_price)
    if service_kind == ServiceKind.CONTRACT:
        return charged(ChargeRule.CONTRACT, cost)
    if list_price < small_part_limit() and not has_recovery_value:
        return charged(ChargeRule.SMALL_PART, Decimal("0.00"))
    if waiver_requested:
        return charged(ChargeRule.WAIVED, Decimal("0.00"))
    return charged(ChargeRule.DEPOSIT, list_price, old_part=True)


def _price(part: Part, day: dt.date):
    from aftersales.parts.catalogue import price_on

    price = price_on(part, day)
    if price is None:
        raise ServiceError(
            {"part": _("%(part)s has no price in force on %(day)s.") % {"part": part, "day": day}}
        )
    return price


def _line_charge(line: PartLine, *, waiver: bool) -> Charge:
    order = line.order
    price = _price(line.part, timezone.localdate(order.received_at))
    return charge_for(
        service_kind=order.service_kind,
        user_caused=line.user_caused,
        waiver_requested=waiver,
        has_recovery_value=line.part.has_recovery_value,
        list_price=price.list_price,
        cost=price.cost,
        quantity=line.quantity,
    )


def _apply(line: PartLine, charge: Charge) -> None:
    line.charge_rule = charge.rule
    line.unit_price = charge.unit_price
    line.amount = charge.amount
    line.old_part_required = charge.old_part_required


# --- the technician asks for parts ---------------------------------------------------------


def may_request(actor, order: ServiceOrder) -> bool:
    """The order's technician, or a dispatcher acting for them."""
    return actor.has_perm("parts.add_partline") and (
        order.technician_id == actor.pk or actor.has_perm("service.dispatch_serviceorder")
    )


def request_part(
    *,
    actor,
    order: ServiceOrder,
    part: Part,
    quantity,
    user_caused: bool = False,
    evidence: str = "",
    waiver_requested: bool = False,
    issue_before_payment: bool = False,
) -> PartLine:
    """PRT-1: a part needed on the order, with the cause. Whether the damage was caused by
    the user is decided with evidence (written; photos go to the order's attachments).
    The charge is computed now from the price in force on the order's received day.

    ``issue_before_payment``: the order's technician agrees at once that a charged part may
    go out before the customer pays (PRT-1 f, FEE-4; see ``agree_to_issue_unpaid``)."""
    require_perm(actor, "parts.add_partline")
    require_order_reach(actor, order)
    if not may_request(actor, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may request parts."))
    evidence = (evidence or "").strip()
    errors: dict[str, str] = {}
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        errors["quantity"] = _("The quantity must be a whole number above zero.")
    if not part.is_active:
        errors["part"] = _("%(part)s is no longer in the catalogue.") % {"part": part}
    if user_caused and not evidence:
        errors["evidence"] = _("Say what shows that the user caused the damage.")
    if order.status not in REQUEST_STATUSES:
        errors["__all__"] = _("Parts are requested while the order is being worked.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        line = PartLine(
            order=locked,
            part=part,
            quantity=quantity,
            user_caused=user_caused,
            evidence=evidence,
            waiver_requested=waiver_requested,
            requested_by=actor,
            created_by=actor,
            updated_by=actor,
        )
        charge = _line_charge(line, waiver=waiver_requested)
        if waiver_requested and charge.rule != ChargeRule.WAIVED:
            raise ServiceError(
                {
                    "waiver_requested": _(
                        "Only a warranty part whose old part would have to come back can be waived."
                    )
                }
            )
        _apply(line, charge)
        if issue_before_payment:
            _refuse_credit(actor, line)
            line.credit_approved_by = actor
            line.credit_approved_at = timezone.now()
        line.save()
        record(line, "parts.line.requested", actor=actor, note=line.get_charge_rule_display())
    return line


def needs_credit_agreement(line: PartLine) -> bool:
    """A customer charge (not a PRT-1 d deposit, which the requesting technician owes anyway
    until the old part is back) goes out unpaid only on the technician's agreement."""
    return line.amount > 0 and line.charge_rule != ChargeRule.DEPOSIT


def _refuse_credit(actor, line: PartLine) -> None:
    if line.order.technician_id != actor.pk:
        raise PermissionDenied(
            _(
                "Only the order's technician can agree to issue before payment: "
                "the receivable is theirs."
            )
        )
    if not needs_credit_agreement(line):
        raise ServiceError(
            {
                "issue_before_payment": _(
                    "This line charges the customer nothing; there is nothing to agree."
                )
            }
        )


def agree_to_issue_unpaid(*, actor, line: PartLine) -> PartLine:
    """PRT-1 f, FEE-4: the order's technician agrees that a charged part goes out before the
    customer pays (款到发货 otherwise); the receivable is then theirs to collect (FIN-2).
    Recorded with who and when; finance can sign the line "unpaid" only after it."""
    require_perm(actor, "parts.add_partline")
    require_order_reach(actor, line.order)
    with transaction.atomic():
        line = (
            PartLine.objects.select_for_update(of=("self",))
            .select_related("order", "part")
            .get(pk=line.pk)
        )
        _refuse_credit(actor, line)
        if line.status != LineStatus.REQUESTED:
            raise ServiceError(
                _("This line is “%(status)s”; agree before finance signs it.")
                % {"status": line.get_status_display()}
            )
        if line.credit_approved_by_id:
            raise ServiceError(_("You have already agreed to issue this line before payment."))
        line.credit_approved_by = actor
        line.credit_approved_at = timezone.now()
        line.updated_by = actor
        line.save(
            update_fields=["credit_approved_by", "credit_approved_at", "updated_by", "updated_at"]
        )
        record(line, "parts.line.credit_agreed", actor=actor, note=str(line.amount))
    return line


# --- finance signs (SEC-5) -----------------------------------------------------------------


def sign_line(
    *,
    actor,
    line: PartLine,
    approve: bool,
    payment: str = "",
    waiver_approved: bool = False,
    comment: str = "",
) -> PartLine:
    """PRT-1, SEC-5: finance's decision on a requested line, with who and when.

    Approving a charged line records whether the customer has paid (e) or the part goes
    out unpaid on the technician's word (f). A waiver (c) is approved or not; if not, the
    line becomes d (the old part must come back, deposit charged). Refusing needs a comment.
    """
    require_perm(actor, "parts.sign_partline")
    require_order_reach(actor, line.order)
    comment = (comment or "").strip()
    with transaction.atomic():
        line = (
            PartLine.objects.select_for_update(of=("self",))
            .select_related("order", "part")
            .get(pk=line.pk)
        )
        if line.status != LineStatus.REQUESTED:
            raise ServiceError(
                _("This line is “%(status)s”; only a requested line can be signed.")
                % {"status": line.get_status_display()}
            )
        before = {"status": line.status, "amount": str(line.amount), "rule": line.charge_rule}
        if not approve:
            if not comment:
                raise ServiceError({"comment": _("Say why the line is refused.")})
            line.status = LineStatus.REFUSED
        else:
            if line.charge_rule == ChargeRule.WAIVED and not waiver_approved:
                _apply(line, _line_charge(line, waiver=False))  # c refused → d
            line.waiver_approved = line.charge_rule == ChargeRule.WAIVED
            if line.amount > 0:
                if payment not in (Payment.PAID, Payment.UNPAID):
                    raise ServiceError(
                        {"payment": _("Say whether the customer has paid for this line.")}
                    )
                if (
                    payment == Payment.UNPAID
                    and needs_credit_agreement(line)
                    and not line.credit_approved_by_id
                ):
                    raise ServiceError(
                        {
                            "payment": _(
                                "The customer has not paid and the technician has not agreed to "
                                "issue first (PRT-1 f, FEE-4): wait for the payment or the "
                                "technician's agreement."
                            )
                        }
                    )
                line.payment = payment
            else:
                line.payment = Payment.NOT_CHARGED
            line.status = LineStatus.SIGNED
        line.signed_by = actor
        line.signed_at = timezone.now()
        line.sign_comment = comment
        line.updated_by = actor
        line.save()
        record(
            line,
            "parts.line.signed" if approve else "parts.line.refused",
            actor=actor,
            before=before,
            after={"status": line.status, "amount": str(line.amount), "rule": line.charge_rule},
            note=comment,
        )
    return line


# --- the warehouse issues (PRT-2) ----------------------------------------------------------


def issue_lines(
    *,
    actor,
    order: ServiceOrder,
    lines: Sequence[PartLine],
    warehouse: Warehouse,
    serials: Mapping[int, Iterable[str]] | None = None,
    loan: bool = False,
) -> Slip:
    """PRT-2: the keeper issues signed lines of one order on one outbound (or loan) slip in
    the after-sales series, into the technician's own stock. Valuable parts record their
    serial numbers. An unpaid charged line becomes the technician's receivable (PRT-1 f,
    FIN-2); a line whose old part must come back gets its due date (PRT-1 d)."""
    require_perm(actor, "parts.issue_partline")
    require_order_reach(actor, order)
    serials = serials or {}
    if not lines:
        raise ServiceError(_("Choose the lines to issue."))
    if (
        warehouse.kind not in (WarehouseKind.CENTRAL, WarehouseKind.BRANCH)
        or not warehouse.is_active
    ):
        raise ServiceError({"warehouse": _("Parts are issued from a warehouse.")})
    with transaction.atomic():
        locked_order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if locked_order.technician_id is None:
            raise ServiceError(_("The order has no technician to issue to."))
        locked = list(
            PartLine.objects.select_for_update(of=("self",))
            .filter(pk__in=[line.pk for line in lines])
            .select_related("part")
            .order_by("pk")
        )
        if len(locked) != len({line.pk for line in lines}):
            raise ServiceError(_("Some of the lines to issue do not exist."))
        for line in locked:
            if line.order_id != order.pk:
                raise ServiceError(_("Every line on a slip must belong to the order."))
            if line.status != LineStatus.SIGNED:
                # PRT-1: nothing leaves the warehouse before finance has signed.
                raise ServiceError(
                    _("%(part)s is “%(status)s”: only lines signed by finance are issued.")
                    % {"part": line.part, "status": line.get_status_display()}
                )
        technician = locked_order.technician
        now = timezone.now()
        slip = Slip.objects.create(
            number=next_number("JC" if loan else "CK"),
            kind=SlipKind.LOAN if loan else SlipKind.OUTBOUND,
            order=locked_order,
            warehouse=warehouse,
            issued_to=technician,
            issued_by=actor,
            issued_at=now,
            created_by=actor,
            updated_by=actor,
        )
        van = stock.personal_stock(technician)
        for line in locked:
            move = stock.move(
                kind=MoveKind.LOAN if loan else MoveKind.ISSUE,
                part=line.part,
                quantity=line.quantity,
                actor=actor,
                source=warehouse,
                target=van,
                order=locked_order,
                slip=slip,
                line=line,
                serials=list(serials.get(line.pk, ())),
                note=slip.number,
            )
            line.status = LineStatus.ISSUED
            line.slip = slip
            line.serial_numbers = move.serial_numbers
            if line.old_part_required:
                line.old_part_due_at = now + dt.timedelta(days=old_part_days())
            line.updated_by = actor
            line.save()
            if line.payment == Payment.UNPAID and line.amount > 0:
                Receivable.objects.create(
                    order=locked_order,
                    line=line,
                    owner=technician,
                    amount=line.amount,
                    arose_at=now,
                    created_by=actor,
                    updated_by=actor,
                )
            record(line, "parts.line.issued", actor=actor, note=slip.number)
        record(slip, "parts.slip.issued", actor=actor)
    return slip


# --- on the job and after it (PRT-3) -------------------------------------------------------


def use_line(*, actor, line: PartLine) -> PartLine:
    """The technician fitted the part on the order: it leaves their stock for good."""
    order = line.order
    require_order_reach(actor, order)
    if not (
        line.order.technician_id == actor.pk or actor.has_perm("service.dispatch_serviceorder")
    ):
        raise PermissionDenied(_("Only the order's technician or dispatch may record this."))
    with transaction.atomic():
        line = (
            PartLine.objects.select_for_update(of=("self",))
            .select_related("part", "order", "slip__issued_to")
            .get(pk=line.pk)
        )
        if line.status != LineStatus.ISSUED:
            raise ServiceError(_("Only an issued part can be recorded as used."))
        stock.move(
            kind=MoveKind.USE,
            part=line.part,
            quantity=line.quantity,
            actor=actor,
            source=stock.personal_stock(line.slip.issued_to),  # who holds it, even after a reassign
            order=line.order,
            line=line,
            serials=line.serial_numbers,
        )
        line.status = LineStatus.USED
        line.updated_by = actor
        line.save()
        record(line, "parts.line.used", actor=actor)
    return line


def _old_part_zone(near: Warehouse | None) -> Warehouse:
    """PRT-3: old parts go to a separate zone — the one of the issuing warehouse's unit."""
    zones = Warehouse.objects.filter(kind=WarehouseKind.OLD_PARTS, is_active=True)
    zone = None
    if near is not None:
        zone = zones.filter(org_unit=near.org_unit).order_by("pk").first()
    zone = zone or zones.order_by("pk").first()
    if zone is None:
        raise ServiceError(_("No old-part zone is set up: add a warehouse of that kind."))
    return zone


def return_unused(*, actor, line: PartLine, warehouse: Warehouse | None = None) -> PartLine:
    """PRT-3: an issued part not used goes back to the warehouse; nothing is charged for it
    and a receivable it raised is cancelled."""
    require_perm(actor, "parts.issue_partline")
    require_order_reach(actor, line.order)
    with transaction.atomic():
        line = (
            PartLine.objects.select_for_update(of=("self",))
            .select_related("part", "order", "slip__warehouse", "slip__issued_to")
            .get(pk=line.pk)
        )
        if line.status != LineStatus.ISSUED:
            raise ServiceError(_("Only an issued, unused part can be returned."))
        target = warehouse or line.slip.warehouse
        stock.move(
            kind=MoveKind.RETURN,
            part=line.part,
            quantity=line.quantity,
            actor=actor,
            source=stock.personal_stock(line.slip.issued_to),  # who holds it, even after a reassign
            target=target,
            order=line.order,
            slip=line.slip,
            line=line,
            serials=line.serial_numbers,
        )
        now = timezone.now()
        line.status = LineStatus.RETURNED
        line.old_part_due_at = None
        line.updated_by = actor
        line.save()
        _cancel_receivable(line, now, _("part returned unused"), actor)
        record(line, "parts.line.returned", actor=actor, note=str(target))
    return line


def _cancel_receivable(line: PartLine, at, why: str, actor=None) -> None:
    """FIN-2: the charge went away, so does the technician's receivable (audited)."""
    for receivable in Receivable.objects.select_for_update().filter(
        line=line, settled_at__isnull=True
    ):
        receivable.settled_at = at
        receivable.settlement = why[:200]
        receivable.updated_by = actor
        receivable.save(update_fields=["settled_at", "settlement", "updated_by", "updated_at"])
        record(
            receivable,
            "parts.receivable.cancelled",
            actor=actor,
            before={"settled_at": None},
            after={"settled_at": at.isoformat()},
            note=why,
        )


def receive_old_part(*, actor, line: PartLine, serials: Sequence[str] = ()) -> PartLine:
    """PRT-3, PRT-1 d: the keeper signs for the old part in the old-part zone; the slip is
    marked "old part received" once all its old parts are in; a deposit is reversed at
    once — the line becomes a warranty line (nothing charged), a paid deposit is credited
    back to the customer, an unpaid one's receivable is cancelled."""
    require_perm(actor, "parts.issue_partline")
    require_order_reach(actor, line.order)
    with transaction.atomic():
        line = (
            PartLine.objects.select_for_update(of=("self",))
            .select_related("part", "order", "slip__warehouse")
            .get(pk=line.pk)
        )
        if not line.old_part_required:
            raise ServiceError(_("This line's old part does not have to come back."))
        if line.old_part_received_at is not None:
            raise ServiceError(_("The old part of this line is already received."))
        if line.status != LineStatus.USED:
            raise ServiceError(_("The new part must be recorded as used first."))
        fitted = set(line.serial_numbers) & {str(s).strip() for s in serials}
        if fitted:
            # PRT-2: the new part's trace stays with the customer's unit.
            raise ServiceError(
                {
                    "serial_numbers": _("%(serials)s is the new part fitted, not the old one.")
                    % {"serials": ", ".join(sorted(fitted))}
                }
            )
        now = timezone.now()
        stock.move(
            kind=MoveKind.OLD_PART,
            part=line.part,
            quantity=line.quantity,
            actor=actor,
            target=_old_part_zone(line.slip.warehouse if line.slip_id else None),
            order=line.order,
            slip=line.slip,
            line=line,
            serials=serials,
            note=_("old part"),
        )
        before = {"amount": str(line.charged), "deposit_reversed_at": None}
        line.old_part_received_at = now
        line.old_part_received_by = actor
        if line.charge_rule == ChargeRule.DEPOSIT:
            line.deposit_reversed_at = now
            if line.payment == Payment.PAID:
                line.deposit_credit = line.amount
            _cancel_receivable(line, now, _("deposit reversed: old part received"), actor)
        line.updated_by = actor
        line.save()
        record(
            line,
            "parts.line.old_part_received",
            actor=actor,
            before=before,
            after={"amount": str(line.charged), "deposit_reversed_at": now.isoformat()},
        )
        if (
            line.slip_id
            and not line.slip.lines.filter(
                old_part_required=True, old_part_received_at__isnull=True
            ).exists()
        ):
            Slip.objects.filter(pk=line.slip_id).update(old_part_received_at=now)
            record(line.slip, "parts.slip.old_part_received", actor=actor)
    return line


def old_parts_due(*, actor=None, technician=None):
    """PRT-3, PRT-6: lines whose old part must come back and has not, soonest due first."""
    lines = PartLine.objects.filter(
        old_part_required=True,
        old_part_received_at__isnull=True,
        status__in=[LineStatus.ISSUED, LineStatus.USED],
    )
    if actor is not None:
        lines = lines.filter(order__in=ServiceOrder.objects.visible_to(actor).values("pk"))
    if technician is not None:
        lines = lines.filter(order__technician=technician)
    return lines.select_related("order__customer", "order__technician", "part", "slip").order_by(
        "old_part_due_at", "pk"
    )


# --- PRT-6: the monthly report of old parts not returned ---------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the local month and of the next one."""
    start = timezone.make_aware(dt.datetime(year, month, 1))
    following = (year + month // 12, month % 12 + 1)
    return start, timezone.make_aware(dt.datetime(following[0], following[1], 1))


def unreturned_old_parts(*, actor, year: int, month: int):
    """PRT-6: the warranty parts issued in the month whose old part has not come back (yet),
    for finance — lines waived under b and c owe no old part and are not listed. One query.
    """
    require_any_perm(actor, "parts.issue_partline", "parts.sign_partline")
    return unreturned_in_month(year, month).filter(
        order__in=ServiceOrder.objects.visible_to(actor).values("pk")
    )


def unreturned_in_month(year: int, month: int):
    """PRT-6 for the whole company (the scheduled report); people see it through
    ``unreturned_old_parts``, limited to their reach."""
    start, end = month_bounds(year, month)
    return (
        PartLine.objects.filter(
            old_part_required=True,
            old_part_received_at__isnull=True,
            status__in=[LineStatus.ISSUED, LineStatus.USED],
            slip__issued_at__gte=start,
            slip__issued_at__lt=end,
        )
        .select_related("order__customer", "order__technician", "part", "slip")
        .order_by("order__technician__username", "slip__issued_at", "pk")
    )


# --- PRT-5: the parts consumed on a day, for purchasing ------------------------------------


def consumed_on(*, actor, day: dt.date):
    """PRT-5: every part used on orders on this local day, summed per part, with the orders
    — what the keeper reports to purchasing the same day. Two queries whatever the length.
    """
    require_any_perm(actor, "parts.view_stockmove", "parts.issue_partline")
    return consumed_rows(day)


def consumed_rows(day: dt.date) -> list[dict]:
    """PRT-5 rows of a day for the whole company (the report is the warehouse's)."""
    from django.db.models import Sum

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    moves = StockMove.objects.filter(
        kind=MoveKind.USE, at__gte=start, at__lt=start + dt.timedelta(days=1)
    )
    totals = list(
        moves.values("part_id", "part__code", "part__name", "part__unit_of_measure")
        .annotate(quantity=Sum("quantity"))
        .order_by("part__code")
    )
    orders: dict[int, list[str]] = {}
    for part_id, number in moves.values_list("part_id", "order__number").order_by("order__number"):
        if number and number not in orders.setdefault(part_id, []):
            orders[part_id].append(number)
    for row in totals:
        row["orders"] = orders.get(row["part_id"], [])
    return totals
