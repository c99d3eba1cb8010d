"""The customer's money on an order (FEE-3, FEE-5, FIN-2): receipts given on site, payments
finance registers with the 12-hour notice to the technician, the technician's cash handed
over to finance, and the invoices that follow.

Each service runs in one transaction, checks the right and the order's reach, locks the rows
it changes and writes the audit row (SEC-1). A payment is voided with a reason, never
deleted. Every payment written on an order locks the order first, so two payments of one
order are never checked against the same outstanding amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from aftersales.audit.services import record
from aftersales.charges.models import (
    CashHandover,
    CustomerPayment,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    PaymentSource,
)
from aftersales.charges.sheet import charge_sheet
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.periodic import periodic
from aftersales.core.permissions import require_perm
from aftersales.notifications.models import Topic
from aftersales.notifications.services import notify
from aftersales.parts.models import ChargeRule, Receivable
from aftersales.service import order_page
from aftersales.service.models import ServiceOrder, Status
from aftersales.service.services import require_order_reach

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The model's 12 digits with 2 places.
MONEY_LIMIT = Decimal("10000000000")
COLLECT = "charges.collect_payment"
REGISTER = "charges.register_payment"
HAND_OVER = "charges.add_cashhandover"
REQUEST_INVOICE = "charges.add_invoice"
ISSUE_INVOICE = "charges.issue_invoice"
# Money is not taken on an order that was called off or is filed away.
NO_COLLECTION = {Status.CANCELLED, Status.CLOSED}


def notice_hours() -> int:
    """FEE-5: finance tells the technician within this many hours of the money arriving."""
    return int(getattr(settings, "AFTERSALES_PAYMENT_NOTICE_HOURS", 12))


def _yuan(value: Decimal) -> str:
    return f"¥{value:.2f}"


def parse_amount(value, field_name: str = "amount") -> Decimal:
    """A money amount above zero with at most two places, or a ServiceError on the field.
    Floats are taken through their text so 0.1 stays 0.10 (FIN: never float arithmetic)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ServiceError({field_name: _("Enter an amount in yuan, e.g. 120.00.")})
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError({field_name: _("Enter an amount in yuan, e.g. 120.00.")}) from None
    if not amount.is_finite():
        raise ServiceError({field_name: _("Enter an amount in yuan, e.g. 120.00.")})
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise ServiceError({field_name: _("An amount has at most two decimal places (fen).")})
    if amount <= 0:
        raise ServiceError({field_name: _("The amount must be above zero.")})
    if amount >= MONEY_LIMIT:
        raise ServiceError({field_name: _("The amount is too large.")})
    return amount.quantize(CENT)


def _text(value, field_name: str, limit: int, errors: dict, *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field_name] = required
    elif len(value) > limit:
        errors[field_name] = _("At most %(limit)s characters.") % {"limit": limit}
    return value


def _method(value, errors: dict) -> str:
    if value not in PaymentMethod.values:
        errors["method"] = _("Choose how the customer paid.")
    return value


def _lock_order(order: ServiceOrder) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().get(pk=order.pk)


def _check_not_overpaid(order: ServiceOrder, amount: Decimal) -> None:
    """No overpaying: the amount is at most what the customer still owes on the sheet."""
    outstanding = charge_sheet(order).outstanding
    if outstanding <= 0:
        raise ServiceError({"amount": _("The customer owes nothing on this order.")})
    if amount > outstanding:
        raise ServiceError(
            {
                "amount": _("The customer owes %(owed)s; %(amount)s is more than that.")
                % {"owed": _yuan(outstanding), "amount": _yuan(amount)}
            }
        )


def may_collect(actor, order: ServiceOrder) -> bool:
    """FEE-3: the order's technician collects, or a dispatcher acting for them."""
    return actor.has_perm(COLLECT) and (
        order.technician_id == actor.pk or actor.has_perm("service.dispatch_serviceorder")
    )


# --- FEE-3: collected on site, with a numbered receipt --------------------------------------


def collect_on_site(
    *, actor, order: ServiceOrder, amount, method: str, payer: str = "", note: str = ""
) -> CustomerPayment:
    """FEE-3: the technician takes the customer's money on site and gives a numbered
    receipt (收据, series SJ). The technician knows of it, so it counts as notified."""
    require_perm(actor, COLLECT)
    require_order_reach(actor, order)
    if not may_collect(actor, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may collect payment."))
    errors: dict[str, str] = {}
    try:
        amount = parse_amount(amount)
    except ServiceError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    method = _method(method, errors)
    payer = _text(payer, "payer", 100, errors)
    note = _text(note, "note", 300, errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status in NO_COLLECTION:
            raise ServiceError(
                _("The order is “%(status)s”: no money is collected on it.")
                % {"status": locked.get_status_display()}
            )
        _check_not_overpaid(locked, amount)
        now = timezone.now()
        payment = CustomerPayment.objects.create(
            number=next_number("SJ"),
            order=locked,
            source=PaymentSource.ON_SITE,
            method=method,
            amount=amount,
            payer=payer,
            note=note,
            received_at=now,
            received_by=actor,
            notified_at=now,
            created_by=actor,
            updated_by=actor,
        )
        record(payment, "charges.payment.collected", actor=actor, note=_yuan(amount))
    return payment


# --- FEE-5: registered by finance, the technician told within 12 h ---------------------------


def register_payment(
    *,
    actor,
    order: ServiceOrder,
    amount,
    method: str,
    received_at: dt.datetime,
    payer: str = "",
    reference: str = "",
    notify: bool = True,
) -> CustomerPayment:
    """FEE-5: money that reached finance (a transfer, the counter) is recorded with the time
    it arrived; the technician must be told within AFTERSALES_PAYMENT_NOTICE_HOURS of that
    time. ``notify``: tell them now, in the same transaction. Then the order's receivables
    are settled if the money finance holds covers the charges (FIN-2)."""
    require_perm(actor, REGISTER)
    require_order_reach(actor, order)
    errors: dict[str, str] = {}
    try:
        amount = parse_amount(amount)
    except ServiceError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    method = _method(method, errors)
    payer = _text(payer, "payer", 100, errors)
    reference = _text(reference, "reference", 100, errors)
    now = timezone.now()
    if not isinstance(received_at, dt.datetime):
        errors["received_at"] = _("Say when the money arrived (date and time).")
    else:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > now:
            errors["received_at"] = _("The money cannot have arrived in the future.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_order(order)
        if locked.status == Status.CANCELLED:
            raise ServiceError(_("The order is cancelled: no payment is registered on it."))
        _check_not_overpaid(locked, amount)
        payment = CustomerPayment.objects.create(
            number=next_number("SK"),
            order=locked,
            source=PaymentSource.FINANCE,
            method=method,
            amount=amount,
            payer=payer,
            reference=reference,
            received_at=received_at,
            received_by=actor,
            notify_due_at=received_at + dt.timedelta(hours=notice_hours()),
            created_by=actor,
            updated_by=actor,
        )
        record(payment, "charges.payment.registered", actor=actor, note=_yuan(amount))
        if notify:
            _notify(payment, actor)
        _settle_receivables(locked, actor)
    return payment


ARRIVED_TITLE = gettext_noop("Payment arrived: %(order)s · %(amount)s")
ARRIVED_BODY = gettext_noop(
    "Finance received %(amount)s by %(method)s for service order %(order)s (%(customer)s) "
    "at %(received)s, receipt %(number)s."
)
LATE_TITLE = gettext_noop("Technician not told of a payment: %(order)s · %(amount)s")
LATE_BODY = gettext_noop(
    "Payment %(number)s of %(amount)s for service order %(order)s arrived at %(received)s; "
    "the technician should have been told by %(due)s (FEE-5) and has not been."
)


def _message(template: str, payment: CustomerPayment):
    """The text in the recipient's language (the method's name too)."""
    params = {
        "order": payment.order.number,
        "customer": payment.order.customer.name,
        "amount": _yuan(payment.amount),
        "number": payment.number,
        "received": timezone.localtime(payment.received_at).strftime("%Y-%m-%d %H:%M"),
        "due": (
            timezone.localtime(payment.notify_due_at).strftime("%Y-%m-%d %H:%M")
            if payment.notify_due_at
            else ""
        ),
    }
    method = PaymentMethod(payment.method).label
    return lambda: _(template) % {**params, "method": str(method)}


def technician_recipients(order: ServiceOrder) -> list:
    """Who hears of the money: the order's technician; with none, the unit's dispatchers."""
    from aftersales.service.sla import dispatchers

    if order.technician_id and order.technician.is_active:
        return [order.technician]
    return dispatchers(order.org_unit)


def _notify(payment: CustomerPayment, actor) -> None:
    now = timezone.now()
    payment.notified_at = now
    payment.updated_by = actor
    payment.save(update_fields=["notified_at", "updated_by", "updated_at"])
    order = payment.order
    notify(
        technician_recipients(order),
        topic=Topic.PAYMENT_ARRIVED,
        title=_message(ARRIVED_TITLE, payment),
        body=_message(ARRIVED_BODY, payment),
        url=order.get_absolute_url(),
    )
    record(
        payment,
        "charges.payment.notified",
        actor=actor,
        before={"notified_at": None},
        after={"notified_at": now.isoformat()},
        note=_("late") if is_late(payment) else _("in time"),
    )


def notify_technician(*, actor, payment: CustomerPayment) -> CustomerPayment:
    """FEE-5: finance tells the technician the money arrived — once; a second call is
    refused. Later than the due time it is recorded, and shown, as late."""
    require_perm(actor, REGISTER)
    require_order_reach(actor, payment.order_id)
    with transaction.atomic():
        locked = (
            CustomerPayment.objects.select_for_update(of=("self",))
            .select_related("order__customer", "order__technician", "order__org_unit")
            .get(pk=payment.pk)
        )
        if locked.voided_at is not None:
            raise ServiceError(_("This payment is voided; there is nothing to tell."))
        if locked.notified_at is not None:
            raise ServiceError(
                _("The technician was already told at %(at)s.")
                % {"at": timezone.localtime(locked.notified_at).strftime("%Y-%m-%d %H:%M")}
            )
        _notify(locked, actor)
    return locked


def is_late(payment: CustomerPayment, now: dt.datetime | None = None) -> bool:
    """FEE-5: told after the due time, or not yet told and the due time has passed."""
    if payment.notify_due_at is None:
        return False
    if payment.notified_at is not None:
        return payment.notified_at > payment.notify_due_at
    return payment.voided_at is None and (now or timezone.now()) > payment.notify_due_at


def notice_state(payment: CustomerPayment, now: dt.datetime | None = None) -> str:
    """For pages and the API: "" (on site, nothing to tell), "in_time", "late" (told late),
    "due" (not yet told, still in time) or "overdue" (not told, past the due time)."""
    if payment.notify_due_at is None:
        return ""
    if payment.notified_at is not None:
        return "late" if payment.notified_at > payment.notify_due_at else "in_time"
    return "overdue" if is_late(payment, now) else "due"


NOTICE_LABELS = {
    "": "",
    "in_time": gettext_lazy("told in time"),
    "late": gettext_lazy("told late"),
    "due": gettext_lazy("to tell"),
    "overdue": gettext_lazy("not told, late"),
}


@periodic("payment_notices")
def payment_notices(now: dt.datetime | None = None) -> int:
    """FEE-5: finance-registered payments whose technician was not told by the due time are
    reported once each to the finance heads and to whoever registered them. The claim is a
    conditional update, so two sweeps at once report a payment only once."""
    now = now or timezone.now()
    from aftersales.accounts.models import User

    due = CustomerPayment.objects.filter(
        source=PaymentSource.FINANCE,
        notified_at__isnull=True,
        voided_at__isnull=True,
        overdue_noticed_at__isnull=True,
        notify_due_at__lt=now,
    ).values_list("pk", flat=True)
    reported = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            claimed = CustomerPayment.objects.filter(
                pk=pk, overdue_noticed_at__isnull=True, notified_at__isnull=True
            ).update(overdue_noticed_at=now)
            if not claimed:
                continue  # another sweep took it, or finance told the technician meanwhile
            payment = CustomerPayment.objects.select_related("order__customer", "received_by").get(
                pk=pk
            )
            heads = User.objects.filter(is_active=True, groups__name="finance_head").order_by("pk")
            notify(
                [*heads, payment.received_by],
                topic=Topic.PAYMENT_LATE,
                title=_message(LATE_TITLE, payment),
                body=_message(LATE_BODY, payment),
                url=payment_url(payment),
            )
            record(
                payment,
                "charges.payment.notice_overdue",
                actor=None,
                before={"overdue_noticed_at": None},
                after={"overdue_noticed_at": now.isoformat()},
            )
            reported += 1
    return reported


def payment_url(payment: CustomerPayment) -> str:
    from django.urls import reverse

    return reverse("charges:payment_detail", args=[payment.pk])


# --- FIN-2: receivables settled when the customer has paid -----------------------------------


def held_by_finance(order: ServiceOrder):
    """The payments whose money finance holds: registered by finance, or collected on site
    and handed over; not voided."""
    return CustomerPayment.objects.filter(order=order, voided_at__isnull=True).filter(
        Q(source=PaymentSource.FINANCE) | Q(handover__isnull=False)
    )


def _settle_receivables(order: ServiceOrder, actor) -> int:
    """FIN-2, PRT-1 f: once the money finance holds covers the customer's charges, the
    technician's receivables of the order are paid. A PRT-1 d deposit stays the
    technician's until the old part is back. Returns how many were settled."""
    total = charge_sheet(order).total
    held = list(held_by_finance(order).order_by("received_at", "pk"))
    if total <= 0 or sum((p.amount for p in held), ZERO) < total:
        return 0
    open_ones = list(
        Receivable.objects.select_for_update(of=("self",))
        .filter(order=order, settled_at__isnull=True)
        .exclude(line__charge_rule=ChargeRule.DEPOSIT)
        .order_by("pk")
    )
    now = timezone.now()
    why = _("paid by the customer: %(numbers)s") % {"numbers": ", ".join(p.number for p in held)}
    for receivable in open_ones:
        receivable.settled_at = now
        receivable.settlement = why[:200]
        receivable.updated_by = actor
        receivable.save(update_fields=["settled_at", "settlement", "updated_by", "updated_at"])
        record(
            receivable,
            "parts.receivable.settled",
            actor=actor,
            before={"settled_at": None},
            after={"settled_at": now.isoformat()},
            note=why,
        )
    return len(open_ones)


def void_payment(*, actor, payment: CustomerPayment, reason: str) -> CustomerPayment:
    """A wrong payment is voided with the reason, never deleted; money already handed over
    to finance stays on its hand-over (the sums of that day must still add up)."""
    require_perm(actor, REGISTER)
    require_order_reach(actor, payment.order_id)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": _("Say why the payment is voided.")})
    if len(reason) > 300:
        raise ServiceError({"reason": _("At most %(limit)s characters.") % {"limit": 300}})
    with transaction.atomic():
        locked = CustomerPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.voided_at is not None:
            raise ServiceError(_("This payment is already voided."))
        if locked.handover_id is not None:
            raise ServiceError(
                _("This payment was handed over to finance on %(handover)s; it cannot be voided.")
                % {"handover": _handover_number(locked.handover_id)}
            )
        locked.voided_at = timezone.now()
        locked.voided_by = actor
        locked.void_reason = reason
        locked.updated_by = actor
        locked.save(
            update_fields=["voided_at", "voided_by", "void_reason", "updated_by", "updated_at"]
        )
        record(
            locked,
            "charges.payment.voided",
            actor=actor,
            before={"voided_at": None},
            after={"voided_at": locked.voided_at.isoformat(), "void_reason": reason},
            note=reason,
        )
    return locked


# --- FEE-3: the technician's cash handed over to finance -------------------------------------


def _handover_number(pk) -> str:
    if pk is None:
        return ""
    return CashHandover.objects.filter(pk=pk).values_list("number", flat=True).first() or ""


@dataclass
class CashInHand:
    technician: object
    payments: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def oldest(self) -> dt.datetime | None:
        return min((p.received_at for p in self.payments), default=None)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        return (now or timezone.now()) - self.oldest if self.oldest else None


def in_hand_payments():
    """On-site payments not voided and not yet handed over."""
    return CustomerPayment.objects.filter(
        source=PaymentSource.ON_SITE, voided_at__isnull=True, handover__isnull=True
    )


def cash_in_hand(technician) -> CashInHand:
    """FEE-3: what the technician collected and still holds, oldest first."""
    payments = list(
        in_hand_payments()
        .filter(received_by=technician)
        .select_related("order__customer")
        .order_by("received_at", "pk")
    )
    return CashInHand(technician=technician, payments=payments)


def cash_in_hand_by_technician() -> list[dict]:
    """For finance: per technician holding money, the count, total and oldest receipt."""
    from aftersales.accounts.models import User

    rows = list(
        in_hand_payments()
        .values("received_by")
        .annotate(count=Count("pk"), total=Sum("amount"), oldest=Min("received_at"))
        .order_by("oldest")
    )
    people = User.objects.in_bulk([row["received_by"] for row in rows])
    for row in rows:
        row["technician"] = people.get(row["received_by"])
        row["total"] = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
    return rows


def hand_over_cash(
    *, actor, technician, payments: Iterable, counted_total, note: str = ""
) -> CashHandover:
    """FEE-3: finance counts the money a technician hands over against the receipts it
    covers; the total must match to the cent. SEC-5: the person receiving it is not the
    technician. The receipts are locked, so a receipt cannot be in two hand-overs."""
    require_perm(actor, HAND_OVER)
    if technician is None:
        raise ServiceError({"technician": _("Choose the technician handing over.")})
    if actor.pk == technician.pk:
        raise PermissionDenied(
            _("You cannot receive your own cash: another finance person counts it (SEC-5).")
        )
    errors: dict[str, str] = {}
    ids = sorted({p if isinstance(p, int) else p.pk for p in payments})
    if not ids:
        errors["payments"] = _("Choose the receipts the money is for.")
    try:
        counted = parse_amount(counted_total, "counted_total")
    except ServiceError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    note = _text(note, "note", 300, errors)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        # No select_related: a row re-read after waiting for the lock would bring the
        # joined hand-over as it was before, i.e. none.
        locked = list(CustomerPayment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(ids):
            raise ServiceError({"payments": _("Some of the receipts do not exist.")})
        visible = set(
            ServiceOrder.objects.visible_to(actor)
            .filter(pk__in={p.order_id for p in locked})
            .values_list("pk", flat=True)
        )
        for p in locked:
            if p.order_id not in visible:
                raise PermissionDenied(
                    _("This order belongs to another organisation unit outside your reach.")
                )
            problem = ""
            if p.source != PaymentSource.ON_SITE or p.received_by_id != technician.pk:
                problem = _("%(number)s is not a receipt %(technician)s collected on site.")
            elif p.voided_at is not None:
                problem = _("%(number)s is voided.")
            elif p.handover_id is not None:
                problem = _("%(number)s was already handed over on %(handover)s.")
            if problem:
                raise ServiceError(
                    {
                        "payments": problem
                        % {
                            "number": p.number,
                            "technician": technician,
                            "handover": _handover_number(p.handover_id),
                        }
                    }
                )
        expected = sum((p.amount for p in locked), ZERO)
        if counted != expected:
            raise ServiceError(
                {
                    "counted_total": _("Counted %(counted)s, the receipts say %(expected)s.")
                    % {"counted": f"{counted:.2f}", "expected": f"{expected:.2f}"}
                }
            )
        now = timezone.now()
        handover = CashHandover.objects.create(
            number=next_number("JK"),
            technician=technician,
            received_by=actor,
            received_at=now,
            total=expected,
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        CustomerPayment.objects.filter(pk__in=ids).update(
            handover=handover, updated_by=actor, updated_at=now
        )
        for p in locked:
            record(
                p,
                "charges.payment.handed_over",
                actor=actor,
                before={"handover": None},
                after={"handover": handover.number},
            )
        record(
            handover,
            "charges.handover.received",
            actor=actor,
            note=", ".join(p.number for p in locked),
        )
        for order in ServiceOrder.objects.filter(pk__in={p.order_id for p in locked}).order_by(
            "pk"
        ):
            _settle_receivables(order, actor)
    return handover


# --- FEE-3: the invoice ----------------------------------------------------------------------


def invoiceable(order: ServiceOrder) -> Decimal:
    """What may still be invoiced: the money paid (not voided) less the invoices not
    cancelled."""
    invoiced = (
        Invoice.objects.filter(order=order)
        .exclude(status=InvoiceStatus.CANCELLED)
        .aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return charge_sheet(order).paid - Decimal(invoiced).quantize(Decimal("0.01"))


def request_invoice(*, actor, order: ServiceOrder, title: str, tax_number: str = "", amount):
    """FEE-3: an invoice asked for (at collection, or by finance from the signed voucher);
    at most what was paid and not yet invoiced."""
    require_perm(actor, REQUEST_INVOICE)
    require_order_reach(actor, order)
    errors: dict[str, str] = {}
    title = _text(title, "title", 200, errors, required=_("Give the invoice title (the buyer)."))
    tax_number = _text(tax_number, "tax_number", 30, errors).upper()
    if tax_number and not tax_number.isalnum():
        errors["tax_number"] = _("A taxpayer no. has only letters and digits.")
    try:
        amount = parse_amount(amount)
    except ServiceError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_order(order)
        room = invoiceable(locked)
        if amount > room:
            raise ServiceError(
                {
                    "amount": _(
                        "At most %(room)s can be invoiced: the money paid less what is already "
                        "invoiced."
                    )
                    % {"room": _yuan(max(room, ZERO))}
                }
            )
        invoice = Invoice.objects.create(
            order=locked,
            title=title,
            tax_number=tax_number,
            amount=amount,
            requested_by=actor,
            created_by=actor,
            updated_by=actor,
        )
        record(invoice, "charges.invoice.requested", actor=actor, note=_yuan(amount))
    return invoice


def _lock_invoice(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",)).select_related("order").get(pk=invoice.pk)
    )


def issue_invoice(*, actor, invoice: Invoice, number: str) -> Invoice:
    """FEE-3: finance issued the tax invoice; its number is recorded (unique)."""
    require_perm(actor, ISSUE_INVOICE)
    require_order_reach(actor, invoice.order_id)
    errors: dict[str, str] = {}
    number = _text(number, "number", 40, errors, required=_("Enter the invoice no."))
    if errors:
        raise ServiceError(errors)
    duplicate = ServiceError(
        {"number": _("Invoice no. %(number)s is already recorded.") % {"number": number}}
    )
    with transaction.atomic():
        locked = _lock_invoice(invoice)
        if locked.status != InvoiceStatus.TO_ISSUE:
            raise ServiceError(
                _("This invoice is “%(status)s”; only one to issue can be issued.")
                % {"status": locked.get_status_display()}
            )
        if Invoice.objects.filter(number=number).exclude(pk=locked.pk).exists():
            raise duplicate
        locked.status = InvoiceStatus.ISSUED
        locked.number = number
        locked.issued_at = timezone.now()
        locked.issued_by = actor
        locked.updated_by = actor
        try:
            with transaction.atomic():  # a concurrent issue with the same no.
                locked.save()
        except IntegrityError:
            raise duplicate from None
        record(
            locked,
            "charges.invoice.issued",
            actor=actor,
            before={"status": InvoiceStatus.TO_ISSUE, "number": ""},
            after={"status": locked.status, "number": number},
        )
    return locked


def cancel_invoice(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """An invoice request withdrawn, or an issued invoice cancelled (its no. is kept)."""
    require_perm(actor, ISSUE_INVOICE)
    require_order_reach(actor, invoice.order_id)
    errors: dict[str, str] = {}
    reason = _text(reason, "reason", 300, errors, required=_("Say why the invoice is cancelled."))
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_invoice(invoice)
        if locked.status == InvoiceStatus.CANCELLED:
            raise ServiceError(_("This invoice is already cancelled."))
        before = {"status": locked.status}
        locked.status = InvoiceStatus.CANCELLED
        locked.cancel_reason = reason
        locked.updated_by = actor
        locked.save(update_fields=["status", "cancel_reason", "updated_by", "updated_at"])
        record(
            locked,
            "charges.invoice.cancelled",
            actor=actor,
            before=before,
            after={"status": locked.status},
            note=reason,
        )
    return locked


INVOICE_STATES = {
    "none": gettext_lazy("none requested"),
    "to_issue": gettext_lazy("to issue"),
    "issued": gettext_lazy("issued"),
}


def invoice_status(order: ServiceOrder, invoices: list[Invoice] | None = None) -> str:
    """The order's invoice state: "none" (none requested), "to_issue" (one is waiting) or
    "issued" (every invoice not cancelled is issued). Labels in INVOICE_STATES."""
    if invoices is None:
        invoices = list(Invoice.objects.filter(order=order))
    live = [i for i in invoices if i.status != InvoiceStatus.CANCELLED]
    if not live:
        return "none"
    if any(i.status == InvoiceStatus.TO_ISSUE for i in live):
        return "to_issue"
    return "issued"


# --- the order page's money card -------------------------------------------------------------


def card_context(order: ServiceOrder, user) -> dict:
    """What ``charges/_money_card.html`` shows, under the key ``money``: the order's
    payments, the invoice state and which forms the user may open. Four queries, whatever
    the number of payments."""
    can_see = any(user.has_perm(p) for p in ("charges.view_customerpayment", COLLECT, REGISTER))
    if not can_see:
        return {"money": None}
    sheet = charge_sheet(order)
    now = timezone.now()
    # A list the order page knows to be empty costs no query (issue 7).
    payments = order_page.rows(
        order,
        "customer_payments",
        CustomerPayment.objects.filter(order=order)
        .select_related("handover")
        .order_by("received_at", "pk"),
    )
    rows = [
        {
            "payment": p,
            "notice": notice_state(p, now),
            "notice_label": NOTICE_LABELS[notice_state(p, now)],
            "late": notice_state(p, now) in ("late", "overdue"),
        }
        for p in payments
    ]
    invoices = order_page.rows(
        order, "invoices", Invoice.objects.filter(order=order).order_by("pk")
    )
    state = invoice_status(order, invoices)
    invoiced = sum((i.amount for i in invoices if i.status != InvoiceStatus.CANCELLED), ZERO)
    return {
        "money": {
            "order": order,
            "rows": rows,
            "total": sheet.total,
            "paid": sheet.paid,
            "outstanding": sheet.outstanding,
            "invoice_state": state,
            "invoice_state_label": INVOICE_STATES[state],
            "invoices": invoices,
            "can_collect": may_collect(user, order)
            and order.status not in NO_COLLECTION
            and sheet.outstanding > 0,
            "can_register": user.has_perm(REGISTER)
            and order.status != Status.CANCELLED
            and sheet.outstanding > 0,
            "can_request_invoice": user.has_perm(REQUEST_INVOICE) and sheet.paid - invoiced > 0,
        }
    }
