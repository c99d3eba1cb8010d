"""Purchase inquiries (PRT-7): for a part that is not an assembly, a technician or keeper asks
purchasing whether it can be bought; purchasing answers yes (supplier, unit cost, date) or
no. The request and the answer are recorded and audited (SEC-1).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_any_perm, require_perm
from aftersales.parts.models import InquiryStatus, Part, PurchaseInquiry
from aftersales.parts.shipping import money
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

ASK = "parts.add_purchaseinquiry"
ANSWER = "parts.answer_purchaseinquiry"


def inquiries_visible_to(user):
    """Purchasing sees every inquiry; others their own and those of the orders in reach."""
    if not getattr(user, "is_authenticated", False):
        return PurchaseInquiry.objects.none()
    if user.has_perm(ANSWER):
        return PurchaseInquiry.objects.all()
    return PurchaseInquiry.objects.filter(
        Q(asked_by=user) | Q(order__in=ServiceOrder.objects.visible_to(user).values("pk"))
    )


def _state(inquiry: PurchaseInquiry) -> dict:
    return {
        "status": inquiry.status,
        "can_buy": inquiry.can_buy,
        "supplier": inquiry.supplier,
        "unit_cost": None if inquiry.unit_cost is None else str(inquiry.unit_cost),
        "expected_on": inquiry.expected_on.isoformat() if inquiry.expected_on else None,
    }


def _url(inquiry: PurchaseInquiry) -> str:
    return reverse("parts:inquiry_detail", args=[inquiry.pk])


def ask_purchasing(
    *, actor, quantity, part: Part | None = None, description: str = "", order=None
) -> PurchaseInquiry:
    """PRT-7: ask whether a part that is not an assembly can be bought — a catalogue part or
    one described in words — optionally for an order. Purchasing is notified."""
    require_perm(actor, ASK)
    if order is not None:
        require_order_reach(actor, order)
    description = (description or "").strip()
    errors: dict[str, str] = {}
    if part is None and not description:
        errors["part"] = _("Choose a catalogue part or describe the part needed.")
    if part is not None and part.is_assembly:
        errors["part"] = _(
            "%(part)s is an assembly: assemblies come from the warehouse as usual. Purchasing "
            "is asked only about parts that are not assemblies (PRT-7)."
        ) % {"part": part}
    if len(description) > 300:
        errors["description"] = _("Keep the description under 300 characters.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        errors["quantity"] = _("The quantity must be a whole number above zero.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        # Lock what the duplicate check is about, so two askers cannot both get through.
        if order is not None:
            order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if part is not None:
            part = Part.objects.select_for_update().get(pk=part.pk)
            twin = PurchaseInquiry.objects.filter(
                part=part, status=InquiryStatus.OPEN, order=order
            ).first()
            if twin is not None:
                raise ServiceError(
                    {
                        "part": _(
                            "Inquiry %(number)s about %(part)s is still waiting for purchasing."
                        )
                        % {"number": twin.number, "part": part}
                    }
                )
        inquiry = PurchaseInquiry.objects.create(
            number=next_number("XJ"),
            part=part,
            description=description,
            quantity=quantity,
            order=order,
            asked_by=actor,
            asked_at=timezone.now(),
            created_by=actor,
            updated_by=actor,
        )
        record(inquiry, "parts.inquiry.asked", actor=actor)
        _tell_purchasing(inquiry, actor)
    return inquiry


def _tell_purchasing(inquiry: PurchaseInquiry, actor) -> None:
    from aftersales.accounts.models import User
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    params = {
        "number": inquiry.number,
        "what": str(inquiry.part) if inquiry.part_id else inquiry.description[:100],
        "quantity": inquiry.quantity,
        "asker": str(actor),
        "order": inquiry.order.number if inquiry.order_id else "—",
    }
    notify(
        User.objects.filter(is_active=True).with_permission(ANSWER).exclude(pk=actor.pk),
        topic=Topic.INQUIRY_ASKED,
        title=lambda: _("Can we buy %(what)s? (%(number)s)") % params,
        body=lambda: _("%(asker)s asks for %(quantity)s, order %(order)s.") % params,
        url=_url(inquiry),
    )


def _locked(inquiry: PurchaseInquiry) -> PurchaseInquiry:
    return (
        PurchaseInquiry.objects.select_for_update(of=("self",))
        .select_related("part", "order", "asked_by")
        .get(pk=inquiry.pk)
    )


def _not_open(inquiry: PurchaseInquiry) -> ServiceError:
    return ServiceError(
        _("Inquiry %(number)s is “%(status)s”; only an open inquiry can be changed.")
        % {"number": inquiry.number, "status": inquiry.get_status_display()}
    )


def answer_inquiry(
    *,
    actor,
    inquiry: PurchaseInquiry,
    can_buy,
    answer: str,
    supplier: str = "",
    unit_cost=None,
    expected_on: dt.date | None = None,
) -> PurchaseInquiry:
    """PRT-7: purchasing's answer. Yes needs the supplier and the expected date (not in the
    past); the unit cost, when given, is Decimal ≥ 0. The asker is notified."""
    require_perm(actor, ANSWER)
    if inquiry.order_id:
        require_order_reach(actor, inquiry.order_id)
    answer = (answer or "").strip()
    supplier = (supplier or "").strip()
    errors: dict[str, str] = {}
    if not isinstance(can_buy, bool):
        errors["can_buy"] = _("Say whether the part can be bought.")
    if not answer:
        errors["answer"] = _("Write the answer for the person who asked.")
    if len(supplier) > 100:
        errors["supplier"] = _("Keep the supplier under 100 characters.")
    if can_buy is True:
        if not supplier:
            errors["supplier"] = _("Name the supplier it can be bought from.")
        if expected_on is None:
            errors["expected_on"] = _("Say when the part is expected.")
        elif expected_on < timezone.localdate():
            errors["expected_on"] = _("The expected date cannot be in the past.")
    try:
        cost = money(unit_cost, "unit_cost")
    except ServiceError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
        cost = None
    with transaction.atomic():
        locked = _locked(inquiry)
        if locked.status != InquiryStatus.OPEN:
            raise _not_open(locked)
        if errors:
            raise ServiceError(errors)
        before = _state(locked)
        locked.status = InquiryStatus.ANSWERED
        locked.can_buy = can_buy
        locked.answer = answer
        locked.supplier = supplier
        locked.unit_cost = cost
        locked.expected_on = expected_on if can_buy else None
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.updated_by = actor
        locked.save()
        record(locked, "parts.inquiry.answered", actor=actor, before=before, after=_state(locked))
        _tell_asker(locked)
    return locked


def _tell_asker(inquiry: PurchaseInquiry) -> None:
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    params = {
        "number": inquiry.number,
        "what": str(inquiry.part) if inquiry.part_id else inquiry.description[:100],
        "answer": inquiry.answer[:300],
    }

    def title():
        if inquiry.can_buy:
            return _("%(number)s: %(what)s can be bought") % params
        return _("%(number)s: %(what)s cannot be bought") % params

    notify(
        [inquiry.asked_by],
        topic=Topic.INQUIRY_ANSWERED,
        title=title,
        body=lambda: params["answer"],
        url=_url(inquiry),
    )


def may_withdraw(actor, inquiry: PurchaseInquiry) -> bool:
    return inquiry.asked_by_id == actor.pk or actor.has_perm(ANSWER)


def withdraw_inquiry(*, actor, inquiry: PurchaseInquiry, reason: str) -> PurchaseInquiry:
    """The asker (or purchasing) takes back an open inquiry; the reason is recorded."""
    require_any_perm(actor, ASK, ANSWER)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked(inquiry)
        if not may_withdraw(actor, locked):
            raise PermissionDenied(_("Only the person who asked may withdraw the inquiry."))
        if locked.status != InquiryStatus.OPEN:
            raise _not_open(locked)
        if not reason:
            raise ServiceError({"reason": _("Say why the inquiry is withdrawn.")})
        if len(reason) > 300:
            raise ServiceError({"reason": _("Keep the reason under 300 characters.")})
        before = _state(locked)
        locked.status = InquiryStatus.WITHDRAWN
        locked.updated_by = actor
        locked.save()
        record(
            locked,
            "parts.inquiry.withdrawn",
            actor=actor,
            before=before,
            after=_state(locked),
            note=reason,
        )
    return locked
