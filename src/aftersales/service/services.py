"""Every write on a service order: intake and one function per workflow transition.

Each runs in one transaction, checks the right and the rules, writes the audit row
(SEC-1) and returns the changed order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import OrgUnit, User
from aftersales.accounts.reach import reach_of
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.files import files_removed_on_failure
from aftersales.core.images import checked_image, image_extension
from aftersales.core.numbering import next_number
from aftersales.core.validators import normalize_phone
from aftersales.customers.models import Customer
from aftersales.products.entitlement import entitlement
from aftersales.products.models import Unit
from aftersales.service import dashboard, order_page, search, sla, workflow
from aftersales.service.models import (
    OPEN_STATUSES,
    Channel,
    Event,
    OrderClock,
    OrderType,
    PlanMode,
    ServiceKind,
    ServiceOrder,
)

# REQ-3, REQ-8: requests passed on by a salesperson or a branch record the forward.
FORWARD_CHANNELS = {Channel.SALESPERSON, Channel.BRANCH}
# Issue 7: fields receive_order does not re-check in full_clean — relations to rows it
# holds already (one "exists" query each otherwise), the number taken under the counter's
# lock and the search column derived from the others.
INTAKE_UNCHECKED = [
    "org_unit",
    "customer",
    "unit",
    "fault_type",
    "received_by",
    "forwarded_by",
    "duplicate_of",
    "sla_policy",
    "created_by",
    "updated_by",
    "number",
    "search_text",
]

# FEE-1 "other": advice and guidance, no parts or labour to charge.
OTHER_KIND_TYPES = {OrderType.CONSULTATION, OrderType.COMPLAINT}
ENTITLEMENT_KIND = {"warranty": ServiceKind.FREE, "contract": ServiceKind.CONTRACT}


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def require_order_reach(actor, order: ServiceOrder | int) -> None:
    """ORG-3: PermissionDenied unless the order (or its id) is within the actor's reach —
    the one check every app uses for orders."""
    pk = order if isinstance(order, int) else order.pk
    if not ServiceOrder.objects.visible_to(actor).filter(pk=pk).exists():
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )


def customer_in_reach(actor, customer: Customer) -> bool:
    """ORG-3: whether ``Customer.objects.visible_to(actor)`` holds this loaded customer,
    decided on the row's own columns with the same test, without a query (issue 7)."""
    reach = reach_of(actor)
    if reach.everything:
        return True
    return customer.owner_unit_id in reach.unit_ids or customer.region_id in reach.region_ids


def derive_service_kind(order_type: str, unit: Unit | None, day: dt.date) -> tuple[str, str]:
    """FEE-1: the service kind and the reason, from the unit's entitlement on the day."""
    if order_type in OTHER_KIND_TYPES:
        return ServiceKind.OTHER, _("Consultation and complaints are other service (FEE-1).")
    if unit is None:
        return ServiceKind.PAID, _("No unit on the order: its warranty cannot be checked.")
    # The unit's own warranties by start date: Warranty's default ordering (unit, start date)
    # joins the units table to sort by the unit's serial number, the same for every row here.
    cover = entitlement(unit, day, warranties=unit.warranties.order_by("start_date", "pk"))
    kind = ENTITLEMENT_KIND.get(cover.status, ServiceKind.PAID)
    return kind, " ".join(cover.reasons)


def receive_order(
    *,
    actor,
    customer: Customer,
    order_type: str,
    channel: str,
    description: str,
    unit: Unit | None = None,
    received_at: dt.datetime | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    org_unit: OrgUnit | None = None,
    forwarded_by=None,
    forwarded_at: dt.datetime | None = None,
    confirm_duplicate: bool = False,
    attachments: Sequence[tuple[str, bytes]] = (),
    quality_problem: bool = False,
    fault_type=None,
) -> ServiceOrder:
    """Record a request (REQ-1, REQ-2): who, what, how it came and when it was received.

    REQ-2: ``attachments`` are the photos and files (name, content) sent with the request.
    Each is checked like any attachment before anything is written, then kept through
    add_attachment in the order's own transaction: the order is kept with all of them or
    not at all.

    ``received_at`` is when the customer reached us (an agent keying in a call or a
    letter afterwards sets it); the clocks start from it. It cannot be in the future.

    REQ-3: a request that came through a salesperson or a branch records who forwarded it
    and when (default: the person recording it, now); the forward clock (12 h by default)
    runs from received to forwarded.

    REQ-7: a repair marked ``quality_problem`` (a fault of the product itself) gets the
    quality-repair policy: on site the next day.

    REQ-9: while an order is open for the same unit or phone, a new one is refused unless
    ``confirm_duplicate`` says it is a new request; it is then flagged as a possible
    duplicate of the oldest open one (and can be merged into it later).
    """
    _require(actor, "service.add_serviceorder")
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, str | list[str]] = {}
    if quality_problem and order_type != OrderType.REPAIR:
        errors["quality_problem"] = _("Only a repair can be marked as a quality problem.")
    if order_type not in OrderType.values:
        errors["order_type"] = _("Choose a request type.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose the channel the request came by.")
    if not (description or "").strip():
        errors["description"] = _("Describe the fault or the need.")
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + dt.timedelta(minutes=1):
        errors["received_at"] = _("The time received cannot be in the future.")
    if channel in FORWARD_CHANNELS:
        forwarded_by = forwarded_by or actor
        forwarded_at = forwarded_at or now
    if forwarded_at is not None:
        if timezone.is_naive(forwarded_at):
            forwarded_at = timezone.make_aware(forwarded_at)
        if forwarded_at > now + dt.timedelta(minutes=1):
            errors["forwarded_at"] = _("The time forwarded cannot be in the future.")
        elif forwarded_at < received_at:
            errors["forwarded_at"] = _("The order cannot be forwarded before it was received.")
    if not customer_in_reach(actor, customer):
        errors["customer"] = _("This customer is outside your reach.")
    elif not customer.is_active:
        errors["customer"] = _("This customer file is deactivated; reactivate it first.")
    if unit is not None and unit.owner_id != customer.pk:
        errors["unit"] = _("This unit belongs to another customer.")
    if fault_type is not None and not fault_type.is_active:
        errors["fault_type"] = _("This fault type is no longer in use.")
    phone = contact_phone or customer.phone
    try:
        phone = normalize_phone(phone) if phone else ""
    except ValidationError as exc:
        errors["contact_phone"] = exc.messages[0]
    if not phone and "contact_phone" not in errors:
        errors["contact_phone"] = _("Give a phone number to reach the customer.")
    if (
        org_unit is not None
        and not OrgUnit.objects.visible_to(actor).filter(pk=org_unit.pk).exists()
    ):
        errors["org_unit"] = _("This unit is outside your reach.")
    org_unit = org_unit or customer.owner_unit or actor.org_unit
    if org_unit is None:
        errors["org_unit"] = _("Choose the unit that handles the order.")
    attachment_errors: list[str] = []
    if len(attachments) > MAX_ATTACHMENTS:
        attachment_errors.append(
            _("An order keeps at most %(n)s photos and files.") % {"n": MAX_ATTACHMENTS}
        )
    for name, content in attachments:
        try:
            check_attachment(content, name)
        except ServiceError as exc:
            attachment_errors.extend(exc.messages)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ServiceError(errors)
    # REQ-9 (intake_duplicates with the phone normalised above); only the number and the
    # id of each are used here (issue 7: not ten whole orders).
    duplicates = open_duplicates(actor=actor, unit=unit, phone=phone, only=("pk", "number"))
    if duplicates and not confirm_duplicate:
        raise ServiceError(
            {
                "confirm_duplicate": _(
                    "Open orders exist for this unit or phone: %(numbers)s. Add to one of "
                    "them instead, or confirm that this is a new request."
                )
                % {"numbers": ", ".join(o.number for o in duplicates)}
            }
        )

    kind, reason = derive_service_kind(order_type, unit, timezone.localtime(received_at).date())
    # Issue 7: everything that only reads is done before the transaction, so the number
    # counter's row lock (core/numbering.py, held until commit) covers the writes only.
    order = ServiceOrder(
        order_type=order_type,
        channel=channel,
        org_unit=org_unit,
        customer=customer,
        unit=unit,
        contact_name=(contact_name or customer.name).strip(),
        contact_phone=phone,
        address=address or (unit.installation_address if unit else "") or customer.address,
        description=description.strip(),
        fault_type=fault_type,  # EXC-5
        quality_problem=quality_problem,
        received_at=received_at,
        received_by=actor,
        forwarded_by=forwarded_by,
        forwarded_at=forwarded_at,
        duplicate_of=duplicates[0] if duplicates else None,
        service_kind=kind,
        service_kind_reason=reason,
        created_by=actor,
        updated_by=actor,
    )
    # The policy and its rules come from the per-process cache (issue 7, sla.py).
    order.sla_policy = sla.select_policy(order)
    # The clocks start from the real time received, not from when it was keyed in; a
    # forwarded order's forward clock is stopped at once (REQ-3). Built here with the
    # order's due columns, so the order's INSERT carries them (issue 7).
    clocks = sla.new_order_clocks(order, received_at)
    # The related rows are the objects loaded or checked above (and the database's foreign
    # keys hold them): no query per relation. The number is given under the counter's lock,
    # unique by construction and by its column's constraint; the search column follows it.
    order.full_clean(exclude=INTAKE_UNCHECKED)
    # The attachments' files are handed to this block (add_attachment nests in it).
    with files_removed_on_failure(), transaction.atomic():
        order.number = next_number("SO", width=6)
        order.search_text = search.search_text(order)
        order.save()
        OrderClock.objects.bulk_create(clocks)
        dashboard.orders_changed()
        record(order, "service.order.received", actor=actor)
        for name, content in attachments:
            try:
                add_attachment(actor=actor, order=order, content=content, name=name)
            except PermissionDenied as exc:
                # E.g. the order goes to a unit outside the person's reach: record it
                # without the files (nothing of it is kept).
                raise ServiceError({"attachments": str(exc)}) from exc
    return order


def open_duplicates(
    *, actor, unit: Unit | None = None, phone: str = "", exclude=None, only=()
) -> list:
    """REQ-9: the open orders in the person's reach for the same unit or the same phone,
    oldest first (``only``: these fields of them, the others deferred)."""
    match = Q()
    if unit is not None:
        match |= Q(unit=unit)
    if phone:
        match |= Q(contact_phone=phone)
    if not match:
        return []
    found = ServiceOrder.objects.visible_to(actor).open().filter(match)
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    if only:
        found = found.only(*only)
    return list(found.order_by("received_at", "pk")[:10])


def intake_duplicates(*, actor, customer, unit=None, contact_phone: str = "") -> list:
    """REQ-9 at intake: the open orders a new request for this unit / phone would repeat."""
    try:
        phone = normalize_phone(contact_phone or customer.phone or "")
    except ValidationError:
        phone = ""
    return open_duplicates(actor=actor, unit=unit, phone=phone)


def _transition(
    order: ServiceOrder, action: str, *, actor, changes: dict, note: str = ""
) -> ServiceOrder:
    """Apply one workflow transition under a row lock; refuses a stale state."""
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        require_order_reach(actor, locked)
        transition = workflow.require(locked, action, actor)
        before = snapshot(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        if transition.target is not None:
            locked.status = transition.target
        locked.updated_by = actor
        locked.full_clean()
        locked.save()
        sla.on_action(locked, action, timezone.now())
        dashboard.orders_changed()
        record(locked, f"service.order.{action}", actor=actor, before=before, note=note)
        workflow.run_after(locked, action, actor)
    return locked


HQ_KINDS = [OrgUnit.Kind.HQ, OrgUnit.Kind.DEPARTMENT]


def technicians():
    """Active people who may handle orders, through a role or a right of their own."""
    return User.objects.filter(is_active=True).with_permission("service.handle_serviceorder")


def technicians_for(order: ServiceOrder):
    """Who the order may go to: technicians of its unit (and the units under it) or of HQ."""
    # The order page asks twice (the form's choices, the candidates): one walk of the tree.
    unit_ids = order_page.memoized(("unit_ids", order.org_unit_id), order.org_unit.descendant_ids)
    return (
        technicians()
        .filter(Q(org_unit_id__in=unit_ids) | Q(org_unit__kind__in=HQ_KINDS))
        .select_related("org_unit")
        .order_by("org_unit__code", "username")
    )


def _technician_errors(order: ServiceOrder, technician) -> dict[str, str]:
    if technician is None or not technician.is_active:
        return {"technician": _("Choose an active technician.")}
    if not technician.has_perm("service.handle_serviceorder"):
        return {"technician": _("This person is not a technician.")}
    if not technicians_for(order).filter(pk=technician.pk).exists():
        return {
            "technician": _(
                "This technician works for another unit: choose one of the order's unit or of HQ."
            )
        }
    return {}


def dispatch_order(*, actor, order: ServiceOrder, technician) -> ServiceOrder:
    """Assign the technician (REQ-5, SVC-8)."""
    workflow.require_actor(order, "dispatch", actor)
    errors = _technician_errors(order, technician)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        changed = _transition(
            order,
            "dispatch",
            actor=actor,
            changes={"technician": technician, "dispatched_at": timezone.now()},
        )
        _tell_technician(changed)
        _text_customer(changed, "dispatch")
    return changed


# Issue 3 §10: what the customer hears by SMS (AFTERSALES_CUSTOMER_SMS_EVENTS), in the
# site's language; each message is recorded in the order's history.
CUSTOMER_MESSAGES = {
    "dispatch": gettext_noop(
        "[After-sales] Your service order %(order)s is with %(technician)s, who will call you."
    ),
    "plan": gettext_noop(
        "[After-sales] Service order %(order)s: %(technician)s will visit you at %(time)s."
    ),
    "complete": gettext_noop(
        "[After-sales] Service order %(order)s is completed. Thank you for your trust."
    ),
}


def _text_customer(order: ServiceOrder, event: str) -> None:
    from django.utils import translation

    from aftersales.notifications.services import text_customer

    if event not in getattr(settings, "AFTERSALES_CUSTOMER_SMS_EVENTS", ()):
        return
    if event == "plan" and not order.appointment_at:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _(CUSTOMER_MESSAGES[event]) % {
            "order": order.number,
            "technician": technician_greeting(order.technician) or _("our technician"),
            "time": timezone.localtime(order.appointment_at).strftime("%m-%d %H:%M")
            if order.appointment_at
            else "",
        }
    text_customer(order.contact_phone, text)
    record(order, "service.order.customer_texted", actor=None, note=text)


def _tell_technician(order: ServiceOrder) -> None:
    """The technician hears of a new order in their inbox (and by e-mail if they have one)."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    params = {
        "order": order.number,
        "customer": order.customer.name,
        "address": order.address or "—",
        "description": order.description[:200],
    }
    notify(
        [order.technician],
        topic=Topic.ORDER_ASSIGNED,
        title=lambda: _("Order %(order)s is assigned to you") % params,
        body=lambda: _("%(customer)s, %(address)s: %(description)s") % params,
        url=order.get_absolute_url(),
    )


def reassign_order(*, actor, order: ServiceOrder, technician, reason: str) -> ServiceOrder:
    """Give the order to another technician; the reason is recorded."""
    workflow.require_actor(order, "reassign", actor)
    errors = _technician_errors(order, technician)
    if not (reason or "").strip():
        errors["reason"] = _("Say why the order changes hands.")
    elif order.technician_id == getattr(technician, "pk", None):
        errors["technician"] = _("The order is already assigned to this technician.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        changed = _transition(
            order, "reassign", actor=actor, changes={"technician": technician}, note=reason.strip()
        )
        _tell_technician(changed)
    return changed


@dataclass(frozen=True)
class Candidate:
    """A technician as the dispatcher weighs them (SVC-8)."""

    technician: User
    open_load: int
    next_appointment: dt.datetime | None
    skills: tuple[str, ...]
    skill_match: bool | None  # None: the order names no product to match
    same_region: bool | None  # None: the customer has no region


def dispatch_candidates(order: ServiceOrder, *, actor=None) -> list[Candidate]:
    """SVC-8: who may take the order, with their open load, next appointment, region and
    skills; best first (trained for the product, same region, least loaded).

    Four queries whatever the number of technicians and of their past orders: the load is
    counted over open orders only (index technician + status), never over the history.
    With ``actor``, only for a dispatcher who reaches the order.
    """
    if actor is not None:
        _require(actor, "service.dispatch_serviceorder")
        require_order_reach(actor, order)
    now = timezone.now()
    people = list(
        technicians_for(order)
        .select_related("region", "technician_profile")
        .prefetch_related("technician_profile__skills")
    )
    load = {
        row["technician_id"]: row
        for row in ServiceOrder.objects.filter(
            technician_id__in=[p.pk for p in people], status__in=OPEN_STATUSES
        )
        .order_by()
        .values("technician_id")
        .annotate(
            open_load=Count("*"),  # not Count("pk"): the index alone answers COUNT(*)
            next_appointment=Min("appointment_at", filter=Q(appointment_at__gte=now)),
        )
    }
    for person in people:
        row = load.get(person.pk, {})
        person.open_load = row.get("open_load", 0)
        person.next_appointment = row.get("next_appointment")
    category_id = order.unit.product_model.category_id if order.unit_id else None
    region_id = order.customer.region_id
    candidates = []
    for person in people:
        profile = getattr(person, "technician_profile", None)
        skills = list(profile.skills.all()) if profile else []
        candidates.append(
            Candidate(
                technician=person,
                open_load=person.open_load,
                next_appointment=person.next_appointment,
                skills=tuple(s.name for s in skills),
                skill_match=None if category_id is None else category_id in {s.pk for s in skills},
                same_region=None if region_id is None else person.region_id == region_id,
            )
        )
    candidates.sort(
        key=lambda c: (
            c.skill_match is False,
            c.same_region is False,
            c.open_load,
            c.technician.username,
        )
    )
    return candidates


def escalation_unit() -> OrgUnit:
    """Where a branch escalates to (ORG-4): HQ's after-sales service department."""
    code = getattr(settings, "AFTERSALES_ESCALATION_UNIT", "HQ-SVC")
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    return unit or OrgUnit.objects.filter(kind=OrgUnit.Kind.HQ).order_by("pk").first()


def escalate_order(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    """ORG-4: a branch that cannot handle the order hands it to HQ with the reason.

    The order goes back to received in HQ's after-sales department, which dispatches it;
    the clocks keep running (the customer is still waiting).
    """
    workflow.require_actor(order, "escalate", actor)
    if not (reason or "").strip():
        raise ServiceError({"reason": _("Say why the branch cannot handle the order.")})
    target = escalation_unit()
    return _transition(
        order,
        "escalate",
        actor=actor,
        changes={
            "escalated_from": order.org_unit,
            "escalated_at": timezone.now(),
            "org_unit": target,
            "technician": None,
            "dispatched_at": None,
        },
        note=reason.strip(),
    )


def merge_order(*, actor, order: ServiceOrder, into: ServiceOrder, note: str = "") -> ServiceOrder:
    """REQ-9: a duplicate is cancelled into the open order it repeats.

    The duplicate's description is written on the original's history, so nothing the
    customer said is lost.
    """
    workflow.require_actor(order, "merge", actor)
    with transaction.atomic():
        # The original is read under its lock: it must still be open when the merge lands.
        target = (
            ServiceOrder.objects.select_for_update().filter(pk=into.pk).first() if into else None
        )
        errors = {}
        if target is None or target.pk == order.pk:
            errors["into"] = _("Choose the other open order to merge into.")
        elif not ServiceOrder.objects.visible_to(actor).filter(pk=target.pk).exists():
            errors["into"] = _(
                "This order belongs to another organisation unit outside your reach."
            )
        elif not target.is_open:
            errors["into"] = _("Merge into an open order.")
        elif target.customer_id != order.customer_id:
            errors["into"] = _("Orders of different customers cannot be merged.")
        if errors:
            raise ServiceError(errors)
        merged = _transition(
            order,
            "merge",
            actor=actor,
            changes={
                "merged_into": target,
                "cancel_reason": _("Merged into %(number)s.") % {"number": target.number},
            },
            note=(note or "").strip(),
        )
        record(
            target,
            "service.order.duplicate_merged",
            actor=actor,
            note=f"{merged.number}: {merged.description}",
        )
    return merged


def record_contact(*, actor, order: ServiceOrder, note: str = "") -> ServiceOrder:
    """SVC-1: the technician has reached the customer."""
    return _transition(
        order, "contact", actor=actor, changes={"contacted_at": timezone.now()}, note=note
    )


def set_plan(
    *,
    actor,
    order: ServiceOrder,
    mode: str,
    diagnosis: str = "",
    details: str = "",
    appointment_at: dt.datetime | None = None,
    customer_consent: bool = False,
) -> ServiceOrder:
    """SVC-2: one of the five solution modes, with the cause; on-site needs an appointment.

    Mode (a), parts shipped for the customer to fit, is refused until the customer's
    consent and the assembly warning are recorded.
    """
    workflow.require_actor(order, "plan", actor)
    errors: dict[str, str] = {}
    if mode not in PlanMode.values:
        errors["mode"] = _("Choose how the request will be solved.")
    if mode == PlanMode.SELF_REPLACE and not customer_consent:
        errors["customer_consent"] = _(
            "Record that the customer agrees and was told the assembly points and that "
            "damage from wrong assembly is theirs."
        )
    if mode == PlanMode.ON_SITE and appointment_at is None:
        errors["appointment_at"] = _("Agree an appointment time with the customer.")
    if errors:
        raise ServiceError(errors)
    now = timezone.now()
    changes = {
        "plan_mode": mode,
        "diagnosis": (diagnosis or "").strip(),
        "plan_notes": (details or "").strip(),
        "appointment_at": appointment_at,
        "planned_at": now,
        "self_replace_consent_at": now if mode == PlanMode.SELF_REPLACE else None,
    }
    with transaction.atomic():
        planned = _transition(order, "plan", actor=actor, changes=changes)
        _text_customer(planned, "plan")
    return planned


def start_work(*, actor, order: ServiceOrder) -> ServiceOrder:
    return _transition(order, "start", actor=actor, changes={"started_at": timezone.now()})


def wait_for_parts(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    return _wait(order, "wait_parts", actor=actor, reason=reason)


def wait_for_customer(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    return _wait(order, "wait_customer", actor=actor, reason=reason)


def _wait(order: ServiceOrder, action: str, *, actor, reason: str) -> ServiceOrder:
    workflow.require_actor(order, action, actor)
    if not (reason or "").strip():
        raise ServiceError({"reason": _("Say what the order is waiting for.")})
    return _transition(order, action, actor=actor, changes={"waiting_reason": reason.strip()})


def resume_work(*, actor, order: ServiceOrder) -> ServiceOrder:
    return _transition(order, "resume", actor=actor, changes={"waiting_reason": ""})


def complete_order(
    *,
    actor,
    order: ServiceOrder,
    result: str,
    signature: bytes | None = None,
    signer_name: str = "",
    paper_voucher: bytes | None = None,
    customer_comments: str = "",
) -> ServiceOrder:
    """SVC-4: the work is done and the customer has signed — on the phone (a drawn
    signature with the signer's name) or on paper (a scan of the signed voucher).

    The unit's warranty card gets the entry (PRD-3).
    """
    workflow.require_actor(order, "complete", actor)
    errors: dict[str, str] = {}
    if not (result or "").strip():
        errors["result"] = _("Write what was done.")
    signature_ext = checked_image(signature, "signature", errors)
    voucher_ext = checked_image(paper_voucher, "paper_voucher", errors)
    if signature and not (signer_name or "").strip():
        errors["signer_name"] = _("Write the name of the person who signed.")
    if not signature and not paper_voucher and not errors:
        errors["signature"] = _(
            "The customer signs the voucher: draw the signature or upload the signed paper voucher."
        )
    if errors:
        raise ServiceError(errors)
    now = timezone.now()
    changes = {
        "result": result.strip(),
        "completed_at": now,
        "signer_name": (signer_name or "").strip(),
        "signed_at": now,
        "customer_comments": (customer_comments or "").strip(),
    }
    with files_removed_on_failure() as stored, transaction.atomic():
        completed = _transition(order, "complete", actor=actor, changes=changes)
        # Files are named after the order; saved inside the transaction and deleted again if
        # it fails, so a failure leaves the order as it was and no signature on disk.
        if signature_ext:
            completed.signature.save(
                f"{completed.number}-signature.{signature_ext}", ContentFile(signature), save=False
            )
            stored.append(completed.signature)
        if voucher_ext:
            completed.paper_voucher.save(
                f"{completed.number}-voucher.{voucher_ext}", ContentFile(paper_voucher), save=False
            )
            stored.append(completed.paper_voucher)
        if signature_ext or voucher_ext:
            completed.save(update_fields=["signature", "paper_voucher", "updated_at"])
        if completed.unit_id:
            from aftersales.products import services as product_services

            product_services.record_completed_service(
                actor=actor,
                unit=completed.unit,
                date=timezone.localtime(now).date(),
                content=completed.result,
                reference=completed.number,
            )
        _text_customer(completed, "complete")
    return completed


def close_order(*, actor, order: ServiceOrder) -> ServiceOrder:
    return _transition(order, "close", actor=actor, changes={"closed_at": timezone.now()})


def cancel_order(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    workflow.require_actor(order, "cancel", actor)
    if not (reason or "").strip():
        raise ServiceError({"reason": _("Say why the order is cancelled.")})
    return _transition(
        order, "cancel", actor=actor, changes={"cancel_reason": reason.strip()}, note=reason
    )


def reopen_order(*, actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    """Back to received: the order is dispatched again (the last technician is kept)."""
    workflow.require_actor(order, "reopen", actor)
    if not (reason or "").strip():
        raise ServiceError({"reason": _("Say why the order is reopened.")})
    changes = {"completed_at": None, "closed_at": None, "cancel_reason": ""}
    return _transition(order, "reopen", actor=actor, changes=changes, note=reason.strip())


# One service per transition; pages and API call them through perform() with the
# fields of their own form or serializer, named like the service's arguments.
TRANSITION_SERVICES = {
    "dispatch": dispatch_order,
    "reassign": reassign_order,
    "contact": record_contact,
    "plan": set_plan,
    "start": start_work,
    "wait_parts": wait_for_parts,
    "wait_customer": wait_for_customer,
    "resume": resume_work,
    "complete": complete_order,
    "escalate": escalate_order,
    "merge": merge_order,
    "close": close_order,
    "cancel": cancel_order,
    "reopen": reopen_order,
}
assert set(TRANSITION_SERVICES) == set(workflow.TRANSITIONS), "one service per transition"


def perform(action: str, *, actor, order: ServiceOrder, **fields) -> ServiceOrder:
    """Run the service of a workflow action with the given fields."""
    return TRANSITION_SERVICES[action](actor=actor, order=order, **fields)


def override_service_kind(*, actor, order: ServiceOrder, kind: str, reason: str) -> ServiceOrder:
    """FEE-1: a permitted role sets the service kind by hand, with the reason."""
    _require(actor, "service.override_service_kind")
    errors = {}
    if kind not in ServiceKind.values:
        errors["kind"] = _("Choose a service kind.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the service kind is changed.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        require_order_reach(actor, locked)
        if not locked.is_open:
            raise ServiceError(_("The service kind of a finished order cannot change."))
        before = snapshot(locked)
        locked.service_kind = kind
        locked.service_kind_reason = reason.strip()
        locked.service_kind_overridden = True
        locked.updated_by = actor
        locked.save()
        record(locked, "service.order.kind_overridden", actor=actor, before=before, note=reason)
    return locked


# --- Web repair requests (官网报修单, REQ-1, REQ-4) ---------------------------------------

WEB_REQUEST_LIMITS = {"name": 100, "description": 2000, "address": 300, "serial_number": 60}
WEB_REQUEST_PRODUCT_MAX = 100


def _clean_ip(value) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def submit_web_request(
    *,
    name: str,
    phone: str,
    description: str,
    address: str = "",
    serial_number: str = "",
    product_text: str = "",
    order_type: str = "repair",
    via_qr: bool = False,
    client_ip: str | None = None,
):
    """REQ-1: the public sends a repair request from the web form (no actor).

    Numbered WR-YYYYMMDD-NNNN; it waits in the intake queue (REQ-4) until an agent
    accepts it as a service order or rejects it.
    """
    from aftersales.service.models import WebRequest

    values = {
        "name": (name or "").strip(),
        "description": (description or "").strip(),
        "address": (address or "").strip(),
        # Serial numbers are kept in capitals, as the unit register keeps them.
        "serial_number": (serial_number or "").strip().upper(),
    }
    product_text = (product_text or "").strip()[:WEB_REQUEST_PRODUCT_MAX]
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Enter your name.")
    if not values["description"]:
        errors["description"] = _("Describe the fault or what you need.")
    for field, limit in WEB_REQUEST_LIMITS.items():
        if field not in errors and len(values[field]) > limit:
            errors[field] = _("At most %(limit)d characters, please.") % {"limit": limit}
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if order_type not in OrderType.values:
        errors["order_type"] = _("Choose a request type.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        req = WebRequest(
            number=next_number("WR"),
            phone=phone,
            product_text=product_text,
            order_type=order_type,
            via_qr=bool(via_qr),
            client_ip=_clean_ip(client_ip),
            **values,
        )
        # The number is unique by construction (under the counter's lock) and by its
        # column's constraint: no "exists" query for it under the lock (issue 7).
        req.full_clean(exclude=["number"])
        req.save()
        record(req, "service.web_request.submitted", actor=None)
    return req


def _lock_new_web_request(request_obj):
    """The request under a row lock; refused once another agent has handled it."""
    from aftersales.service.models import WebRequest, WebRequestStatus

    locked = WebRequest.objects.select_for_update().get(pk=request_obj.pk)
    if locked.status != WebRequestStatus.NEW:
        raise ServiceError(
            _("Web request %(number)s was already handled (%(status)s).")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    return locked


def accept_web_request(
    *,
    actor,
    request_obj,
    customer: Customer,
    unit: Unit | None = None,
    org_unit=None,
    confirm_duplicate: bool = False,
) -> ServiceOrder:
    """REQ-1, REQ-4: turn a web request into a service order for the chosen customer.

    The order is received when the customer sent the request, so its clocks start then;
    its channel is the web form, or the QR code when the form was opened from one. Like
    any intake, an open order for the same unit or phone needs ``confirm_duplicate``
    (REQ-9).
    """
    from aftersales.service.models import WebRequestStatus

    _require(actor, "service.add_serviceorder")
    with transaction.atomic():
        req = _lock_new_web_request(request_obj)
        before = snapshot(req)
        order = receive_order(
            actor=actor,
            customer=customer,
            unit=unit,
            order_type=req.order_type,
            channel=Channel.QR if req.via_qr else Channel.WEB,
            description=req.description,
            received_at=req.created_at,
            contact_name=req.name,
            contact_phone=req.phone,
            address=req.address,
            org_unit=org_unit,
            confirm_duplicate=confirm_duplicate,
        )
        req.order = order
        req.status = WebRequestStatus.ACCEPTED
        req.handled_by = actor
        req.handled_at = timezone.now()
        req.updated_by = actor
        req.save()
        record(req, "service.web_request.accepted", actor=actor, before=before, note=order.number)
    return order


def reject_web_request(*, actor, request_obj, reason: str):
    """REQ-4: a request that is no service request (spam, a duplicate…); the reason is kept."""
    from aftersales.service.models import WebRequestStatus

    _require(actor, "service.add_serviceorder")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": _("Say why the request is rejected.")})
    with transaction.atomic():
        req = _lock_new_web_request(request_obj)
        before = snapshot(req)
        req.status = WebRequestStatus.REJECTED
        req.reject_reason = reason
        req.handled_by = actor
        req.handled_at = timezone.now()
        req.updated_by = actor
        req.save()
        record(req, "service.web_request.rejected", actor=actor, before=before, note=reason)
    return req


def technician_greeting(user) -> str:
    """How the public page names a technician: the family name and 师傅, nothing more.

    Only the person's name is used (a login name means nothing to a customer).
    """
    if user is None:
        return ""
    name = (getattr(user, "display_name", "") or user.get_full_name() or "").strip()
    # The customer's way of addressing a technician, in either language.
    return f"{name[:1]}师傅" if name else ""


def _public_order_facts(order: ServiceOrder) -> dict:
    """What the public status page may say about an order: its own progress, nothing more."""
    return {
        "order_number": order.number,
        "order_status": order.status,
        "order_status_display": order.get_status_display(),
        "order_type_display": order.get_order_type_display(),
        "dispatched": order.dispatched_at is not None,
        "appointment_at": order.appointment_at,
        "technician": technician_greeting(order.technician) or None,
        "completed_at": order.completed_at,
    }


PUBLIC_NUMBER_MAX = 30


def web_request_status(number: str, phone: str) -> dict | None:
    """The public status page: facts of a request found by its number AND phone, else None.

    The number is a web request's (WR-…) or a service order's (SO-…); an order is found
    with the contact phone on the order or the customer's phone. Both must match, and
    nothing says which did not: an unknown number and a wrong phone look the same. No
    customer data beyond the request's own state is returned.
    """
    from aftersales.service.models import WebRequest, WebRequestStatus

    number = (number or "").strip().upper()
    if not number or len(number) > PUBLIC_NUMBER_MAX:
        return None
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        return None
    facts = {
        "kind": "web_request",
        "number": number,
        "submitted_at": None,
        "state": WebRequestStatus.ACCEPTED,
        "state_display": WebRequestStatus.ACCEPTED.label,
        "order_number": None,
        "order_status": None,
        "order_status_display": None,
        "order_type_display": None,
        "dispatched": False,
        "appointment_at": None,
        "technician": None,
        "completed_at": None,
    }
    if number.startswith("SO-"):
        order = (
            ServiceOrder.objects.select_related("technician")
            .filter(number=number)
            .filter(Q(contact_phone=phone) | Q(customer__phone=phone))
            .first()
        )
        if order is None:
            return None
        facts.update(kind="order", submitted_at=order.received_at, **_public_order_facts(order))
        return facts
    req = (
        WebRequest.objects.select_related("order", "order__technician")
        .filter(number=number, phone=phone)
        .first()
    )
    if req is None:
        return None
    facts.update(
        submitted_at=req.created_at,
        state=req.status,
        state_display=req.get_status_display(),
        order_type_display=req.get_order_type_display(),
    )
    if req.status == WebRequestStatus.ACCEPTED and req.order is not None:
        facts.update(_public_order_facts(req.order))
    return facts


# --- REQ-2: photos and attachments -----------------------------------------------------------

MAX_ATTACHMENTS = 20
ATTACHMENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}


def attachment_max_bytes() -> int:
    return int(getattr(settings, "AFTERSALES_ATTACHMENT_MAX_MB", 10) * 1024 * 1024)


def _attachment_ext(content: bytes) -> str | None:
    """png, jpg or pdf judged by the content (never the name); None for anything else.
    The caller checked the size against the attachment limit. A PDF starts with its
    header and ends with its end-of-file marker (within the last 1024 bytes, as readers
    look for it): a page or a program with a PDF header in front is not one."""
    if content.startswith(b"%PDF-"):
        return "pdf" if b"%%EOF" in content[-1024:] else None
    return image_extension(content)


def check_attachment(content: bytes, name: str = "") -> str:
    """REQ-2: the extension (png, jpg or pdf) of a file fit to keep with an order, judged by
    its size and its content (never its name); a ServiceError on ``file`` otherwise.
    ``name`` only names the file in the message. The one check of every attachment: the
    order page, the API and the intake form all come through it."""
    shown = name or _("The file")
    max_bytes = attachment_max_bytes()
    if not content:
        raise ServiceError({"file": _("The file is empty.")})
    if len(content) > max_bytes:
        raise ServiceError(
            {
                "file": _("%(name)s is larger than %(mb)s MB.")
                % {"name": shown, "mb": max_bytes // (1024 * 1024)}
            }
        )
    ext = _attachment_ext(content)
    if ext is None:
        raise ServiceError(
            {"file": _("%(name)s is not a PNG or JPEG image or a PDF.") % {"name": shown}}
        )
    return ext


def may_add_attachment(actor, order: ServiceOrder) -> bool:
    """REQ-2: who may add a photo or file to an order in reach: its technician, intake
    and dispatch."""
    return actor.has_perm("service.view_serviceorder") and (
        (order.technician_id is not None and order.technician_id == actor.pk)
        or actor.has_perm("service.add_serviceorder")
        or actor.has_perm("service.dispatch_serviceorder")
    )


def add_attachment(*, actor, order: ServiceOrder, content: bytes, name: str, caption: str = ""):
    """REQ-2: keep a photo (PNG, JPEG) or a PDF with the order, judged by its content.

    The stored file is named ``<order number>-<n>.<ext>``; the user's file name is kept as
    text only. At most MAX_ATTACHMENTS per order, each at most AFTERSALES_ATTACHMENT_MAX_MB.
    """
    from aftersales.service.models import OrderAttachment

    _require(actor, "service.view_serviceorder")
    require_order_reach(actor, order)
    if not may_add_attachment(actor, order):
        raise PermissionDenied(
            _("Only the order's technician, intake or dispatch may add photos and files.")
        )
    original_name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    caption = (caption or "").strip()
    errors: dict[str, list[str]] = {}
    ext = None
    try:
        ext = check_attachment(content, original_name)
    except ServiceError as exc:
        errors.update(exc.message_dict)
    if len(caption) > 200:
        errors["caption"] = [_("Keep the caption within 200 characters.")]
    if errors:
        raise ServiceError(errors)
    with files_removed_on_failure() as stored, transaction.atomic():
        # The lock serialises uploads to one order: the count and the file number hold.
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        count = locked.attachments.count()
        if count >= MAX_ATTACHMENTS:
            raise ServiceError(
                {
                    "file": _("An order keeps at most %(n)s photos and files.")
                    % {"n": MAX_ATTACHMENTS}
                }
            )
        attachment = OrderAttachment(
            order=locked,
            original_name=original_name or f"{locked.number}.{ext}",
            content_type=ATTACHMENT_TYPES[ext],
            size=len(content),
            caption=caption,
            uploaded_by=actor,
            created_by=actor,
            updated_by=actor,
        )
        attachment.file.save(f"{locked.number}-{count + 1}.{ext}", ContentFile(content), save=False)
        stored.append(attachment.file)
        attachment.save()
        record(
            locked,
            "service.order.attachment_added",
            actor=actor,
            after={},
            note=attachment.original_name,
        )
    return attachment


# --- REQ-6, SVC-7: questions referred to the person responsible -------------------------
# A question the agent (or technician) cannot answer at once goes to the person responsible
# — technical questions to the technical dept — and the customer must have the reply within
# the REQ-6 limit of the order's policy (30 min by default), on a clock of its own.

REFER_PERMISSION = "service.add_referral"
TECHNICAL_ROLE = "technical_engineer"


def referral_candidates(order: ServiceOrder, *, actor=None):
    """The people a question on this order can go to: active, holding the right to view
    orders and able to see this one (wide-reach HQ roles, or members of the order's unit
    or a unit above it). Technical-dept engineers first (SVC-7), then by name."""
    from django.db.models import Case, IntegerField, Value, When

    from aftersales.accounts.roles import ROLES

    unit_ids, unit, seen = [], order.org_unit, set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        unit_ids.append(unit.pk)
        unit = unit.parent
    wide = [role.code for role in ROLES if role.wide_reach]
    people = (
        User.objects.filter(is_active=True)
        .with_permission("service.view_serviceorder")
        .filter(
            Q(org_unit_id__in=unit_ids)
            | Q(
                groups__name__in=wide,
                org_unit__kind__in=[OrgUnit.Kind.HQ, OrgUnit.Kind.DEPARTMENT],
            )
        )
        .annotate(
            technical=Case(
                When(
                    pk__in=User.objects.filter(groups__name=TECHNICAL_ROLE).values("pk"),
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .distinct()
        .order_by("technical", "first_name", "last_name", "username")
    )
    if actor is not None:
        people = people.exclude(pk=actor.pk)
    return people


def _may_see(person, order: ServiceOrder) -> bool:
    return (
        person.is_active
        and person.has_perm("service.view_serviceorder")
        and ServiceOrder.objects.visible_to(person).filter(pk=order.pk).exists()
    )


def refer_question(*, actor, order: ServiceOrder, question: str, referred_to, kind: str = ""):
    """REQ-6: refer the customer's question to the person responsible (SVC-7: technical
    questions to the technical dept). Starts the order policy's REQ-6 clock, owned by that
    person, and tells them. One question at a time per order: answer the open one first."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify
    from aftersales.service.models import Referral, ReferralKind, Status

    _require(actor, REFER_PERMISSION)
    require_order_reach(actor, order)
    question = (question or "").strip()
    kind = kind or ReferralKind.OTHER
    errors: dict[str, str] = {}
    if not question:
        errors["question"] = _("Write down the customer's question.")
    if kind not in ReferralKind.values:
        errors["kind"] = _("Choose the kind of question.")
    if referred_to is None:
        errors["referred_to"] = _("Choose the person responsible.")
    elif referred_to.pk == actor.pk:
        errors["referred_to"] = _("Refer the question to someone else.")
    elif not _may_see(referred_to, order):
        errors["referred_to"] = _(
            "%(person)s cannot see this order; choose someone within its reach."
        ) % {"person": referred_to.get_full_name() or referred_to.username}
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        if locked.status == Status.CANCELLED:
            raise ServiceError(_("A cancelled order takes no questions."))
        if locked.referrals.filter(answered_at__isnull=True).exists():
            raise ServiceError(
                _("A question on this order is still waiting for its reply: answer it first.")
            )
        now = timezone.now()
        clocks = sla.start_clocks(locked, Event.REFERRED, now, owner=referred_to)
        sla.refresh_due(locked)
        referral = Referral.objects.create(
            order=locked,
            kind=kind,
            question=question,
            referred_to=referred_to,
            referred_by=actor,
            referred_at=now,
            clock=clocks[0] if clocks else None,
            created_by=actor,
            updated_by=actor,
        )
        record(
            locked,
            "service.order.question_referred",
            actor=actor,
            after={"referred_to": referred_to.username, "kind": kind},
            note=question,
        )
        params = {
            "order": locked.number,
            "customer": locked.customer.name,
            "question": question[:200],
            "due": timezone.localtime(referral.clock.due_at).strftime("%H:%M")
            if referral.clock
            else "—",
        }
        notify(
            [referred_to],
            topic=Topic.QUESTION_REFERRED,
            title=lambda: _("Question on order %(order)s: reply by %(due)s") % params,
            body=lambda: _("%(customer)s asks: %(question)s") % params,
            url=f"{locked.get_absolute_url()}#referrals",
        )
    return referral


def may_answer(actor, referral) -> bool:
    """The person the question went to, or a dispatcher relaying their answer (REQ-6)."""
    return referral.referred_to_id == actor.pk or actor.has_perm("service.dispatch_serviceorder")


def answer_question(*, actor, referral, answer: str, reply_channel: str):
    """REQ-6: the customer has been given the reply (by phone, in person, or by text —
    then the system sends ``answer`` as the text). Stops the question's clock: met or
    breached. The person who referred it hears of the answer."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify, text_customer
    from aftersales.service.models import Referral, ReplyChannel

    order = referral.order
    require_order_reach(actor, order)
    if not may_answer(actor, referral):
        raise PermissionDenied(
            _("Only the person the question was referred to, or dispatch, may answer it.")
        )
    answer = (answer or "").strip()
    errors: dict[str, str] = {}
    if not answer:
        errors["answer"] = _("Write down the reply the customer was given.")
    if reply_channel not in ReplyChannel.values:
        errors["reply_channel"] = _("Say how the customer was told.")
    elif reply_channel == ReplyChannel.SMS and len(answer) > 300:
        errors["answer"] = _("A text message holds at most 300 characters.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("clock")
            .get(pk=referral.pk)
        )
        if locked.answered_at is not None:
            raise ServiceError(_("This question has already been answered."))
        now = timezone.now()
        locked.answer = answer
        locked.reply_channel = reply_channel
        locked.answered_by = actor
        locked.answered_at = now
        locked.updated_by = actor
        locked.save()
        if locked.clock is not None:
            sla.stop_clock(locked.clock, now)
        record(
            order,
            "service.order.question_answered",
            actor=actor,
            after={"reply_channel": reply_channel},
            note=answer,
        )
        if reply_channel == ReplyChannel.SMS:
            text_customer(order.contact_phone, answer)
        if locked.referred_by_id and locked.referred_by_id != actor.pk:
            params = {"order": order.number, "answer": answer[:200]}
            notify(
                [locked.referred_by],
                topic=Topic.QUESTION_ANSWERED,
                title=lambda: _("The question on order %(order)s was answered") % params,
                body=lambda: params["answer"],
                url=f"{order.get_absolute_url()}#referrals",
            )
    return locked
