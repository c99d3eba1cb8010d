"""Labour lines and the quotation (FEE-1, FEE-2): what the customer is asked to pay and
their recorded agreement to it.

FEE-1: labour is priced from finance's labour-rate standard in force on the order's
received day and charged only for paid and other service. FEE-2: the charges are shown
to the customer in a quotation (售后服务报价单) before paid work; the customer accepts it by
signature or by recorded phone consent, and any later change of parts or charges needs a
new quotation and a new acceptance — ``acceptance_needed`` is the completion's guard.

Each function runs in one transaction, checks the right, the order's reach and the rules,
and writes the audit row (SEC-1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record
from aftersales.charges import sheet as charge_sheets
from aftersales.charges.models import AcceptanceMethod, LabourLine, Quotation, QuotationStatus
from aftersales.core.exceptions import ServiceError
from aftersales.core.files import files_removed_on_failure
from aftersales.core.images import checked_image
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_perm
from aftersales.core.validators import checked_text
from aftersales.parts.services import REQUEST_STATUSES
from aftersales.service import order_page
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

ADD_LABOUR = "charges.add_labourline"
VIEW_QUOTATIONS = "charges.view_quotation"
ADD_QUOTATIONS = "charges.add_quotation"
# The quotations that stand: a pending one waits for the customer, an accepted one binds.
STANDING = [QuotationStatus.PENDING, QuotationStatus.ACCEPTED]
MAX_QUANTITY = Decimal("1000000")  # LabourLine.quantity has 8 digits, 2 after the point
MAX_AMOUNT = Decimal("10000000000")  # MONEY fields have 12 digits, 2 after the point


def quotation_days() -> int:
    """FEE-2: how long the customer has to accept a quotation (30 days by default)."""
    return int(getattr(settings, "AFTERSALES_QUOTATION_DAYS", 30))


def may_work_charges(actor, order: ServiceOrder) -> bool:
    """The order's technician, or a dispatcher acting for them (like parts requests)."""
    return actor.has_perm(ADD_LABOUR) and (
        order.technician_id == actor.pk or actor.has_perm("service.dispatch_serviceorder")
    )


def _require_worker(actor, order: ServiceOrder) -> None:
    require_perm(actor, ADD_LABOUR)
    require_order_reach(actor, order)
    if not may_work_charges(actor, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may record labour."))


def _being_worked(order: ServiceOrder, what: str) -> None:
    if order.status not in REQUEST_STATUSES:
        raise ServiceError(
            _("%(what)s while the order is being worked; this order is “%(status)s”.")
            % {"what": what, "status": order.get_status_display()}
        )


def _quantity(value) -> Decimal:
    """A positive number with at most two places, or a field error (never a float)."""
    if isinstance(value, bool):
        value = None
    try:
        quantity = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise ServiceError({"quantity": _("Enter the quantity as a number, e.g. 1.5.")})
    if quantity <= 0:
        raise ServiceError({"quantity": _("The quantity must be above zero.")})
    if quantity != quantity.quantize(charge_sheets.CENT):
        raise ServiceError({"quantity": _("The quantity has at most two decimal places.")})
    if quantity >= MAX_QUANTITY:
        raise ServiceError({"quantity": _("The quantity is too large.")})
    return quantity.quantize(charge_sheets.CENT)


# --- labour lines (FEE-1, FEE-2) -------------------------------------------------------------


def add_labour(
    *, actor, order: ServiceOrder, rate_code: str, quantity, description=""
) -> LabourLine:
    """FEE-1, FEE-2: labour on the order, priced from the labour rate in force on the
    order's received day: the rate × quantity for paid and other service, nothing for free
    (warranty) and contract service."""
    from aftersales.parts.catalogue import labour_rate_on

    _require_worker(actor, order)
    quantity = _quantity(quantity)
    description = checked_text(description, "description", 200)
    code = (rate_code or "").strip()
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        _being_worked(locked, _("Labour is recorded"))
        day = timezone.localdate(locked.received_at)
        rate = labour_rate_on(code, day) if code else None
        if rate is None:
            raise ServiceError(
                {
                    "rate_code": _("No labour rate “%(code)s” is in force on %(day)s.")
                    % {"code": code, "day": day}
                }
            )
        unit_price, amount = charge_sheets.labour_charge(
            service_kind=locked.service_kind, rate=rate.rate, quantity=quantity
        )
        if amount >= MAX_AMOUNT:
            raise ServiceError({"quantity": _("The quantity is too large.")})
        line = LabourLine.objects.create(
            order=locked,
            rate=rate,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            amount=amount,
            created_by=actor,
            updated_by=actor,
        )
        record(
            line,
            "charges.labour.added",
            actor=actor,
            after={"rate": rate.code, "quantity": str(quantity), "amount": str(amount)},
            note=locked.get_service_kind_display(),
        )
    return line


def cancel_labour(*, actor, line: LabourLine, reason: str) -> LabourLine:
    """A labour line entered by mistake is cancelled with the reason, never deleted."""
    order = line.order
    _require_worker(actor, order)
    reason = checked_text(
        reason, "reason", 300, required=_("Say why the labour line is cancelled.")
    )
    with transaction.atomic():
        ServiceOrder.objects.select_for_update().filter(pk=order.pk).first()
        line = (
            LabourLine.objects.select_for_update(of=("self",))
            .select_related("order", "rate")
            .get(pk=line.pk)
        )
        if line.cancelled_at is not None:
            raise ServiceError(_("This labour line is already cancelled."))
        _being_worked(line.order, _("Labour is changed"))
        line.cancelled_at = timezone.now()
        line.updated_by = actor
        line.save(update_fields=["cancelled_at", "updated_by", "updated_at"])
        record(
            line,
            "charges.labour.cancelled",
            actor=actor,
            before={"cancelled_at": None},
            after={"cancelled_at": line.cancelled_at.isoformat()},
            note=reason,
        )
    return line


# --- the quotation (FEE-2) -------------------------------------------------------------------


def is_expired(quotation: Quotation, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return quotation.valid_until is not None and quotation.valid_until < today


def make_quotation(*, actor, order: ServiceOrder, note: str = "") -> Quotation:
    """FEE-2: freeze the order's charge sheet as a quotation for the customer, valid for
    AFTERSALES_QUOTATION_DAYS. Earlier pending or accepted quotations are superseded.
    Refused when there is nothing to quote, or nothing changed since the quotation that
    stands (pending and still valid, or accepted)."""
    require_perm(actor, ADD_QUOTATIONS)
    require_order_reach(actor, order)
    note = checked_text(note, "note", 300)
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        _being_worked(locked, _("A quotation is made"))
        sheet = charge_sheets.charge_sheet(locked)
        if sheet.total <= 0:
            raise ServiceError(
                _("The customer owes nothing on this order: there is nothing to quote.")
            )
        fingerprint = sheet.fingerprint
        standing = list(
            Quotation.objects.select_for_update().filter(order=locked, status__in=STANDING)
        )
        today = timezone.localdate()
        for earlier in standing:
            if earlier.fingerprint == fingerprint and not (
                earlier.status == QuotationStatus.PENDING and is_expired(earlier, today)
            ):
                raise ServiceError(
                    _("Nothing changed since quotation %(number)s (%(status)s): use that one.")
                    % {"number": earlier.number, "status": earlier.get_status_display()}
                )
        quotation = Quotation.objects.create(
            number=next_number("BJ"),
            order=locked,
            service_kind=sheet.service_kind,
            items=[line.as_item() for line in sheet.items],
            parts_total=sheet.parts_total,
            labour_total=sheet.labour_total,
            total=sheet.total,
            fingerprint=fingerprint,
            valid_until=today + dt.timedelta(days=quotation_days()),
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        for earlier in standing:
            before = earlier.status
            earlier.status = QuotationStatus.SUPERSEDED
            earlier.updated_by = actor
            earlier.save(update_fields=["status", "updated_by", "updated_at"])
            record(
                earlier,
                "charges.quotation.superseded",
                actor=actor,
                before={"status": before},
                after={"status": earlier.status},
                note=quotation.number,
            )
        record(
            quotation,
            "charges.quotation.made",
            actor=actor,
            after={"total": str(quotation.total), "fingerprint": fingerprint},
            note=note,
        )
    return quotation


def _lock_pending(actor, quotation: Quotation) -> Quotation:
    """The quotation locked (its order first, as every charge change locks it), pending."""
    require_perm(actor, ADD_QUOTATIONS)
    require_order_reach(actor, quotation.order_id)
    ServiceOrder.objects.select_for_update().filter(pk=quotation.order_id).first()
    locked = (
        Quotation.objects.select_for_update(of=("self",))
        .select_related("order__technician")
        .get(pk=quotation.pk)
    )
    if locked.status != QuotationStatus.PENDING:
        raise ServiceError(
            _("Quotation %(number)s is “%(status)s”: only a pending quotation can be answered.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    return locked


def accept_quotation(
    *,
    actor,
    quotation: Quotation,
    method: str,
    signer_name: str,
    signature: bytes | None = None,
    consent_phone: str = "",
    consent_note: str = "",
) -> Quotation:
    """FEE-2: the customer accepts the quotation — a drawn signature with the signer's
    name, or agreement on the phone recorded with the number, who agreed, what they said
    and who took the call. Only a pending, unexpired quotation whose charges are still the
    order's can be accepted. The order's technician is told."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    errors: dict[str, str] = {}
    if method not in AcceptanceMethod.values:
        raise ServiceError({"method": _("Choose how the customer accepted: signature or phone.")})
    signer_name = (signer_name or "").strip()
    consent_phone = (consent_phone or "").strip()
    consent_note = (consent_note or "").strip()
    extension = None
    if method == AcceptanceMethod.SIGNATURE:
        extension = checked_image(signature, "signature", errors)
        if not signature and "signature" not in errors:
            errors["signature"] = _("The customer signs the quotation: draw the signature.")
        if not signer_name:
            errors["signer_name"] = _("Write the name of the person who signed.")
    else:
        if not consent_phone:
            errors["consent_phone"] = _("Write the phone number the customer agreed on.")
        if not signer_name:
            errors["signer_name"] = _("Write the name of the person who agreed.")
        if not consent_note:
            errors["consent_note"] = _("Write what the customer said when agreeing.")
    for field, value, limit in (
        ("signer_name", signer_name, 100),
        ("consent_phone", consent_phone, 30),
        ("consent_note", consent_note, 300),
    ):
        if len(value) > limit and field not in errors:
            errors[field] = _("At most %(limit)d characters, please.") % {"limit": limit}
    if errors:
        raise ServiceError(errors)
    with files_removed_on_failure() as stored, transaction.atomic():
        locked = _lock_pending(actor, quotation)
        if is_expired(locked):
            raise ServiceError(
                _("Quotation %(number)s was valid until %(day)s; make a new one for the customer.")
                % {"number": locked.number, "day": locked.valid_until}
            )
        if locked.fingerprint != charge_sheets.charge_sheet(locked.order).fingerprint:
            raise ServiceError(_("The charges changed since this quotation; make a new one."))
        now = timezone.now()
        locked.status = QuotationStatus.ACCEPTED
        locked.accepted_at = now
        locked.acceptance_method = method
        locked.signer_name = signer_name
        locked.recorded_by = actor
        if method == AcceptanceMethod.PHONE:
            locked.consent_phone = consent_phone
            locked.consent_note = consent_note
        else:
            locked.signature.save(
                f"{locked.number}-signature.{extension}", ContentFile(signature), save=False
            )
            stored.append(locked.signature)
        locked.updated_by = actor
        locked.save()
        record(
            locked,
            "charges.quotation.accepted",
            actor=actor,
            before={"status": QuotationStatus.PENDING},
            after={"status": locked.status, "method": method, "signer": signer_name},
            note=consent_note,
        )
        order = locked.order
        number, order_number, total = locked.number, order.number, locked.total
        notify(
            [order.technician],
            topic=Topic.QUOTATION_ACCEPTED,
            title=lambda: (
                _("Quotation %(number)s accepted (%(order)s)")
                % {"number": number, "order": order_number}
            ),
            body=lambda: (
                _("The customer accepted ¥%(total)s for order %(order)s; the paid work may go on.")
                % {"total": total, "order": order_number}
            ),
            url=reverse("charges:quotation_detail", args=[locked.pk]),
        )
    return locked


def decline_quotation(*, actor, quotation: Quotation, reason: str) -> Quotation:
    """FEE-2: the customer does not accept the quotation; the reason is kept."""
    reason = checked_text(reason, "reason", 300, required=_("Say why the customer declined."))
    with transaction.atomic():
        locked = _lock_pending(actor, quotation)
        locked.status = QuotationStatus.DECLINED
        locked.declined_reason = reason
        locked.updated_by = actor
        locked.save(update_fields=["status", "declined_reason", "updated_by", "updated_at"])
        record(
            locked,
            "charges.quotation.declined",
            actor=actor,
            before={"status": QuotationStatus.PENDING},
            after={"status": locked.status},
            note=reason,
        )
    return locked


# --- the completion's guard (FEE-2) ----------------------------------------------------------


def order_quotations(order: ServiceOrder) -> list[Quotation]:
    """The order's quotations, newest first; once per page while the order's page is built
    (the "complete" guard and the charges card share them), and in no query when the
    order has none (issue 7)."""

    def compute() -> list[Quotation]:
        if not order_page.may_have(order, "quotations"):
            return []
        return list(
            Quotation.objects.filter(order=order)
            .select_related("recorded_by")
            .order_by("-created_at", "-pk")
        )

    return order_page.memoized(("quotations", order.pk), compute)


def quotation_state(order: ServiceOrder, sheet=None, quotations=None) -> dict:
    """Where the order's quotation stands against its charges now:
    ``{"state": "none"|"pending"|"expired"|"accepted"|"out_of_date"|"declined"|"not_needed",
    "quotation": the newest standing (or last) quotation or None, "sheet": the sheet}``."""
    sheet = sheet or charge_sheets.charge_sheet(order)
    if quotations is None:
        quotations = order_quotations(order)
    newest = quotations[0] if quotations else None
    accepted = next((q for q in quotations if q.status == QuotationStatus.ACCEPTED), None)
    pending = next((q for q in quotations if q.status == QuotationStatus.PENDING), None)
    fingerprint = sheet.fingerprint
    if accepted is not None and accepted.fingerprint == fingerprint:
        state, quotation = "accepted", accepted
    elif sheet.total <= 0:
        state, quotation = "not_needed", newest
    elif pending is not None and pending.fingerprint == fingerprint:
        state = "expired" if is_expired(pending) else "pending"
        quotation = pending
    elif pending is not None or accepted is not None:
        state, quotation = "out_of_date", pending or accepted
    elif newest is not None and newest.status == QuotationStatus.DECLINED:
        state, quotation = "declined", newest
    else:
        state, quotation = "none", newest
    return {"state": state, "quotation": quotation, "sheet": sheet}


def acceptance_needed(order: ServiceOrder) -> str:
    """FEE-2, the guard of "complete": "" when the customer owes nothing or has accepted a
    quotation of the charges as they are now; otherwise why the work cannot be completed."""
    sheet = charge_sheets.charge_sheet(order)
    if sheet.total <= 0:
        return ""
    return refusal(quotation_state(order, sheet))


def acceptance_needed_many(orders) -> dict[int, str]:
    """``acceptance_needed`` for a page of orders in four queries (the sheets' three and the
    quotations), by order id."""
    sheets = charge_sheets.charge_sheets(orders)
    owing = [pk for pk, sheet in sheets.items() if sheet.total > 0]
    quotations: dict[int, list] = {pk: [] for pk in owing}
    if owing:
        for quotation in Quotation.objects.filter(order_id__in=owing).order_by(
            "-created_at", "-pk"
        ):
            quotations[quotation.order_id].append(quotation)
    return {
        pk: refusal(quotation_state(sheet.order, sheet, quotations[pk])) if pk in quotations else ""
        for pk, sheet in sheets.items()
    }


def refusal(found: dict) -> str:
    """Why the work cannot be completed, from ``quotation_state``'s answer ("" if it can)."""
    state, quotation, sheet = found["state"], found["quotation"], found["sheet"]
    if state in ("accepted", "not_needed"):
        return ""
    total = f"¥{sheet.total:.2f}"
    if state in ("pending", "expired"):
        return _(
            "The customer has not accepted quotation %(number)s (%(total)s) yet: paid work is "
            "completed only after the customer's acceptance (FEE-2)."
        ) % {"number": quotation.number, "total": total}
    if state == "out_of_date":
        return _(
            "The charges changed since quotation %(number)s: make a new quotation of "
            "%(total)s and have the customer accept it (FEE-2)."
        ) % {"number": quotation.number, "total": total}
    return _(
        "The customer owes %(total)s: make a quotation and have the customer accept it before "
        "the work is completed (FEE-2)."
    ) % {"total": total}


# --- the printable quotation (FEE-2) ---------------------------------------------------------


def _rule_label(rule: str) -> str:
    """A PRT-1 rule's label in Chinese and English, as printed on the quotation."""
    from aftersales.core import pdf
    from aftersales.parts.models import ChargeRule

    if rule not in ChargeRule.values:
        return ""
    return pdf.both(lambda: ChargeRule(rule).label)


def render_quotation(quotation: Quotation) -> bytes:
    """FEE-2: the quotation (售后服务报价单) as an A4 PDF — the frozen lines with their PRT-1
    rule, the totals, how long it is valid, and the customer's acceptance (the drawn
    signature, or the recorded phone agreement)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from aftersales.core import pdf
    from aftersales.service.models import ServiceKind

    pdf.register_font()
    styles = pdf.styles()
    order = quotation.order

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, styles[style])

    def lab(zh: str, en: str):
        return p(pdf.label(zh, en), "label")

    def money(value) -> str:
        return f"¥{Decimal(value):.2f}"

    story = [
        pdf.header(
            "售后服务报价单",
            "After-sales service quotation",
            str(order.org_unit),
            "报价单号",
            "Quotation no.",
            quotation.number,
        ),
        Spacer(1, 5 * mm),
    ]
    unit = order.unit
    customer = escape(order.customer.name)
    if order.customer.code:
        customer += f' <font size="8" color="{pdf.GREY}">{escape(order.customer.code)}</font>'
    kind = (
        pdf.both(lambda: ServiceKind(quotation.service_kind).label)
        if quotation.service_kind in ServiceKind.values
        else escape(quotation.service_kind)
    )
    narrow = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    story.append(
        pdf.grid(
            [
                [
                    lab("服务单号", "Order no."),
                    p(escape(order.number)),
                    lab("报价日期", "Quoted on"),
                    p(pdf.when(quotation.created_at)),
                ],
                [
                    lab("客户", "Customer"),
                    p(customer),
                    lab("联系人", "Contact"),
                    p(escape(order.contact_name)),
                ],
                [
                    lab("产品型号", "Model"),
                    p(escape(str(unit.product_model)) if unit else ""),
                    lab("机身编号", "Serial no."),
                    p(escape(unit.serial_number) if unit else ""),
                ],
                [
                    lab("服务性质", "Service kind"),
                    p(kind),
                    lab("有效期至", "Valid until"),
                    p(str(quotation.valid_until or "")),
                ],
            ],
            narrow,
        )
    )
    story.append(Spacer(1, 4 * mm))

    # The lines as frozen: code, name, quantity, unit price, amount, and the PRT-1 rule.
    head = [
        lab("编号", "Code"),
        lab("名称", "Item"),
        lab("数量", "Qty"),
        lab("单价", "Unit price"),
        lab("金额", "Amount"),
        lab("收费规则", "Charge rule"),
    ]
    rows = [head]
    for item in quotation.items:
        kind_label = "工时 Labour" if item.get("kind") == "labour" else ""
        rows.append(
            [
                p(escape(item.get("code", ""))),
                p(escape(item.get("name", ""))),
                p(escape(str(item.get("quantity", "")))),
                p(money(item.get("unit_price", "0"))),
                p(money(item.get("amount", "0"))),
                p(_rule_label(item.get("rule", "")) or kind_label, "note"),
            ]
        )
    lines = Table(
        rows,
        colWidths=[24 * mm, 46 * mm, 16 * mm, 24 * mm, 24 * mm, 46 * mm],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, pdf.LINE),
                ("BACKGROUND", (0, 0), (-1, 0), pdf.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(lines)
    story.append(Spacer(1, 3 * mm))
    story.append(
        pdf.grid(
            [
                [lab("配件合计", "Parts"), p(money(quotation.parts_total))],
                [lab("工时费合计", "Labour"), p(money(quotation.labour_total))],
                [lab("应付总额", "Total"), p(f"<b>{money(quotation.total)}</b>")],
            ],
            [28 * mm, 152 * mm],
        )
    )
    if quotation.note:
        story += [Spacer(1, 2 * mm), p(f"备注 Note: {pdf.text(quotation.note)}", "note")]

    # The customer's acceptance: signature, phone agreement, or a box for the pen.
    if quotation.status == QuotationStatus.ACCEPTED and quotation.acceptance_method == (
        AcceptanceMethod.PHONE
    ):
        accepted = p(
            f"客户于 {pdf.when(quotation.accepted_at)} 通过电话 {escape(quotation.consent_phone)} "
            f"同意本报价，同意人 {escape(quotation.signer_name)}，"
            f"记录人 {escape(str(quotation.recorded_by or ''))}。<br/>"
            f"Agreed by phone on {pdf.when(quotation.accepted_at)} "
            f"with {escape(quotation.signer_name)} ({escape(quotation.consent_phone)}), "
            f"recorded by {escape(str(quotation.recorded_by or ''))}.<br/>"
            f"{pdf.text(quotation.consent_note)}"
        )
    elif quotation.status == QuotationStatus.ACCEPTED and quotation.signature:
        try:
            with quotation.signature.open("rb") as stored:
                content = stored.read()
            accepted = pdf.image(content, 70 * mm, 24 * mm, styles["note"])
        except OSError:
            accepted = p("签字图片无法读取 The signature file cannot be read.", "note")
    elif quotation.status == QuotationStatus.DECLINED:
        accepted = p(f"客户未接受 Declined: {pdf.text(quotation.declined_reason)}", "note")
    elif quotation.status == QuotationStatus.SUPERSEDED:
        accepted = p("本报价单已被新报价单取代 Superseded by a newer quotation.", "note")
    else:
        accepted = ""
    acceptance = Table(
        [
            [
                lab("客户确认", "Acceptance"),
                accepted,
                [
                    lab("签字人", "Signed / agreed by"),
                    p(escape(quotation.signer_name)),
                    Spacer(1, 2 * mm),
                    lab("确认时间", "Accepted at"),
                    p(pdf.when(quotation.accepted_at)),
                ],
            ]
        ],
        colWidths=[28 * mm, 100 * mm, 52 * mm],
        minRowHeights=[30 * mm],
    )
    acceptance.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, pdf.LINE),
                ("BACKGROUND", (0, 0), (0, 0), pdf.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    terms = p(
        "客户确认即同意按上述金额收费；配件或费用如有变更，须重新报价并经客户确认。"
        "<br/>By accepting, the customer agrees to the charges above; any change of parts or "
        "charges needs a new quotation and the customer's agreement.",
        "note",
    )
    story += [Spacer(1, 4 * mm), KeepTogether([acceptance, Spacer(1, 2 * mm), terms])]
    return pdf.build(
        story,
        number=quotation.number,
        title=f"售后服务报价单 {quotation.number}",
        subject="After-sales service quotation",
    )
