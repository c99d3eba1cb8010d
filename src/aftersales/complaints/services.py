"""The complaint register's services (CMP-1…CMP-5, FUP-4).

Every write is one function ``verb_noun(*, actor, …)`` in one transaction: it checks the
right (workflow.py decides who), the complaint's reach (ORG-3), its state and the input
(a ServiceError names the field), writes a ComplaintNote (the timeline market supervision
tracks, CMP-3) and an audit row (SEC-1), and tells the people concerned.

Decisions (documented in docs/guide/*/complaints.md):

* Severity may be raised above the class's but never lowered below it.
* Owner by default: the registering person when they hold the right to handle complaints;
  otherwise the holder of that right in the complaint's unit (walking up to its parent
  units; at HQ its departments count) with the fewest open complaints.
* Unit concerned: the order's handling unit, else the customer's unit, else the
  registering person's unit.
* FUP-4: a severe complaint (or one whose class tells the company manager at once)
  notifies every company manager at registration, and that notification *is* the report to
  the company: ``reported_at`` is set, so CMP-2 never fires for it.
* CMP-2 fines (STF-3): 100 CNY the first time a person breaks the rule, 200 CNY (double)
  the second time; the third time and later dismissal is proposed and the fine stays at
  200 CNY. The regional head's row is fined double of what their own occurrence count
  gives (first time 200 CNY).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record, snapshot
from aftersales.complaints import workflow
from aftersales.complaints.models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintChannel,
    ComplaintClass,
    ComplaintKind,
    ComplaintNote,
    ComplaintReply,
    ComplaintStatus,
    Severity,
    Violation,
)
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_perm
from aftersales.core.validators import checked_text

RULE_LATE = "CMP-2"
# STF-3: first violation of a rule 100 CNY, the second double; from the third on dismissal
# is proposed (the fine stays at the doubled amount). A head is fined double.
FIRST_FINE = Decimal("100.00")
REPEAT_FINE = Decimal("200.00")
HEAD_FACTOR = 2
DISMISSAL_FROM = 3
SEVERITY_RANK = {Severity.ORDINARY: 0, Severity.SERIOUS: 1, Severity.SEVERE: 2}
# A letter received earlier may be registered with its received time; the clock of a
# person's own device may run a little ahead of the server's.
FUTURE_SLACK = dt.timedelta(minutes=5)
REPLY_VIA = ["letter", "fax", "email", "sms", "hand", "wechat"]


# --- reach (ORG-3) ---------------------------------------------------------------------------


def visible_complaints(user):
    """ORG-3: market supervision (and HQ roles with wide reach) see every complaint; others
    the complaints of their unit (and sub-units) and region, the ones they own, and the
    ones they registered."""

    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return Complaint.objects.none()
    if not user.has_perm(workflow.VIEW):
        return Complaint.objects.none()
    return complaints_in_reach(user)


def complaints_in_reach(user):
    """The complaints of the person's reach, whatever their complaint rights (the violation
    list of finance uses it)."""
    from aftersales.accounts.reach import reach_of

    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return Complaint.objects.none()
    reach = reach_of(user)
    if reach.everything or user.has_perm(workflow.SUPERVISE):
        return Complaint.objects.all()
    return Complaint.objects.filter(
        Q(org_unit_id__in=reach.unit_ids)
        | Q(org_unit__region_id__in=reach.region_ids)
        | Q(owner=user)
        | Q(created_by=user)
    )


def require_complaint_reach(actor, complaint: Complaint) -> None:
    if not visible_complaints(actor).filter(pk=complaint.pk).exists():
        raise PermissionDenied(
            _("This complaint belongs to another organisation unit outside your reach.")
        )


def reaches_unit(user, org_unit) -> bool:
    """Whether a complaint of org_unit would be in user's reach (for a new owner)."""
    from aftersales.accounts.reach import reach_of

    reach = reach_of(user)
    return (
        reach.everything
        or user.has_perm(workflow.SUPERVISE)
        or org_unit.pk in reach.unit_ids
        or (org_unit.region_id is not None and org_unit.region_id in reach.region_ids)
    )


def may_register(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.has_perm(workflow.ADD)


# --- people ----------------------------------------------------------------------------------


def _people(role: str):
    from aftersales.accounts.models import User

    return User.objects.filter(is_active=True, groups__name=role).order_by("username")


def company_managers():
    return _people("company_manager")


def market_supervisors():
    return _people("market_supervisor")


def complaint_specialists():
    return _people("complaint_specialist")


def default_owner(org_unit):
    """The holder of the right to handle complaints nearest the unit (the unit, then its
    parents; at HQ its departments too) with the fewest open complaints; None if nobody."""
    from aftersales.accounts.models import OrgUnit, User

    handlers = User.objects.with_permission(workflow.HANDLE).filter(is_active=True)
    unit, seen = org_unit, set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        if unit.kind == OrgUnit.Kind.HQ:
            where = Q(org_unit=unit) | Q(org_unit__parent=unit, org_unit__kind="department")
        else:
            where = Q(org_unit=unit)
        found = (
            handlers.filter(where)
            .annotate(
                load=Count(
                    "owned_complaints",
                    filter=Q(owned_complaints__status__in=OPEN_COMPLAINT_STATUSES),
                )
            )
            .order_by("load", "username")
            .first()
        )
        if found is not None:
            return found
        unit = unit.parent
    return None


def regional_head_of(person):
    """CMP-2: the regional head of the person's region (their own, else their unit's) or of
    the nearest region above it; never the person themself. None when there is none."""
    from aftersales.accounts.models import Region

    region_id = person.region_id or (person.org_unit.region_id if person.org_unit_id else None)
    seen: set[int] = set()
    while region_id is not None and region_id not in seen:
        seen.add(region_id)
        head = _people("regional_head").filter(region_id=region_id).exclude(pk=person.pk).first()
        if head is not None:
            return head
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return None


# --- helpers ---------------------------------------------------------------------------------


def _note(complaint: Complaint, action: str, actor, text: str = "", at=None) -> ComplaintNote:
    return ComplaintNote.objects.create(
        complaint=complaint, at=at or timezone.now(), by=actor, action=action, text=text
    )


def complaint_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("complaint_class", "owner", "org_unit")
        .get(pk=complaint.pk)
    )


def _act(actor, complaint: Complaint, action: str) -> tuple[Complaint, dict]:
    """Inside the transaction: the complaint locked, the action allowed, its snapshot."""
    if complaint.owner_id != actor.pk:
        require_complaint_reach(actor, complaint)
    locked = _lock(complaint)
    workflow.require(locked, action, actor)
    return locked, snapshot(locked)


def _severity_rank(value) -> int:
    return SEVERITY_RANK.get(value, -1)


# --- register (CMP-1, CMP-3, CMP-4, FUP-4) ---------------------------------------------------


def register_complaint(
    *,
    actor,
    channel: str,
    complaint_class: ComplaintClass | None,
    subject: str,
    content: str,
    complainant_name: str,
    complainant_phone: str = "",
    complainant_address: str = "",
    kind: str = ComplaintKind.COMPLAINT,
    customer=None,
    order=None,
    survey=None,
    return_visit=None,
    severity: str | None = None,
    owner=None,
    responsible=None,
    resolved_on_spot: bool = False,
    resolution: str = "",
    received_at: dt.datetime | None = None,
) -> Complaint:
    """CMP-3: register an opinion, suggestion or complaint from any channel. Deadlines from
    its class (CMP-4): report within ``report_hours`` (wall clock), resolve within
    ``resolve_working_days`` (CAL-1). Resolved on the spot → straight to resolved (CMP-1).
    Severe → every company manager told at once, which is its report (FUP-4)."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify
    from aftersales.service.services import require_order_reach

    require_perm(actor, workflow.ADD)
    errors: dict[str, str] = {}
    now = timezone.now()
    if channel not in ComplaintChannel.values:
        errors["channel"] = _("Choose the channel the complaint came through.")
    if kind not in ComplaintKind.values:
        errors["kind"] = _("Choose complaint, suggestion or opinion.")
    if complaint_class is None or not complaint_class.is_active:
        errors["complaint_class"] = _("Choose an active complaint class.")
    fields = {}
    for name, value, limit, required in (
        ("subject", subject, 200, _("Write what the complaint is about in a line.")),
        ("content", content, None, _("Write what the customer said.")),
        ("complainant_name", complainant_name, 100, _("Write who complained.")),
        ("complainant_phone", complainant_phone, 30, ""),
        ("complainant_address", complainant_address, 300, ""),
        ("resolution", resolution, None, ""),
    ):
        try:
            fields[name] = checked_text(value, name, limit, required=required)
        except ServiceError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if resolved_on_spot and not fields.get("resolution") and "resolution" not in errors:
        errors["resolution"] = _("Write how the complaint was resolved on the spot.")
    if complaint_class is not None and "complaint_class" not in errors:
        severity = severity or complaint_class.severity
        if severity not in Severity.values:
            errors["severity"] = _("Choose ordinary, serious or severe.")
        elif _severity_rank(severity) < _severity_rank(complaint_class.severity):
            errors["severity"] = _(
                "The class “%(name)s” is %(severity)s: a complaint of it cannot be less severe."
            ) % {"name": complaint_class.name, "severity": complaint_class.get_severity_display()}
    received_at = received_at or now
    if received_at > now + FUTURE_SLACK:
        errors["received_at"] = _("The complaint cannot be received in the future.")
    # Links: the survey or return visit brings its order and customer (CMP-3).
    if survey is not None:
        if return_visit is not None:
            errors["return_visit"] = _(
                "A complaint comes from a survey or a return visit, not both."
            )
        order = order or survey.order
        customer = customer or survey.customer
        if survey.customer_id != getattr(customer, "pk", None):
            errors["survey"] = _("The survey is about another customer.")
    if return_visit is not None:
        order = order or return_visit.order
        if return_visit.order_id != getattr(order, "pk", None):
            errors["return_visit"] = _("The return visit is about another service order.")
    if order is not None:
        require_order_reach(actor, order)
        customer = customer or order.customer
        if order.customer_id != getattr(customer, "pk", None):
            errors["order"] = _("The service order is another customer's.")
    if customer is not None and order is None:
        from aftersales.customers.models import Customer

        if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
            errors["customer"] = _("This customer is outside your reach.")
    org_unit = (
        (order.org_unit if order is not None else None)
        or (customer.owner_unit if customer is not None else None)
        or actor.org_unit
    )
    if org_unit is None:
        errors["order"] = _("Link the service order or customer: no unit is concerned.")
    if responsible is None and order is not None:
        responsible = order.technician
    if responsible is not None and not responsible.is_active:
        errors["responsible"] = _("The responsible person is no longer active.")
    if owner is None and not errors:
        owner = actor if actor.has_perm(workflow.HANDLE) else default_owner(org_unit)
        if owner is None:
            errors["owner"] = _("Nobody can handle complaints of this unit: choose the owner.")
    if owner is not None and "owner" not in errors and org_unit is not None:
        if not (owner.is_active and owner.has_perm(workflow.HANDLE)):
            errors["owner"] = _("The owner must be someone with the right to handle complaints.")
        elif not reaches_unit(owner, org_unit):
            errors["owner"] = _("The owner cannot see complaints of %(unit)s.") % {"unit": org_unit}
    if errors:
        raise ServiceError(errors)

    cls = complaint_class
    with transaction.atomic():
        cal = _calendar(org_unit, received_at)
        report_due_at, resolve_due_at = _deadlines(cls, received_at, cal)
        complaint = Complaint(
            number=next_number("CMP"),
            kind=kind,
            channel=channel,
            complaint_class=cls,
            severity=severity,
            org_unit=org_unit,
            customer=customer,
            order=order,
            survey=survey,
            return_visit=return_visit,
            subject=fields["subject"],
            content=fields["content"],
            complainant_name=fields["complainant_name"],
            complainant_phone=fields["complainant_phone"],
            complainant_address=fields["complainant_address"],
            received_at=received_at,
            owner=owner,
            responsible=responsible,
            report_due_at=report_due_at,
            resolve_due_at=resolve_due_at,
            created_by=actor,
            updated_by=actor,
        )
        if resolved_on_spot:
            complaint.status = ComplaintStatus.RESOLVED
            complaint.resolved_on_spot = True
            complaint.resolution = fields["resolution"]
            complaint.resolved_at = now
            complaint.customer_satisfied = True
        severe = severity == Severity.SEVERE or cls.notify_company_manager
        if severe:
            complaint.reported_at = now
            complaint.report_note = _(
                "Severe complaint: reported to the company manager at once for priority "
                "handling (FUP-4)."
            )
        complaint.save()
        _note(complaint, "register", actor, complaint.content, at=now)
        if resolved_on_spot:
            _note(complaint, "resolve", actor, complaint.resolution, at=now)
        if severe:
            _note(complaint, "report", actor, complaint.report_note, at=now)
        record(complaint, "complaints.complaint.registered", actor=actor, note=complaint.subject)
        number, subject, url = complaint.number, complaint.subject, complaint_url(complaint)
        due = timezone.localtime(report_due_at).strftime("%Y-%m-%d %H:%M")
        if severe:
            notify(
                company_managers(),
                topic=Topic.COMPLAINT_SEVERE,
                title=lambda: (
                    _("Severe complaint %(number)s: %(subject)s")
                    % {"number": number, "subject": subject}
                ),
                body=lambda: (
                    _(
                        "A severe complaint was registered and is reported to you for priority "
                        "handling (FUP-4). Owner: %(owner)s."
                    )
                    % {"owner": owner}
                ),
                url=url,
            )
        if owner.pk != actor.pk and not resolved_on_spot:
            notify(
                [owner],
                topic=Topic.COMPLAINT_ASSIGNED,
                title=lambda: _("Complaint %(number)s for you to handle") % {"number": number},
                body=lambda: (
                    _("%(subject)s — report it by %(due)s.") % {"subject": subject, "due": due}
                ),
                url=url,
            )
    return complaint


def _calendar(org_unit, start: dt.datetime):
    from aftersales.core.calendar import get_calendar

    year = timezone.localtime(start).year
    return get_calendar(org_unit, years=[year, year + 1])


def _deadlines(cls: ComplaintClass, received_at: dt.datetime, cal):
    """CMP-1: report within the class's hours (wall clock); CMP-4: resolve within its
    working days (CAL-1, the unit's calendar)."""
    from aftersales.core.calendar import UNIT_HOURS, UNIT_WORKING_DAYS, deadline

    return (
        deadline(received_at, cls.report_hours, UNIT_HOURS, cal),
        deadline(received_at, cls.resolve_working_days, UNIT_WORKING_DAYS, cal),
    )


# --- the steps (CMP-1, CMP-4, CMP-5, FUP-4) ---------------------------------------------------


def _after(locked: Complaint, action: str, actor, before: dict, text: str) -> Complaint:
    locked.updated_by = actor
    locked.save()
    _note(locked, action, actor, text)
    record(locked, f"complaints.complaint.{action}", actor=actor, before=before, note=text)
    return locked


def assign_complaint(*, actor, complaint: Complaint, owner, note: str = "") -> Complaint:
    """CMP-4: give the complaint to another designated owner (who is told)."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    note = checked_text(note, "note", 500)
    if owner is None:
        raise ServiceError({"owner": _("Choose the new owner.")})
    with transaction.atomic():
        locked, before = _act(actor, complaint, "assign")
        if owner.pk == locked.owner_id:
            raise ServiceError({"owner": _("%(name)s already owns it.") % {"name": owner}})
        if not (owner.is_active and owner.has_perm(workflow.HANDLE)):
            raise ServiceError(
                {"owner": _("The owner must be someone with the right to handle complaints.")}
            )
        if not reaches_unit(owner, locked.org_unit):
            raise ServiceError(
                {
                    "owner": _("The owner cannot see complaints of %(unit)s.")
                    % {"unit": locked.org_unit}
                }
            )
        locked.owner = owner
        text = _("New owner: %(name)s.") % {"name": owner} + (f" {note}" if note else "")
        _after(locked, "assign", actor, before, text)
        number, subject = locked.number, locked.subject
        notify(
            [owner],
            topic=Topic.COMPLAINT_ASSIGNED,
            title=lambda: _("Complaint %(number)s for you to handle") % {"number": number},
            body=lambda: subject,
            url=complaint_url(locked),
        )
    return locked


def report_complaint(*, actor, complaint: Complaint, report_note: str) -> Complaint:
    """CMP-1: the complaint not resolved on the spot is reported to the company at once;
    the company managers are told."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    report_note = checked_text(
        report_note, "report_note", 2000, required=_("Write what you report to the company.")
    )
    with transaction.atomic():
        locked, before = _act(actor, complaint, "report")
        locked.reported_at = timezone.now()
        locked.report_note = report_note
        _after(locked, "report", actor, before, report_note)
        number, subject = locked.number, locked.subject
        notify(
            company_managers(),
            topic=Topic.COMPLAINT_REPORTED,
            title=lambda: _("Complaint %(number)s reported to the company") % {"number": number},
            body=lambda: f"{subject}\n{report_note}",
            url=complaint_url(locked),
        )
    return locked


def investigate_complaint(*, actor, complaint: Complaint, cause: str, proposal: str) -> Complaint:
    """CMP-1: the cause found and the resolution proposed."""
    errors = {}
    if not (cause or "").strip():
        errors["cause"] = _("Write the cause found.")
    if not (proposal or "").strip():
        errors["proposal"] = _("Write the resolution you propose.")
    if errors:
        raise ServiceError(errors)
    cause, proposal = checked_text(cause, "cause", 4000), checked_text(proposal, "proposal", 4000)
    with transaction.atomic():
        locked, before = _act(actor, complaint, "investigate")
        locked.status = ComplaintStatus.INVESTIGATING
        locked.cause, locked.proposal = cause, proposal
        text = _("Cause: %(cause)s\nProposal: %(proposal)s") % {
            "cause": cause,
            "proposal": proposal,
        }
        _after(locked, "investigate", actor, before, text)
    return locked


def refer_complaint(*, actor, complaint: Complaint, note: str, specialist=None) -> Complaint:
    """CMP-5: a dispute goes to the complaint specialist team; a specialist becomes its
    owner (the one chosen, else the one with the fewest open complaints)."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    note = checked_text(note, "note", 2000, required=_("Write what the dispute is about."))
    team = complaint_specialists()
    if specialist is not None and not team.filter(pk=specialist.pk).exists():
        raise ServiceError({"specialist": _("Choose someone of the complaint specialist team.")})
    with transaction.atomic():
        locked, before = _act(actor, complaint, "refer")
        if specialist is None:
            specialist = (
                team.annotate(
                    load=Count(
                        "owned_complaints",
                        filter=Q(owned_complaints__status__in=OPEN_COMPLAINT_STATUSES),
                    )
                )
                .order_by("load", "username")
                .first()
            )
        if specialist is None:
            raise ServiceError(_("There is nobody in the complaint specialist team."))
        locked.status = ComplaintStatus.DISPUTE
        locked.owner = specialist
        text = _("Referred to %(name)s: %(note)s") % {"name": specialist, "note": note}
        _after(locked, "refer", actor, before, text)
        number, subject = locked.number, locked.subject
        notify(
            [specialist],
            topic=Topic.COMPLAINT_ASSIGNED,
            title=lambda: _("Dispute %(number)s for the specialist team") % {"number": number},
            body=lambda: f"{subject}\n{note}",
            url=complaint_url(locked),
        )
    return locked


def resolve_complaint(
    *, actor, complaint: Complaint, resolution: str, customer_satisfied: bool | None = None
) -> Complaint:
    """CMP-1: how it was resolved and whether the customer is satisfied."""
    resolution = checked_text(
        resolution, "resolution", 4000, required=_("Write how it was resolved.")
    )
    if customer_satisfied not in (True, False, None):
        raise ServiceError({"customer_satisfied": _("Answer yes, no or not known.")})
    with transaction.atomic():
        locked, before = _act(actor, complaint, "resolve")
        locked.status = ComplaintStatus.RESOLVED
        locked.resolution = resolution
        locked.customer_satisfied = customer_satisfied
        locked.resolved_at = timezone.now()
        _after(locked, "resolve", actor, before, resolution)
    return locked


def add_reply(
    *, actor, complaint: Complaint, text: str, sent_via: str, sent_at: dt.datetime | None = None
) -> ComplaintReply:
    """CMP-4, FUP-4: the written reply to the customer (顾客来函处理回复单), numbered CLR."""
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Write the reply to the customer.")
    if sent_via not in REPLY_VIA:
        errors["sent_via"] = _("Choose how the reply was sent.")
    now = timezone.now()
    sent_at = sent_at or now
    if sent_at > now + FUTURE_SLACK:
        errors["sent_at"] = _("The reply cannot be sent in the future.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked, _before = _act(actor, complaint, "reply")
        if sent_at < locked.received_at:
            raise ServiceError(
                {"sent_at": _("The reply cannot be sent before the complaint came.")}
            )
        reply = ComplaintReply.objects.create(
            complaint=locked,
            number=next_number("CLR"),
            text=text,
            sent_via=sent_via,
            sent_at=sent_at,
            created_by=actor,
            updated_by=actor,
        )
        _note(locked, "reply", actor, _("Written reply %(number)s.") % {"number": reply.number})
        record(reply, "complaints.reply.added", actor=actor, note=locked.number)
    return reply


def close_complaint(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """A resolved complaint closes — refused while a written reply it needs is missing
    (CMP-4, FUP-4)."""
    note = checked_text(note, "note", 2000)
    with transaction.atomic():
        locked, before = _act(actor, complaint, "close")
        locked.status = ComplaintStatus.CLOSED
        locked.closed_at = timezone.now()
        _after(locked, "close", actor, before, note)
    return locked


def reopen_complaint(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """A resolved or closed complaint is investigated again (the customer came back)."""
    reason = checked_text(reason, "reason", 2000, required=_("Say why the complaint is reopened."))
    with transaction.atomic():
        locked, before = _act(actor, complaint, "reopen")
        locked.status = ComplaintStatus.INVESTIGATING
        locked.closed_at = None
        locked.resolved_at = None
        _after(locked, "reopen", actor, before, reason)
    return locked


ACTIONS = {
    "assign": assign_complaint,
    "report": report_complaint,
    "investigate": investigate_complaint,
    "refer": refer_complaint,
    "resolve": resolve_complaint,
    "reply": add_reply,
    "close": close_complaint,
    "reopen": reopen_complaint,
}


# --- CMP-2: neither resolved nor reported in time ----------------------------------------------


def fine_for(occurrence: int, *, as_head: bool = False) -> tuple[Decimal, bool]:
    """STF-3: (fine, dismissal proposed) for the n-th violation of the rule."""
    fine = FIRST_FINE if occurrence <= 1 else REPEAT_FINE
    if as_head:
        fine *= HEAD_FACTOR
    return fine, occurrence >= DISMISSAL_FROM


def _violation(complaint: Complaint, person, *, as_head: bool, now, description: str):
    occurrence = Violation.objects.filter(person=person, rule_id=RULE_LATE).count() + 1
    fine, dismissal = fine_for(occurrence, as_head=as_head)
    violation = Violation.objects.create(
        person=person,
        rule_id=RULE_LATE,
        as_head=as_head,
        complaint=complaint,
        occurrence=occurrence,
        fine=fine,
        dismissal_proposed=dismissal,
        description=description,
        occurred_at=now,
    )
    record(violation, "complaints.violation.recorded", actor=None, note=complaint.number)
    return violation


def late_complaints(now: dt.datetime):
    return Complaint.objects.filter(
        status__in=OPEN_COMPLAINT_STATUSES,
        reported_at__isnull=True,
        resolved_at__isnull=True,
        violation_checked_at__isnull=True,
        report_due_at__lt=now,
    )


def record_late_complaints(now: dt.datetime | None = None) -> int:
    """CMP-2: each open complaint neither reported nor resolved by its report deadline
    records, once, a violation against the responsible person (the owner when none) and
    one against their regional head, and tells both and market supervision. The claim is a
    conditional update of ``violation_checked_at``: a second sweep does nothing. Returns
    the number of complaints acted on."""
    from aftersales.accounts.models import User
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    now = now or timezone.now()
    acted = 0
    for pk in list(
        late_complaints(now).order_by("report_due_at").values_list("pk", flat=True)[:500]
    ):
        with transaction.atomic():
            claimed = Complaint.objects.filter(
                pk=pk,
                violation_checked_at__isnull=True,
                reported_at__isnull=True,
                resolved_at__isnull=True,
                status__in=OPEN_COMPLAINT_STATUSES,
            ).update(violation_checked_at=now)
            if not claimed:
                continue
            complaint = Complaint.objects.select_related("owner", "responsible").get(pk=pk)
            person = User.objects.select_related("org_unit").get(
                pk=complaint.responsible_id or complaint.owner_id
            )
            head = regional_head_of(person)
            # STF-3: the fine counts the person's earlier violations. Their rows are locked (in
            # one order) so two sweeps fining one person at once count in turn, not both "first".
            list(
                User.objects.select_for_update()
                .filter(pk__in=[p.pk for p in (person, head) if p is not None])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            due = timezone.localtime(complaint.report_due_at).strftime("%Y-%m-%d %H:%M")
            description = _(
                "Complaint %(number)s was neither resolved nor reported to the company by "
                "%(due)s (CMP-2)."
            ) % {"number": complaint.number, "due": due}
            rows = [_violation(complaint, person, as_head=False, now=now, description=description)]
            if head is not None:
                rows.append(
                    _violation(
                        complaint,
                        head,
                        as_head=True,
                        now=now,
                        description=description
                        + " "
                        + _("As the regional head of %(name)s.") % {"name": person},
                    )
                )
                text = _("Violations recorded against %(person)s and the regional head %(head)s.")
            else:
                text = _(
                    "Violation recorded against %(person)s; no regional head was found for them."
                )
            text = text % {"person": person, "head": head}
            _note(complaint, "late", None, text, at=now)
            record(
                complaint,
                "complaints.complaint.late",
                actor=None,
                before={"violation_checked_at": None},
                note=text,
            )
            number, subject = complaint.number, complaint.subject
            notify(
                [person, *([head] if head else []), *market_supervisors()],
                topic=Topic.COMPLAINT_LATE,
                title=lambda number=number: (
                    _("Complaint %(number)s not handled in time") % {"number": number}
                ),
                body=lambda subject=subject, due=due: (
                    _(
                        "%(subject)s — neither resolved nor reported by %(due)s: a violation of "
                        "CMP-2 is recorded."
                    )
                    % {"subject": subject, "due": due}
                ),
                url=complaint_url(complaint),
            )
            acted += 1
    return acted


# --- prefill from a survey or a return visit (CMP-3) -------------------------------------------


def prefill_from_survey(actor, survey) -> dict:
    """What the register form starts with for a survey's comments."""
    lines = [survey.suggestions, survey.other_needs]
    content = "\n".join(line for line in lines if line)
    customer = survey.customer
    return {
        "channel": ComplaintChannel.SURVEY,
        "customer": customer,
        "order": survey.order,
        "survey": survey,
        "complainant_name": customer.name,
        "complainant_phone": survey.phone or customer.phone,
        "complainant_address": customer.address,
        "subject": _("Survey comment"),
        "content": content,
        "responsible": survey.technician,
    }


def prefill_from_visit(actor, visit) -> dict:
    """What the register form starts with for a return visit's notes."""
    order = visit.order
    answers = []
    for answer in visit.answers or []:
        if isinstance(answer, dict):
            question = answer.get("question") or answer.get("text") or ""
            value = answer.get("answer") or answer.get("value") or ""
            if question or value:
                answers.append(f"{question}: {value}".strip(": "))
    content = "\n".join([line for line in [visit.notes, *answers] if line])
    return {
        "channel": ComplaintChannel.RETURN_VISIT,
        "customer": order.customer,
        "order": order,
        "return_visit": visit,
        "complainant_name": order.contact_name or order.customer.name,
        "complainant_phone": order.contact_phone or order.customer.phone,
        "complainant_address": order.customer.address,
        "subject": _("Return visit: customer not satisfied"),
        "content": content,
        "responsible": order.technician,
    }
