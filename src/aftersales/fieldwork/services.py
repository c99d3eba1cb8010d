"""Every write of the field work (SVC-3, SVC-5): checklist ticks, check-in / check-out and
the take-back hand-over with its return.

Who: the order's technician, or a dispatcher acting for them (the workflow's rule for
the technician's own steps), within reach of the order (ORG-3). Each function runs in
one transaction under the order's row lock and writes its audit rows (SEC-1): one on
the record itself (before → after) and one on the order, so the order's history tells
the field work too. None of them changes the order's status: the workflow of the
service app owns it (checking in does not start the work).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.files import files_removed_on_failure
from aftersales.core.images import checked_image
from aftersales.core.numbering import next_number
from aftersales.fieldwork.models import (
    FIELD_PLAN_MODES,
    ChecklistItem,
    SiteVisit,
    TakeBack,
    VisitCheck,
)
from aftersales.service import workflow
from aftersales.service.models import PlanMode, ServiceOrder, Status
from aftersales.service.services import require_order_reach

# The checklist is ticked, and the visit checked in, once the plan is agreed and while
# the work goes on (a second trip after the start needs the same preparation).
CHECKLIST_STATUSES = [Status.PLANNED, Status.IN_PROGRESS]
CHECK_IN_STATUSES = [Status.PLANNED, Status.IN_PROGRESS]
# A part or product is taken back while the order is being worked on or waits.
TAKE_BACK_STATUSES = [
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.WAITING_CUSTOMER,
]
TEXT_LIMITS = {"items": 2000, "condition": 2000, "serial_numbers": 300, "note": 2000}
SIGNER_MAX = 100


# --- who may act ------------------------------------------------------------------------


def require_actor(actor, order: ServiceOrder) -> None:
    """PermissionDenied unless actor is the order's technician or a dispatcher.

    The same rule as the workflow's steps of the assigned technician ("start" is one).
    """
    workflow.require_actor(order, "start", actor)


def may_act(actor, order: ServiceOrder) -> bool:
    """For buttons: may this person do the field work of the order (reach aside)?"""
    try:
        require_actor(actor, order)
    except PermissionDenied:
        return False
    return True


def _lock(actor, order: ServiceOrder) -> ServiceOrder:
    """The order under its row lock, after the right and the reach are checked."""
    require_actor(actor, order)
    locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
    require_order_reach(actor, locked)
    require_actor(actor, locked)  # the technician may have changed meanwhile
    return locked


def _refuse_status(order: ServiceOrder, allowed: list[str], message: str) -> None:
    """ServiceError(message) unless the order is in one of the allowed states; the message
    names the state as %(status)s."""
    if order.status not in allowed:
        raise ServiceError(message % {"status": order.get_status_display()})


def _audit_on_order(order: ServiceOrder, action: str, *, actor, note: str) -> None:
    """The field work's line in the order's history (the details are on the record)."""
    record(order, action, actor=actor, before={}, after={}, note=note)


def local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- SVC-5: the pre-visit checklist ---------------------------------------------------------


def checklist_for(order: ServiceOrder) -> list[ChecklistItem]:
    """The active checklist items of the order's plan, in list order."""
    if order.plan_mode not in FIELD_PLAN_MODES:
        return []
    return [item for item in ChecklistItem.objects.active() if item.applies_to(order.plan_mode)]


def missing_required(order: ServiceOrder) -> list[ChecklistItem]:
    """The required checklist items of the order not ticked yet."""
    ticked = set(VisitCheck.objects.filter(order=order).values_list("item_id", flat=True))
    return [item for item in checklist_for(order) if item.required and item.pk not in ticked]


def _item_ids(values: Iterable) -> set[int]:
    ids = set()
    for value in values or []:
        try:
            ids.add(int(value))
        except (TypeError, ValueError) as exc:
            raise ServiceError({"items": _("Choose items of the checklist.")}) from exc
    return ids


def tick_checklist(*, actor, order: ServiceOrder, item_ids: Iterable) -> list[VisitCheck]:
    """SVC-5: the technician ticks checklist items before departure.

    Items already ticked stay ticked (a tick records a fact and is not taken back);
    the newly ticked ones are returned.
    """
    ids = _item_ids(item_ids)
    with transaction.atomic():
        locked = _lock(actor, order)
        if locked.plan_mode not in FIELD_PLAN_MODES:
            raise ServiceError(
                _("The pre-visit checklist is for an on-site visit or a depot repair.")
            )
        _refuse_status(
            locked,
            CHECKLIST_STATUSES,
            _(
                "The checklist is ticked while the order is planned or in progress; "
                "this order is “%(status)s”."
            ),
        )
        if not ids:
            raise ServiceError({"items": _("Tick at least one item.")})
        items = {item.pk: item for item in checklist_for(locked)}
        if ids - items.keys():
            raise ServiceError({"items": _("Choose items of this order's checklist.")})
        already = set(VisitCheck.objects.filter(order=locked).values_list("item_id", flat=True))
        now = timezone.now()
        ticked = []
        for item_id in sorted(ids - already, key=lambda pk: (items[pk].rank, pk)):
            check = VisitCheck.objects.create(
                order=locked,
                item=items[item_id],
                item_text=items[item_id].text,
                ticked_by=actor,
                ticked_at=now,
                created_by=actor,
                updated_by=actor,
            )
            record(check, "fieldwork.checklist_item.ticked", actor=actor)
            ticked.append(check)
        if ticked:
            _audit_on_order(
                locked,
                "fieldwork.checklist_ticked",
                actor=actor,
                note="; ".join(c.item_text for c in ticked),
            )
    return ticked


# --- SVC-3: on site --------------------------------------------------------------------------


def _coordinate(value, field: str, limit: int, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        errors[field] = _("The position sent by the phone could not be read.")
        return None
    return number.quantize(Decimal("0.000001"))


def check_in(*, actor, order: ServiceOrder, latitude=None, longitude=None) -> SiteVisit:
    """SVC-3: the technician arrives on site. The time is recorded, and the phone's position
    when the browser gives it.

    Refused unless the plan is an on-site visit and the order is planned or in progress,
    while a visit is still open, and until every required checklist item is ticked
    (SVC-5, the message names them). The order's status does not change.
    """
    errors: dict[str, str] = {}
    lat = _coordinate(latitude, "latitude", 90, errors)
    lon = _coordinate(longitude, "longitude", 180, errors)
    if (lat is None) != (lon is None) and not errors:
        errors["latitude"] = _("The position sent by the phone could not be read.")
    with transaction.atomic():
        locked = _lock(actor, order)
        if locked.plan_mode != PlanMode.ON_SITE:
            raise ServiceError(_("Check-in is for an on-site visit; record that plan first."))
        _refuse_status(
            locked,
            CHECK_IN_STATUSES,
            _("Check in while the order is planned or in progress; this order is “%(status)s”."),
        )
        if errors:
            raise ServiceError(errors)
        open_visit = SiteVisit.objects.filter(order=locked, checked_out_at__isnull=True).first()
        if open_visit is not None:
            raise ServiceError(
                _("Already checked in at %(time)s: check out first.")
                % {"time": local_time(open_visit.checked_in_at)}
            )
        technician = locked.technician or actor
        elsewhere = (
            SiteVisit.objects.filter(technician=technician, checked_out_at__isnull=True)
            .select_related("order")
            .first()
        )
        if elsewhere is not None:
            raise ServiceError(
                _("%(name)s is still checked in at order %(number)s: check out there first.")
                % {"name": technician, "number": elsewhere.order.number}
            )
        missing = missing_required(locked)
        if missing:
            raise ServiceError(
                {
                    "checklist": _("Tick the required pre-visit checklist items first: %(items)s.")
                    % {"items": "; ".join(item.text for item in missing)}
                }
            )
        visit = SiteVisit(
            order=locked,
            technician=technician,
            checked_in_at=timezone.now(),
            latitude=lat,
            longitude=lon,
            created_by=actor,
            updated_by=actor,
        )
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError as exc:  # a check-in at the same moment won
            raise ServiceError(_("Already checked in: check out first.")) from exc
        record(visit, "fieldwork.site_visit.checked_in", actor=actor)
        note = _("Checked in at %(time)s") % {"time": local_time(visit.checked_in_at)}
        if lat is not None:
            note += f" ({lat}, {lon})"
        _audit_on_order(locked, "fieldwork.check_in", actor=actor, note=note)
    return visit


def check_out(*, actor, order: ServiceOrder, note: str = "") -> SiteVisit:
    """SVC-3: the technician leaves the site; needs the open visit. Allowed in any state
    (the order may have been completed on site before leaving)."""
    note = (note or "").strip()
    if len(note) > TEXT_LIMITS["note"]:
        raise ServiceError(
            {"note": _("At most %(limit)d characters, please.") % {"limit": TEXT_LIMITS["note"]}}
        )
    with transaction.atomic():
        locked = _lock(actor, order)
        visit = (
            SiteVisit.objects.select_for_update()
            .filter(order=locked, checked_out_at__isnull=True)
            .first()
        )
        if visit is None:
            raise ServiceError(_("There is no open visit to check out of: check in first."))
        before = snapshot(visit)
        visit.checked_out_at = timezone.now()
        visit.note = note
        visit.updated_by = actor
        visit.save(update_fields=["checked_out_at", "note", "updated_by", "updated_at"])
        record(visit, "fieldwork.site_visit.checked_out", actor=actor, before=before)
        summary = _("Checked out at %(time)s") % {"time": local_time(visit.checked_out_at)}
        _audit_on_order(
            locked,
            "fieldwork.check_out",
            actor=actor,
            note=f"{summary}: {note}" if note else summary,
        )
    return visit


# --- SVC-3: the take-back hand-over and the return ---------------------------------------


def _text_errors(values: dict[str, str], errors: dict) -> None:
    for field, value in values.items():
        limit = TEXT_LIMITS[field]
        if field not in errors and len(value) > limit:
            errors[field] = _("At most %(limit)d characters, please.") % {"limit": limit}


def _signer(name: str, field: str, errors: dict) -> str:
    name = (name or "").strip()
    if not name:
        errors[field] = _("Write the name of the person who signed.")
    elif len(name) > SIGNER_MAX:
        errors[field] = _("At most %(limit)d characters, please.") % {"limit": SIGNER_MAX}
    return name


def record_take_back(
    *,
    actor,
    order: ServiceOrder,
    items: str,
    condition: str,
    technician_signature: bytes | None,
    customer_signature: bytes | None,
    signer_name: str,
    promised_return_on: dt.date | None = None,
    serial_numbers: str = "",
) -> TakeBack:
    """SVC-3: what cannot be fixed on the spot is taken back with a written hand-over
    signed by both — the technician and the customer (with the signer's name).

    It records what is taken (and serial numbers), the condition and accessories, and
    the completion time promised to the customer. Signatures are PNG or JPEG images,
    judged by their content; nothing is written when any check fails.
    """
    values = {
        "items": (items or "").strip(),
        "condition": (condition or "").strip(),
        "serial_numbers": (serial_numbers or "").strip(),
    }
    errors: dict[str, str] = {}
    if not values["items"]:
        errors["items"] = _("Write what is taken back.")
    if not values["condition"]:
        errors["condition"] = _("Describe its condition and the accessories taken with it.")
    _text_errors(values, errors)
    if promised_return_on is None:
        errors["promised_return_on"] = _("Promise the customer a date when it comes back.")
    elif promised_return_on < timezone.localdate():
        errors["promised_return_on"] = _("The promised date cannot be in the past.")
    tech_ext = checked_image(technician_signature, "technician_signature", errors)
    customer_ext = checked_image(customer_signature, "customer_signature", errors)
    if not technician_signature and "technician_signature" not in errors:
        errors["technician_signature"] = _("The technician signs the hand-over.")
    if not customer_signature and "customer_signature" not in errors:
        errors["customer_signature"] = _("The customer signs the hand-over.")
    signer = _signer(signer_name, "signer_name", errors)
    with files_removed_on_failure() as stored, transaction.atomic():
        locked = _lock(actor, order)
        if locked.plan_mode not in FIELD_PLAN_MODES:
            raise ServiceError(
                _("A take-back is for an on-site visit or a depot repair; record that plan first.")
            )
        _refuse_status(
            locked,
            TAKE_BACK_STATUSES,
            _(
                "A take-back is recorded while the order is being worked on; "
                "this order is “%(status)s”."
            ),
        )
        if errors:
            raise ServiceError(errors)
        now = timezone.now()
        take_back = TakeBack(
            order=locked,
            number=next_number("TB"),
            technician=locked.technician or actor,
            taken_at=now,
            promised_return_on=promised_return_on,
            signer_name=signer,
            created_by=actor,
            updated_by=actor,
            **values,
        )
        # Files are named after the hand-over; saved inside the transaction and deleted
        # again if it fails, so a failure leaves neither a record nor a signature on disk.
        take_back.technician_signature.save(
            f"{take_back.number}-technician.{tech_ext}",
            ContentFile(technician_signature),
            save=False,
        )
        stored.append(take_back.technician_signature)
        take_back.customer_signature.save(
            f"{take_back.number}-customer.{customer_ext}",
            ContentFile(customer_signature),
            save=False,
        )
        stored.append(take_back.customer_signature)
        take_back.full_clean()
        take_back.save()
        record(take_back, "fieldwork.take_back.recorded", actor=actor)
        _audit_on_order(
            locked,
            "fieldwork.take_back",
            actor=actor,
            note=f"{take_back.number}: {take_back.items}",
        )
    return take_back


def record_return(
    *,
    actor,
    take_back: TakeBack,
    customer_signature: bytes | None,
    signer_name: str,
    note: str = "",
) -> TakeBack:
    """SVC-3: the repaired part or product goes back to the customer, who signs for it.

    Allowed whatever the order's state (the customer's property goes back even when the
    order was cancelled); only once.
    """
    note = (note or "").strip()
    errors: dict[str, str] = {}
    _text_errors({"note": note}, errors)
    ext = checked_image(customer_signature, "customer_signature", errors)
    if not customer_signature and "customer_signature" not in errors:
        errors["customer_signature"] = _("The customer signs for what comes back.")
    signer = _signer(signer_name, "signer_name", errors)
    with files_removed_on_failure() as stored, transaction.atomic():
        # Parent before line: the order's lock first, then the hand-over's.
        order = _lock(actor, take_back.order)
        locked = TakeBack.objects.select_for_update().get(pk=take_back.pk)
        if locked.is_returned:
            raise ServiceError(
                _("%(number)s was already returned at %(time)s.")
                % {"number": locked.number, "time": local_time(locked.returned_at)}
            )
        if errors:
            raise ServiceError(errors)
        before = snapshot(locked)
        locked.returned_at = timezone.now()
        locked.returned_by = actor
        locked.return_note = note
        locked.return_signer_name = signer
        locked.updated_by = actor
        locked.return_signature.save(
            f"{locked.number}-return.{ext}", ContentFile(customer_signature), save=False
        )
        stored.append(locked.return_signature)
        locked.save(
            update_fields=[
                "returned_at",
                "returned_by",
                "return_note",
                "return_signer_name",
                "return_signature",
                "updated_by",
                "updated_at",
            ]
        )
        record(locked, "fieldwork.take_back.returned", actor=actor, before=before)
        summary = _("%(number)s returned to %(name)s") % {"number": locked.number, "name": signer}
        _audit_on_order(
            order,
            "fieldwork.take_back_returned",
            actor=actor,
            note=f"{summary}: {note}" if note else summary,
        )
    return locked
