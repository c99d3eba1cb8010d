"""Every write of the exchange form (EXC-1…EXC-4, SEC-5).

The salesperson fills the form (换货单) with the detailed reason and the evidence and
submits it; the regional market head signs, the office checks and comments, the general
manager decides — each step by a holder of its right, in the order of ``workflow.CHAIN``,
and never two steps by one person (SEC-5). Each step is an ``ExchangeApproval`` row (who,
when, step, decision, comment). The approved form's product comes back to a warehouse and
is inspected; an exchange or transfer gets its replacement (EXC-3) and its signed row in
the exchange ledger (换货登记台账); a return is refunded after the goods are received,
with proof of purchase, never more than was paid (EXC-2, EXC-4).

Each function runs in one transaction, checks the right, the reach (ORG-3), the state and
the input, locks the form's row, and writes the audit row (SEC-1). Refused input raises
``ServiceError`` (nothing written), a missing right ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.files import files_removed_on_failure
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_perm
from aftersales.core.validators import checked_text
from aftersales.exchanges import workflow
from aftersales.exchanges.models import (
    ApprovalStep,
    Decision,
    ExchangeApproval,
    ExchangeAttachment,
    ExchangeRequest,
    Inspection,
    LedgerEntry,
    Refund,
    RefundMethod,
    RequestKind,
    RequestStatus,
)

MIN_REASON = 15  # EXC-1: the detailed reason — a word or two is not a reason
MAX_REASON = 4000
MAX_COMMENT = 1000
MAX_MONEY = Decimal("10000000000")  # MONEY fields: 12 digits, 2 after the point
CENT = Decimal("0.01")
# A refund is allowed on these inspection results (EXC-2 unused, EXC-4 fault confirmed).
REFUNDABLE = (Inspection.UNUSED, Inspection.AS_CLAIMED)
# An exchange is given on these (the product's fault confirmed, or unused and undamaged).
REPLACEABLE = (Inspection.UNUSED, Inspection.AS_CLAIMED)


# --- reading: reach and the people of the chain -------------------------------------------


def visible_requests(user):
    """ORG-3: HQ roles see every form; others the forms of their unit (and the units under
    it) and of the units in their region and its sub-regions."""
    from aftersales.accounts.reach import reach_of

    if not getattr(user, "is_authenticated", False):
        return ExchangeRequest.objects.none()
    reach = reach_of(user)
    if reach.everything:
        return ExchangeRequest.objects.all()
    return ExchangeRequest.objects.filter(
        Q(org_unit_id__in=reach.unit_ids) | Q(org_unit__region_id__in=reach.region_ids)
    )


def visible_ledger(user):
    return LedgerEntry.objects.filter(request__in=visible_requests(user).values("pk"))


def require_request_reach(actor, request: ExchangeRequest | int) -> None:
    pk = request if isinstance(request, int) else request.pk
    if not visible_requests(actor).filter(pk=pk).exists():
        raise PermissionDenied(_("This exchange form belongs to a unit outside your reach."))


def region_of(org_unit):
    """The unit's sales region, or the nearest one above it in the organisation."""
    seen = set()
    while org_unit is not None and org_unit.pk not in seen:
        seen.add(org_unit.pk)
        if org_unit.region_id:
            return org_unit.region
        org_unit = org_unit.parent
    return None


def is_filler(actor, request: ExchangeRequest) -> bool:
    """Who works on the form before it is signed: its creator, or a person of the same
    unit holding the right to fill forms."""
    return actor.has_perm(workflow.CHANGE) and (
        request.created_by_id == actor.pk or actor.org_unit_id == request.org_unit_id
    )


def _require_filler(actor, request: ExchangeRequest) -> None:
    require_perm(actor, workflow.CHANGE)
    require_request_reach(actor, request)
    if not is_filler(actor, request):
        raise PermissionDenied(
            _("Only the person who filled the form, or a filler of the same unit, may do this.")
        )


def segregation_refusal(actor, request: ExchangeRequest, step: str) -> str:
    """SEC-5: why ``actor`` may not sign ``step`` of the form ("" if they may): the one who
    filled or submitted it signs no step, and nobody signs two steps of one form."""
    if request.created_by_id == actor.pk:
        return _("You filled this form: another person signs it (SEC-5).")
    other = (
        ExchangeApproval.objects.filter(request=request, by=actor)
        .exclude(step=step)
        .order_by("at")
        .first()
    )
    if other is not None:
        return _(
            "You already acted on this form as “%(step)s”: one person signs one step of a "
            "form only (SEC-5)."
        ) % {"step": other.get_step_display()}
    return ""


def review_refusal(actor, request: ExchangeRequest) -> str:
    """Why ``actor`` may not sign the step the form waits for ("" if they may)."""
    review = workflow.review_for(request.status)
    if review is None:
        return _("The form is not waiting for a signature.")
    if not actor.has_perm(review.perm):
        return _("Your roles do not include the right “%(perm)s”.") % {"perm": review.perm}
    if review.step == ApprovalStep.REGIONAL_HEAD:
        refusal = _region_refusal(actor, request)
        if refusal:
            return refusal
    elif not visible_requests(actor).filter(pk=request.pk).exists():
        return _("This exchange form belongs to a unit outside your reach.")
    return segregation_refusal(actor, request, review.step)


def require_signer(actor, request: ExchangeRequest) -> None:
    """SEC-5, before a signature's input is read: a holder of the right of the step the form
    waits for who may still not sign it (another region, their own form, a second step) is
    refused with a 403. Another step's reviewer is told by the service it is not theirs."""
    review = workflow.review_for(request.status)
    if review is not None and actor.has_perm(review.perm):
        refusal = review_refusal(actor, request)
        if refusal:
            raise PermissionDenied(refusal)


def _region_refusal(actor, request: ExchangeRequest) -> str:
    """A regional head signs the forms of units in their region or its sub-regions."""
    region = region_of(request.org_unit)
    if region is None:
        return _("The form's unit belongs to no sales region: no regional head can sign it.")
    if actor.region_id is None or region.pk not in actor.region.descendant_ids():
        return _(
            "The form's unit is in the region %(region)s, which is not yours: its own regional "
            "head signs it."
        ) % {"region": region.name}
    return ""


def signers_of(review: workflow.Review, request: ExchangeRequest):
    """The active people who may sign ``review`` of the form (to notify them)."""
    from aftersales.accounts.models import User

    people = User.objects.with_permission(review.perm).filter(is_active=True)
    if review.step == ApprovalStep.REGIONAL_HEAD:
        region = region_of(request.org_unit)
        people = people.filter(
            region_id__in=workflow.region_chain(region) if region is not None else []
        )
    others = ExchangeApproval.objects.filter(request=request).exclude(step=review.step)
    return people.exclude(pk=request.created_by_id).exclude(pk__in=others.values("by_id"))


def current_round(request: ExchangeRequest) -> int:
    return request.approvals.aggregate(n=Max("round"))["n"] or 0


def refunded(request: ExchangeRequest) -> Decimal:
    total = Refund.objects.filter(request=request).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0).quantize(CENT)


def has_purchase_proof(request: ExchangeRequest) -> bool:
    """EXC-2: the proof of purchase is written on the form or attached to it."""
    return (
        bool(request.purchase_proof.strip())
        or request.attachments.filter(is_purchase_proof=True).exists()
    )


# --- 三包 entitlement (EXC-5) ---------------------------------------------------------------


def entitlement_for(unit, fault_type=None, on_date: dt.date | None = None) -> dict:
    """EXC-5: what the unit's owner may ask for under 三包 today, as the form shows it."""
    from aftersales.service import sanbao

    return sanbao.remedies(unit, on_date or timezone.localdate(), fault_type).as_dict()


def entitlement_warning(kind: str, entitlement: dict) -> str:
    """The warning the form shows when 三包 does not give what is asked for (allowed: the
    company may still agree, EXC-4)."""
    if not entitlement:
        return ""
    remedies = entitlement.get("remedies") or []
    if kind == RequestKind.EXCHANGE and "exchange" not in remedies:
        return _(
            "三包 does not entitle the owner to an exchange on this date: approving it means "
            "the company agrees to it."
        )
    if kind == RequestKind.RETURN and "return" not in remedies:
        return _(
            "三包 does not entitle the owner to a return on this date: approving it means the "
            "company agrees to it (EXC-4)."
        )
    return ""


# --- input ---------------------------------------------------------------------------------


def _money(value, field: str, *, required: bool, positive: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ServiceError({field: _("Enter the amount.")})
        return None
    if isinstance(value, bool | float):
        value = str(value) if isinstance(value, float) else None
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ServiceError({field: _("Enter the amount as a number, e.g. 1280.00.")})
    if amount != amount.quantize(CENT):
        raise ServiceError({field: _("The amount has at most two decimal places.")})
    if amount < 0 or (positive and amount == 0):
        raise ServiceError(
            {field: _("The amount must be above zero.") if positive else _("Not below zero.")}
        )
    if amount >= MAX_MONEY:
        raise ServiceError({field: _("The amount is too large.")})
    return amount.quantize(CENT)


def _form_fields(
    actor,
    *,
    kind,
    customer,
    unit,
    reason,
    order=None,
    fault_type=None,
    purchase_date=None,
    purchase_price=None,
    purchase_proof="",
    exclude_pk=None,
) -> dict:
    """The form's fields checked together: every refused field named at once."""
    from aftersales.customers.models import Customer
    from aftersales.service.models import ServiceOrder

    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Choose exchange, transfer or return.")
    if customer is None:
        errors["customer"] = _("Choose the customer.")
    elif not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        errors["customer"] = _("This customer belongs to a unit outside your reach.")
    if unit is None:
        errors["unit"] = _("Choose the customer's unit (serial number).")
    elif customer is not None and unit.owner_id != customer.pk:
        errors["unit"] = _("Unit %(serial)s is not this customer's.") % {
            "serial": unit.serial_number
        }
    elif (
        ExchangeRequest.objects.filter(unit=unit)
        .exclude(status__in=workflow.FINAL)
        .exclude(pk=exclude_pk)
        .exists()
    ):
        open_form = (
            ExchangeRequest.objects.filter(unit=unit)
            .exclude(status__in=workflow.FINAL)
            .exclude(pk=exclude_pk)
            .first()
        )
        errors["unit"] = _("Unit %(serial)s already has the open exchange form %(number)s.") % {
            "serial": unit.serial_number,
            "number": open_form.number,
        }
    if order is not None:
        if not ServiceOrder.objects.visible_to(actor).filter(pk=order.pk).exists():
            errors["order"] = _("This order belongs to another organisation unit.")
        elif customer is not None and order.customer_id != customer.pk:
            errors["order"] = _("Order %(number)s is not this customer's.") % {
                "number": order.number
            }
        elif unit is not None and order.unit_id not in (None, unit.pk):
            errors["order"] = _("Order %(number)s is about another unit.") % {
                "number": order.number
            }
    if fault_type is not None and not fault_type.is_active:
        errors["fault_type"] = _("This fault type is no longer in use.")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        errors["reason"] = _(
            "Write the detailed reason: what is wrong, since when, what was tried "
            "(at least %(count)d characters)."
        ) % {"count": MIN_REASON}
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("At most %(limit)d characters, please.") % {"limit": MAX_REASON}
    if purchase_date is not None:
        if not isinstance(purchase_date, dt.date) or isinstance(purchase_date, dt.datetime):
            errors["purchase_date"] = _("Enter the date as YYYY-MM-DD.")
        elif purchase_date > timezone.localdate():
            errors["purchase_date"] = _("The purchase date cannot be in the future.")
    try:
        price = _money(purchase_price, "purchase_price", required=False, positive=False)
    except ServiceError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
        price = None
    proof = (purchase_proof or "").strip()
    if len(proof) > 200:
        errors["purchase_proof"] = _("At most %(limit)d characters, please.") % {"limit": 200}
    if errors:
        raise ServiceError(errors)
    return {
        "kind": kind,
        "customer": customer,
        "unit": unit,
        "order": order,
        "fault_type": fault_type,
        "reason": reason,
        "purchase_date": purchase_date,
        "purchase_price": price,
        "purchase_proof": proof,
    }


# --- the form: create, edit, attach, submit, cancel ---------------------------------------


def create_request(*, actor, **fields) -> ExchangeRequest:
    """EXC-1: a new exchange form (draft) for a customer's unit, filled by a salesperson
    (or branch manager) for their own unit."""
    require_perm(actor, workflow.ADD)
    if actor.org_unit_id is None:
        raise ServiceError(_("You belong to no organisation unit: a form needs one."))
    with transaction.atomic():
        data = _form_fields(actor, **fields)
        request = ExchangeRequest.objects.create(
            number=next_number("HH"),
            org_unit=actor.org_unit,
            created_by=actor,
            updated_by=actor,
            **data,
        )
        record(request, "exchanges.request.created", actor=actor)
    return request


def update_request(*, actor, request: ExchangeRequest, **fields) -> ExchangeRequest:
    """The filler edits a draft, or a form returned for more information."""
    _require_filler(actor, request)
    with transaction.atomic():
        locked = ExchangeRequest.objects.select_for_update().get(pk=request.pk)
        _editable(locked)
        data = _form_fields(actor, exclude_pk=locked.pk, **fields)
        before = snapshot(locked)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.updated_by = actor
        locked.save()
        record(locked, "exchanges.request.changed", actor=actor, before=before)
    return locked


def _editable(locked: ExchangeRequest) -> None:
    if locked.status not in workflow.EDITABLE:
        raise ServiceError(
            _("Form %(number)s is “%(status)s”: only a draft or a returned form can be changed.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )


def add_attachment(
    *,
    actor,
    request: ExchangeRequest,
    content: bytes,
    name: str = "",
    caption: str = "",
    is_purchase_proof: bool = False,
) -> ExchangeAttachment:
    """EXC-1, EXC-2: evidence (photos, scans) or the proof of purchase — a PNG or JPEG
    image or a PDF, judged by its content."""
    from aftersales.service.services import check_attachment

    _require_filler(actor, request)
    caption = checked_text(caption, "caption", 200)
    ext = check_attachment(content, name)
    with files_removed_on_failure() as stored, transaction.atomic():
        locked = ExchangeRequest.objects.select_for_update().get(pk=request.pk)
        _editable(locked)
        attachment = ExchangeAttachment(
            request=locked,
            caption=caption,
            is_purchase_proof=bool(is_purchase_proof),
            created_by=actor,
            updated_by=actor,
        )
        count = locked.attachments.count() + 1
        attachment.file.save(f"{locked.number}-{count}.{ext}", ContentFile(content), save=False)
        stored.append(attachment.file)
        attachment.save()
        record(
            attachment,
            "exchanges.attachment.added",
            actor=actor,
            note=locked.number,
        )
    return attachment


def submit_request(*, actor, request: ExchangeRequest, comment: str = "") -> ExchangeRequest:
    """EXC-1: the filler submits the form to the regional head; the 三包 entitlement of the
    day is kept on it (EXC-5). A return needs the proof of purchase and the price paid
    (EXC-2). A returned form comes back as a new round."""

    require_perm(actor, workflow.ADD)
    _require_filler(actor, request)
    comment = checked_text(comment, "comment", MAX_COMMENT)
    with transaction.atomic():
        locked = ExchangeRequest.objects.select_for_update().get(pk=request.pk)
        _editable(locked)
        errors = {}
        if locked.kind == RequestKind.RETURN:
            if not has_purchase_proof(locked):
                errors["purchase_proof"] = _(
                    "A return needs the proof of purchase: write the invoice or receipt number "
                    "or attach it (EXC-2)."
                )
            if locked.purchase_price is None:
                errors["purchase_price"] = _(
                    "Write the price paid: the refund cannot be more (EXC-2)."
                )
        if errors:
            raise ServiceError(errors)
        now = timezone.now()
        before = snapshot(locked)
        locked.entitlement = entitlement_for(locked.unit, locked.fault_type)
        locked.status = RequestStatus.REGIONAL_HEAD
        locked.submitted_at = now
        locked.updated_by = actor
        locked.save()
        turn = current_round(locked) + 1
        ExchangeApproval.objects.create(
            request=locked,
            step=ApprovalStep.SUBMIT,
            decision=Decision.SUBMITTED,
            comment=comment,
            by=actor,
            at=now,
            round=turn,
        )
        record(
            locked,
            "exchanges.request.submitted",
            actor=actor,
            before=before,
            note=entitlement_warning(locked.kind, locked.entitlement) or comment,
        )
        _tell_signers(locked, workflow.CHAIN[0])
    return locked


def cancel_request(*, actor, request: ExchangeRequest, reason: str) -> ExchangeRequest:
    """The filler withdraws a draft or a returned form, with the reason."""
    _require_filler(actor, request)
    reason = checked_text(reason, "reason", 500, required=_("Say why the form is cancelled."))
    with transaction.atomic():
        locked = ExchangeRequest.objects.select_for_update().get(pk=request.pk)
        _editable(locked)
        before = snapshot(locked)
        locked.status = RequestStatus.CANCELLED
        locked.cancel_reason = reason
        locked.updated_by = actor
        locked.save(update_fields=["status", "cancel_reason", "updated_by", "updated_at"])
        record(locked, "exchanges.request.cancelled", actor=actor, before=before, note=reason)
    return locked


# --- the chain: approve, reject, return (EXC-1, SEC-5) ------------------------------------


def approve_request(*, actor, request, comment: str = "", step: str = "") -> ExchangeRequest:
    """The step the form waits for signs it on to the next one (the general manager's
    signature approves it). The office checks and comments: its comment is required."""
    return _review(
        actor=actor, request=request, decision=Decision.APPROVED, comment=comment, step=step
    )


def reject_request(*, actor, request, comment: str = "", step: str = "") -> ExchangeRequest:
    """A step refuses the form for good, with the reason."""
    return _review(
        actor=actor, request=request, decision=Decision.REJECTED, comment=comment, step=step
    )


def return_request(*, actor, request, comment: str = "", step: str = "") -> ExchangeRequest:
    """A step sends the form back to the filler for more information (what is missing)."""
    return _review(
        actor=actor, request=request, decision=Decision.RETURNED, comment=comment, step=step
    )


def _review(*, actor, request: ExchangeRequest, decision: str, comment: str, step: str):
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    if not (getattr(actor, "is_authenticated", False) and workflow.is_reviewer(actor)):
        review = workflow.review_for(request.status) or workflow.CHAIN[0]
        require_perm(actor, review.perm)
    require_request_reach(actor, request)
    required = {
        Decision.REJECTED: _("Say why the form is rejected."),
        Decision.RETURNED: _("Say what information is missing."),
    }.get(decision, "")
    comment = checked_text(comment, "comment", MAX_COMMENT, required=required)
    if step and step not in workflow.REVIEW_BY_STEP:
        raise ServiceError({"step": _("Unknown step.")})
    with transaction.atomic():
        locked = (
            ExchangeRequest.objects.select_for_update(of=("self",))
            .select_related("org_unit__region", "created_by")
            .get(pk=request.pk)
        )
        review = workflow.review_for(locked.status)
        if review is None:
            raise ServiceError(
                _("Form %(number)s is “%(status)s”: it is not waiting for a signature.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if step and step != review.step:
            raise ServiceError(
                _(
                    "Form %(number)s has moved on: it is “%(status)s” now, not at the step you "
                    "signed. Reload it."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if not actor.has_perm(review.perm):
            raise ServiceError(
                _(
                    "Form %(number)s is “%(status)s”: the steps are signed in order — regional "
                    "head, office, general manager — and this one is not yours."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        refusal = review_refusal(actor, locked)
        if refusal:
            raise PermissionDenied(refusal)
        if decision == Decision.APPROVED and review.step == ApprovalStep.OFFICE and not comment:
            raise ServiceError({"comment": _("The office checks the form and comments on it.")})
        now = timezone.now()
        before = snapshot(locked)
        if decision == Decision.APPROVED:
            locked.status = review.next_status
        elif decision == Decision.REJECTED:
            locked.status = RequestStatus.REJECTED
        else:
            locked.status = RequestStatus.RETURNED
        if locked.status in (RequestStatus.APPROVED, RequestStatus.REJECTED):
            locked.decided_at = now
        locked.updated_by = actor
        locked.save()
        ExchangeApproval.objects.create(
            request=locked,
            step=review.step,
            decision=decision,
            comment=comment,
            by=actor,
            at=now,
            round=max(current_round(locked), 1),
        )
        record(
            locked,
            f"exchanges.request.{decision}",
            actor=actor,
            before=before,
            note=f"{review.step}: {comment}",
        )
        following = workflow.review_for(locked.status)
        if following is not None:
            _tell_signers(locked, following)
        else:
            number, status_label = locked.number, locked.get_status_display
            by_name, text = str(actor), comment
            notify(
                [locked.created_by],
                topic=Topic.EXCHANGE_DECIDED,
                title=lambda: (
                    _("Exchange form %(number)s: %(status)s")
                    % {"number": number, "status": status_label()}
                ),
                body=lambda: (
                    _("%(person)s: %(comment)s") % {"person": by_name, "comment": text}
                    if text
                    else by_name
                ),
                url=reverse("exchanges:detail", args=[locked.pk]),
            )
            if locked.status == RequestStatus.APPROVED:
                from aftersales.accounts.models import User

                notify(
                    User.objects.with_permission(workflow.RECEIVE).filter(is_active=True),
                    topic=Topic.EXCHANGE_DECIDED,
                    title=lambda: (
                        _("Exchange form %(number)s approved: goods expected") % {"number": number}
                    ),
                    body=lambda: _("Receive the returned product with the form and inspect it."),
                    url=reverse("exchanges:detail", args=[locked.pk]),
                )
    return locked


def _tell_signers(request: ExchangeRequest, review: workflow.Review) -> None:
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    number, customer = request.number, request.customer.name
    kind_label = request.get_kind_display
    notify(
        signers_of(review, request),
        topic=Topic.EXCHANGE_TO_APPROVE,
        title=lambda: _("Exchange form %(number)s to sign") % {"number": number},
        body=lambda: (
            _("%(kind)s for %(customer)s waits for your signature.")
            % {"kind": kind_label(), "customer": customer}
        ),
        url=reverse("exchanges:detail", args=[request.pk]),
    )


# --- the goods, the ledger, the refund (EXC-1…EXC-4) --------------------------------------


def _lock_for(actor, perm: str, request: ExchangeRequest) -> ExchangeRequest:
    require_perm(actor, perm)
    require_request_reach(actor, request)
    return (
        ExchangeRequest.objects.select_for_update(of=("self",))
        .select_related("unit__product_model", "created_by")
        .get(pk=request.pk)
    )


def _tell_filler(request: ExchangeRequest, title, body) -> None:
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    notify(
        [request.created_by],
        topic=Topic.EXCHANGE_DECIDED,
        title=title,
        body=body,
        url=reverse("exchanges:detail", args=[request.pk]),
    )


def receive_goods(
    *, actor, request: ExchangeRequest, warehouse, inspection: str, inspection_note: str = ""
) -> ExchangeRequest:
    """EXC-1: the approved form's product comes to the warehouse with the form and is
    inspected; the result decides the replacement or refund that follows."""
    from aftersales.parts.models import WarehouseKind

    errors = {}
    if warehouse is None:
        errors["warehouse"] = _("Choose the warehouse the goods came to.")
    elif not warehouse.is_active or warehouse.kind == WarehouseKind.TECHNICIAN:
        errors["warehouse"] = _("Choose an active warehouse (not a technician's stock).")
    if inspection not in Inspection.values:
        errors["inspection"] = _("Choose the inspection result.")
    note = (inspection_note or "").strip()
    if len(note) > 2000:
        errors["inspection_note"] = _("At most %(limit)d characters, please.") % {"limit": 2000}
    elif not note and inspection in (Inspection.USER_DAMAGE, Inspection.NO_FAULT):
        errors["inspection_note"] = _("Describe what the inspection found.")
    require_perm(actor, workflow.RECEIVE)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_for(actor, workflow.RECEIVE, request)
        if locked.status != RequestStatus.APPROVED:
            raise ServiceError(
                _(
                    "Form %(number)s is “%(status)s”: goods are received only after the general "
                    "manager approved the form."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        before = snapshot(locked)
        locked.status = RequestStatus.RECEIVED
        locked.received_at = timezone.now()
        locked.received_by = actor
        locked.warehouse = warehouse
        locked.inspection = inspection
        locked.inspection_note = note
        locked.updated_by = actor
        locked.save()
        record(locked, "exchanges.goods.received", actor=actor, before=before, note=note)
        number, result = locked.number, locked.get_inspection_display
        _tell_filler(
            locked,
            lambda: _("Exchange form %(number)s: goods received") % {"number": number},
            lambda: _("Inspection: %(result)s") % {"result": result()},
        )
    return locked


def write_ledger(
    *,
    actor,
    request: ExchangeRequest,
    replacement_unit,
    substitute_agreed: str = "",
    summary: str = "",
) -> LedgerEntry:
    """EXC-1, EXC-3: the replacement given for the received product, and the signed row of
    the exchange ledger (换货登记台账): the same model, or another one only with the
    customer's agreement written down."""
    agreed = checked_text(substitute_agreed, "substitute_agreed", 2000)
    summary = checked_text(summary, "summary", 2000)
    require_perm(actor, workflow.LEDGER)
    if replacement_unit is None:
        raise ServiceError({"replacement_unit": _("Choose the replacement unit (serial number).")})
    with transaction.atomic():
        locked = _lock_for(actor, workflow.LEDGER, request)
        if locked.kind not in workflow.LEDGER_KINDS:
            raise ServiceError(_("A return is refunded, not replaced: there is no ledger row."))
        if locked.status != RequestStatus.RECEIVED:
            raise ServiceError(
                _(
                    "Form %(number)s is “%(status)s”: the ledger row is written once the "
                    "returned goods are received."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if locked.inspection not in REPLACEABLE:
            raise ServiceError(
                _(
                    "The inspection found “%(result)s”: no replacement is given; finish the "
                    "form with a note instead."
                )
                % {"result": locked.get_inspection_display()}
            )
        returned = locked.unit
        if replacement_unit.pk == returned.pk:
            raise ServiceError(
                {"replacement_unit": _("The replacement is another unit than the returned one.")}
            )
        if (
            ExchangeRequest.objects.filter(Q(replacement_unit=replacement_unit))
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ServiceError(
                {
                    "replacement_unit": _("Unit %(serial)s was already given as a replacement.")
                    % {"serial": replacement_unit.serial_number}
                }
            )
        same_model = replacement_unit.product_model_id == returned.product_model_id
        if not same_model and not agreed:
            raise ServiceError(
                {
                    "substitute_agreed": _(
                        "%(serial)s is a %(model)s, not a %(returned)s: a different model is "
                        "given only as a substitute the customer agreed to — write down the "
                        "agreement (EXC-3)."
                    )
                    % {
                        "serial": replacement_unit.serial_number,
                        "model": replacement_unit.product_model.code,
                        "returned": returned.product_model.code,
                    }
                }
            )
        now = timezone.now()
        if not summary:
            summary = _(
                "%(kind)s: %(returned)s (%(model)s) → %(replacement)s (%(new_model)s). %(reason)s"
            ) % {
                "kind": locked.get_kind_display(),
                "returned": returned.serial_number,
                "model": returned.product_model.code,
                "replacement": replacement_unit.serial_number,
                "new_model": replacement_unit.product_model.code,
                "reason": locked.reason[:200],
            }
        before = snapshot(locked)
        locked.replacement_unit = replacement_unit
        locked.substitute_agreed = agreed
        locked.status = RequestStatus.DONE
        locked.done_at = now
        locked.updated_by = actor
        locked.save()
        entry = LedgerEntry.objects.create(
            request=locked,
            entry_date=timezone.localdate(now),
            returned_serial=returned.serial_number,
            replacement_serial=replacement_unit.serial_number,
            summary=summary,
            handler=actor,
            signed_at=now,
            created_by=actor,
            updated_by=actor,
        )
        record(entry, "exchanges.ledger.written", actor=actor, note=locked.number)
        record(locked, "exchanges.request.done", actor=actor, before=before, note=summary)
        number, serial = locked.number, replacement_unit.serial_number
        _tell_filler(
            locked,
            lambda: _("Exchange form %(number)s done") % {"number": number},
            lambda: (
                _("Replacement unit %(serial)s; the ledger row is signed.") % {"serial": serial}
            ),
        )
    return entry


def record_refund(
    *, actor, request: ExchangeRequest, amount, method: str, reference: str = ""
) -> Refund:
    """EXC-2, EXC-4: money paid back after the goods were received and inspected (unused,
    or the fault confirmed), with proof of purchase, never more than the price paid less
    what was refunded already. Fully refunded, the form is done."""
    amount = _money(amount, "amount", required=True, positive=True)
    if method not in RefundMethod.values:
        raise ServiceError({"method": _("Choose how the money is paid back.")})
    reference = checked_text(reference, "reference", 100)
    require_perm(actor, workflow.REFUND)
    with transaction.atomic():
        locked = _lock_for(actor, workflow.REFUND, request)
        if locked.kind != RequestKind.RETURN:
            raise ServiceError(_("Only a return is refunded; an exchange gets a replacement."))
        if locked.status == RequestStatus.DONE:
            raise ServiceError(
                _("Form %(number)s is “%(status)s”: nothing more is refunded.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if locked.status != RequestStatus.RECEIVED:
            raise ServiceError(
                _(
                    "Form %(number)s is “%(status)s”: the refund is paid only after the goods "
                    "are received and inspected (EXC-2)."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if not has_purchase_proof(locked):
            raise ServiceError(_("A refund needs the proof of purchase (EXC-2)."))
        if locked.inspection == Inspection.USER_DAMAGE:
            raise ServiceError(_("The inspection found damage by the user: no refund (EXC-2)."))
        if locked.inspection not in REFUNDABLE:
            raise ServiceError(
                _(
                    "The inspection found “%(result)s”: a refund needs the product unused "
                    "(EXC-2) or the fault confirmed (EXC-4)."
                )
                % {"result": locked.get_inspection_display()}
            )
        if locked.purchase_price is None:
            raise ServiceError(_("The price paid is not on the form: the refund has no limit."))
        so_far = refunded(locked)
        left = locked.purchase_price - so_far
        if amount > left:
            raise ServiceError(
                {
                    "amount": _(
                        "At most ¥%(left)s can be refunded: the price paid was ¥%(paid)s and "
                        "¥%(so_far)s was refunded already."
                    )
                    % {"left": left, "paid": locked.purchase_price, "so_far": so_far}
                }
            )
        now = timezone.now()
        refund = Refund.objects.create(
            request=locked,
            amount=amount,
            method=method,
            reference=reference,
            paid_at=now,
            created_by=actor,
            updated_by=actor,
        )
        record(refund, "exchanges.refund.paid", actor=actor, note=locked.number)
        if so_far + amount == locked.purchase_price:
            before = snapshot(locked)
            locked.status = RequestStatus.DONE
            locked.done_at = now
            locked.updated_by = actor
            locked.save()
            record(locked, "exchanges.request.done", actor=actor, before=before)
        number, paid = locked.number, amount
        _tell_filler(
            locked,
            lambda: _("Exchange form %(number)s: refund paid") % {"number": number},
            lambda: _("¥%(amount)s paid back.") % {"amount": paid},
        )
    return refund


def finish_request(*, actor, request: ExchangeRequest, note: str) -> ExchangeRequest:
    """Close a received form with nothing more to do: a return partly refunded or not
    refundable after the inspection, or an exchange whose inspection gives no
    replacement (the goods go back to the customer). The note says why."""
    note = checked_text(note, "note", 1000, required=_("Say how the form ends."))
    with transaction.atomic():
        perm = workflow.REFUND if request.kind == RequestKind.RETURN else workflow.LEDGER
        locked = _lock_for(actor, perm, request)
        if locked.status != RequestStatus.RECEIVED:
            raise ServiceError(
                _(
                    "Form %(number)s is “%(status)s”: only a form whose goods were received "
                    "is finished."
                )
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if locked.kind in workflow.LEDGER_KINDS and locked.inspection in REPLACEABLE:
            raise ServiceError(
                _("The inspection allows the replacement: write the ledger row with it instead.")
            )
        before = snapshot(locked)
        locked.status = RequestStatus.DONE
        locked.done_at = timezone.now()
        locked.updated_by = actor
        locked.save()
        record(locked, "exchanges.request.finished", actor=actor, before=before, note=note)
    return locked
