"""Return visits and follow-up cases (FUP-1, FUP-5).

FUP-1: every completed order that the sampling rules pick gets a return visit (回访) due
AFTERSALES_RETURN_VISIT_HOURS (24 h) after completion, in customer service's queue; the
order closes only when its visit is done — the customer answered (satisfied or not) — or
closed as unreachable after AFTERSALES_RETURN_VISIT_MAX_CALLS unanswered calls, one every
AFTERSALES_RETURN_VISIT_RETRY_HOURS. FUP-5: a customer not satisfied opens a follow-up case
linked to the order, with its own owner and a deadline in working days.

Each function runs in one transaction, checks the right, the order's reach and the rules,
and writes the audit row (SEC-1).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.audit.services import record, snapshot
from aftersales.core import calendar
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.permissions import require_perm
from aftersales.followup.models import (
    CaseStatus,
    FollowupCase,
    ReturnVisit,
    VisitCall,
    VisitQuestion,
    VisitSampling,
    VisitStatus,
)
from aftersales.service.models import ServiceOrder, Status

VIEW_VISITS = "followup.view_returnvisit"
CALL_VISITS = "followup.call_returnvisit"
VIEW_CASES = "followup.view_followupcase"
RESOLVE_CASES = "followup.resolve_followupcase"
CLOSE_ORDERS = "service.close_serviceorder"

# The outcomes a call may have; each is also the visit's status once final.
OUTCOMES = [VisitStatus.SATISFIED, VisitStatus.NOT_SATISFIED, VisitStatus.UNREACHABLE]
ANSWERED = [VisitStatus.SATISFIED, VisitStatus.NOT_SATISFIED]
FINAL = [VisitStatus.SATISFIED, VisitStatus.NOT_SATISFIED, VisitStatus.UNREACHABLE]

NOTE_LIMIT = 500  # VisitCall.note
ANSWER_LIMIT = 500
TEXT_LIMIT = 2000


# --- settings --------------------------------------------------------------------------------


def visit_hours() -> float:
    """FUP-1: the return visit is due this many hours after completion (24)."""
    return float(getattr(settings, "AFTERSALES_RETURN_VISIT_HOURS", 24))


def retry_hours() -> float:
    """FUP-1: an unanswered call is tried again this many hours later (4)."""
    return float(getattr(settings, "AFTERSALES_RETURN_VISIT_RETRY_HOURS", 4))


def max_calls() -> int:
    """FUP-1: after this many unanswered calls the visit is closed as unreachable (3)."""
    return max(1, int(getattr(settings, "AFTERSALES_RETURN_VISIT_MAX_CALLS", 3)))


def case_days() -> int:
    """FUP-5: a follow-up case is due this many working days after it is opened (3)."""
    return max(1, int(getattr(settings, "AFTERSALES_FOLLOWUP_CASE_DAYS", 3)))


def _calendar(order: ServiceOrder, at: dt.datetime):
    year = timezone.localtime(at).year
    return calendar.get_calendar(order.org_unit, years=[year, year + 1])


# --- reach -----------------------------------------------------------------------------------


def visits_visible_to(user):
    """ORG-3: the return visits of the orders in the person's reach."""
    return ReturnVisit.objects.filter(order__in=ServiceOrder.objects.visible_to(user).values("pk"))


def cases_visible_to(user):
    """ORG-3: the follow-up cases of the orders in reach, and the person's own cases."""
    return FollowupCase.objects.filter(
        Q(order__in=ServiceOrder.objects.visible_to(user).values("pk")) | Q(owner=user)
    )


def _reaches(user, order_id: int) -> bool:
    return ServiceOrder.objects.visible_to(user).filter(pk=order_id).exists()


def require_visit_reach(actor, visit: ReturnVisit) -> None:
    if not _reaches(actor, visit.order_id):
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )


def may_see_case(actor, case: FollowupCase) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if case.owner_id == actor.pk:
        return True
    return actor.has_perm(VIEW_CASES) and _reaches(actor, case.order_id)


def may_resolve(actor, case: FollowupCase) -> bool:
    """FUP-5, SEC-5: the case's owner, or a holder of the right to resolve any case within
    reach."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if case.owner_id == actor.pk:
        return True
    return actor.has_perm(RESOLVE_CASES) and _reaches(actor, case.order_id)


# --- sampling and the completion's hook (FUP-1) -----------------------------------------------


def sample_bucket(number: str) -> int:
    """A stable number 0…99 from the order number: the same order always falls in the same
    bucket, so the sampling is deterministic and can be checked afterwards."""
    digest = hashlib.sha256((number or "").encode()).hexdigest()
    return int(digest, 16) % 100


def sampling_percent(order_type: str) -> int:
    """FUP-1: the share of completed orders of the type that get a return visit; a type
    without a sampling rule (complaints by default) is visited every time."""
    rule = VisitSampling.objects.filter(order_type=order_type).first()
    return 100 if rule is None else int(rule.percent)


def is_sampled(order: ServiceOrder, percent: int | None = None) -> bool:
    percent = sampling_percent(order.order_type) if percent is None else percent
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    return sample_bucket(order.number) < percent


def on_order_completed(order: ServiceOrder, actor) -> None:
    """FUP-1: called inside the completion's transaction with the locked, completed order.

    A sampled order gets a return visit due 24 h (wall-clock hours on the order's calendar)
    after completion, to be called at once. An order reopened before its visit was made and
    completed again keeps the one open visit, timed from the new completion.
    """
    completed_at = order.completed_at or timezone.now()
    percent = sampling_percent(order.order_type)
    if not is_sampled(order, percent):
        record(
            order,
            "followup.visit.not_sampled",
            actor=actor,
            after={"sampling_percent": percent},
            note=_("No return visit: not picked by the %(percent)d %% sampling rule (FUP-1).")
            % {"percent": percent},
        )
        return
    due_at = calendar.deadline(completed_at, visit_hours(), "hours", _calendar(order, completed_at))
    open_visit = ReturnVisit.objects.select_for_update().filter(order=order, status=VisitStatus.DUE)
    visit = open_visit.first()
    if visit is not None:
        before = snapshot(visit)
        visit.due_at, visit.next_call_at = due_at, completed_at
        visit.updated_by = actor if getattr(actor, "pk", None) else None
        visit.save(update_fields=["due_at", "next_call_at", "updated_by", "updated_at"])
        record(
            visit,
            "followup.visit.retimed",
            actor=actor,
            before=before,
            note=_("The order was completed again."),
        )
        return
    visit = ReturnVisit.objects.create(
        order=order,
        due_at=due_at,
        next_call_at=completed_at,
        created_by=actor if getattr(actor, "pk", None) else None,
        updated_by=actor if getattr(actor, "pk", None) else None,
    )
    record(visit, "followup.visit.created", actor=actor, note=order.number)


def visit_pending(order: ServiceOrder) -> str:
    """The close guard (FUP-1): why the order cannot close yet, or ""."""
    if ReturnVisit.objects.filter(order=order, status=VisitStatus.DUE).exists():
        return visit_pending_text()
    return ""


def visit_pending_many(orders) -> dict[int, str]:
    """``visit_pending`` for a page of orders in one query, by order id."""
    ids = [o.pk for o in orders]
    pending = set(
        ReturnVisit.objects.filter(order_id__in=ids, status=VisitStatus.DUE).values_list(
            "order_id", flat=True
        )
    )
    return {pk: visit_pending_text() if pk in pending else "" for pk in ids}


def visit_pending_text() -> str:
    return _(
        "The return visit of this order has not been made yet: the order closes when its "
        "return visit is done or closed as unreachable (FUP-1)."
    )


# --- the script ------------------------------------------------------------------------------


def script_for(order: ServiceOrder) -> list[VisitQuestion]:
    """FUP-1: the active questions asked on this order's visit, in order: the common ones
    and those for its order type."""
    return list(
        VisitQuestion.objects.filter(is_active=True)
        .filter(Q(order_type="") | Q(order_type=order.order_type))
        .order_by("position", "pk")
    )


def _answers(questions: list[VisitQuestion], given, errors: dict) -> list[dict]:
    """The script's answers as stored: [{"id", "question", "answer"}] for every question.

    ``given`` maps a question's id (int or text) to the answer text."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        errors["answers"] = _("Give the answers as question → answer.")
        return []
    by_id = {q.pk: q for q in questions}
    texts: dict[int, str] = {}
    for key, value in given.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            pk = None
        if pk not in by_id:
            errors["answers"] = _("Question %(key)s is not on this order's script.") % {"key": key}
            return []
        if value is not None and not isinstance(value, str | int | float):
            errors["answers"] = _("Each answer is text.")
            return []
        text = "" if value is None else str(value).strip()
        if len(text) > ANSWER_LIMIT:
            errors["answers"] = _("An answer has at most %(limit)d characters.") % {
                "limit": ANSWER_LIMIT
            }
            return []
        texts[pk] = text
    return [{"id": q.pk, "question": q.text, "answer": texts.get(q.pk, "")} for q in questions]


# --- the call (FUP-1, FUP-5) -----------------------------------------------------------------


def case_owner_candidates(order: ServiceOrder) -> list[User]:
    """FUP-5: who may own a follow-up case of this order — active people who see follow-up
    cases and reach the order; the handling unit's branch managers first."""
    from aftersales.service import sla

    leads = [u for u in sla.leads(order) if u.has_perm(VIEW_CASES)]
    people = list(
        User.objects.filter(is_active=True)
        .with_permission(VIEW_CASES)
        .exclude(pk__in=[u.pk for u in leads])
        .order_by("username")
    )
    return leads + [u for u in people if _reaches(u, order.pk)]


def default_case_owner(order: ServiceOrder) -> User | None:
    """FUP-5: the handling unit's branch manager (or its nearest parent's)."""
    from aftersales.service import sla

    return next((u for u in sla.leads(order) if u.has_perm(VIEW_CASES)), None)


def _check_owner(owner, order: ServiceOrder, errors: dict) -> None:
    if owner is None:
        errors["case_owner"] = _("Choose who owns the follow-up case.")
    elif not owner.is_active or not owner.has_perm(VIEW_CASES) or not _reaches(owner, order.pk):
        errors["case_owner"] = _(
            "%(person)s cannot own this case: they must see follow-up cases and reach the order."
        ) % {"person": owner}


def record_call(
    *,
    actor,
    visit: ReturnVisit,
    outcome: str,
    answers=None,
    note: str = "",
    problem: str = "",
    case_owner=None,
) -> ReturnVisit:
    """FUP-1, FUP-5: one call of the return visit and what came of it.

    - unreachable: the call is counted; before the last allowed call the next one is
      scheduled RETRY_HOURS later, at the last one the visit is closed as unreachable;
    - satisfied / not satisfied: the script's answers are kept (at least one answer), the
      visit is done, late when done after its due time;
    - not satisfied also needs what the customer is unhappy with, and opens a follow-up
      case (FUC-…) owned by the chosen person (by default the handling unit's branch
      manager), due in AFTERSALES_FOLLOWUP_CASE_DAYS working days; the owner is told.

    When the visit is final and the order still completed, the order is closed in the same
    transaction — if the caller holds the right to close orders.
    """
    require_perm(actor, CALL_VISITS)
    require_visit_reach(actor, visit)
    errors: dict[str, str] = {}
    if outcome not in OUTCOMES:
        raise ServiceError(
            {"outcome": _("Choose the outcome: satisfied, not satisfied or unreachable.")}
        )
    note = (note or "").strip() if isinstance(note, str) else ""
    problem = (problem or "").strip() if isinstance(problem, str) else ""
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("At most %(limit)d characters, please.") % {"limit": NOTE_LIMIT}
    order = ServiceOrder.objects.select_related("org_unit").get(pk=visit.order_id)
    stored: list[dict] = []
    if outcome in ANSWERED:
        questions = script_for(order)
        stored = _answers(questions, answers, errors)
        if questions and "answers" not in errors and not any(a["answer"] for a in stored):
            errors["answers"] = _("Write the customer's answers to the script's questions.")
    if outcome == VisitStatus.NOT_SATISFIED:
        if not problem:
            errors["problem"] = _("Write what the customer is not satisfied with.")
        elif len(problem) > TEXT_LIMIT:
            errors["problem"] = _("At most %(limit)d characters, please.") % {"limit": TEXT_LIMIT}
        if case_owner is None:
            case_owner = default_case_owner(order)
        _check_owner(case_owner, order, errors)
    if errors:
        raise ServiceError(errors)

    with transaction.atomic():
        # The order first, as its completion (which writes the visit) locks it.
        ServiceOrder.objects.select_for_update().filter(pk=visit.order_id).first()
        locked = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
        if locked.status != VisitStatus.DUE:
            raise ServiceError(
                _("This return visit is already finished (“%(status)s”).")
                % {"status": locked.get_status_display()}
            )
        before = snapshot(locked)
        now = timezone.now()
        first_call = locked.calls.order_by("called_at", "pk").values_list("called_at", flat=True)
        first_call_at = first_call.first() or now
        VisitCall.objects.create(
            visit=locked, called_at=now, called_by=actor, outcome=outcome, note=note
        )
        locked.attempts += 1
        locked.updated_by = actor
        if outcome == VisitStatus.UNREACHABLE:
            if locked.attempts >= max_calls():
                locked.status = VisitStatus.UNREACHABLE
                locked.done_at, locked.done_by = now, actor
                # Closed per policy: late only if the first try came after the due time.
                locked.late = first_call_at > locked.due_at
                locked.notes = note
            else:
                locked.next_call_at = now + dt.timedelta(hours=retry_hours())
        else:
            locked.status = outcome
            locked.done_at, locked.done_by = now, actor
            locked.answers = stored
            locked.notes = note
            locked.late = now > locked.due_at
        locked.save()
        record(locked, f"followup.visit.{outcome}", actor=actor, before=before, note=note)
        if outcome == VisitStatus.NOT_SATISFIED:
            _open_case(actor=actor, visit=locked, order=order, problem=problem, owner=case_owner)
        if locked.status in FINAL:
            _close_order_if_allowed(actor, order.pk)
    return locked


def _open_case(*, actor, visit: ReturnVisit, order: ServiceOrder, problem: str, owner):
    """FUP-5: the follow-up case, linked to the order and the visit, with its deadline."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    now = timezone.now()
    case = FollowupCase.objects.create(
        number=next_number("FUC"),
        order=order,
        visit=visit,
        problem=problem,
        owner=owner,
        due_at=calendar.deadline(now, case_days(), "working_days", _calendar(order, now)),
        created_by=actor,
        updated_by=actor,
    )
    record(case, "followup.case.opened", actor=actor, note=problem[:200])
    number, order_number = case.number, order.number
    due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
    notify(
        [owner],
        topic=Topic.FOLLOWUP_CASE,
        title=lambda: (
            _("Follow-up case %(number)s for you (%(order)s)")
            % {"number": number, "order": order_number}
        ),
        body=lambda: (
            _(
                "The customer of order %(order)s is not satisfied: %(problem)s. "
                "Resolve the case by %(due)s."
            )
            % {"order": order_number, "problem": problem[:200], "due": due}
        ),
        url=reverse("followup:case_detail", args=[case.pk]),
    )
    return case


def _close_order_if_allowed(actor, order_id: int) -> None:
    """FUP-1: the visit is final, so a completed order closes now — through the order's own
    close action (its rights, guards and audit)."""
    from aftersales.service import services

    order = ServiceOrder.objects.get(pk=order_id)
    if order.status == Status.COMPLETED and actor.has_perm(CLOSE_ORDERS):
        services.close_order(actor=actor, order=order)


# --- follow-up cases (FUP-5) -----------------------------------------------------------------


def _lock_open_case(actor, case: FollowupCase) -> FollowupCase:
    locked = FollowupCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ServiceError(_("Case %(number)s is already resolved.") % {"number": locked.number})
    return locked


def resolve_case(*, actor, case: FollowupCase, resolution: str) -> FollowupCase:
    """FUP-5, SEC-5: the owner (or a holder of the right to resolve any case) records what
    was done for the customer; who and when are kept."""
    if not may_resolve(actor, case):
        raise PermissionDenied(
            _("Only the case's owner or someone with the right “%(perm)s” may resolve it.")
            % {"perm": RESOLVE_CASES}
        )
    resolution = (resolution or "").strip() if isinstance(resolution, str) else ""
    if not resolution:
        raise ServiceError({"resolution": _("Write what was done for the customer.")})
    if len(resolution) > TEXT_LIMIT:
        raise ServiceError(
            {"resolution": _("At most %(limit)d characters, please.") % {"limit": TEXT_LIMIT}}
        )
    with transaction.atomic():
        locked = _lock_open_case(actor, case)
        before = snapshot(locked)
        locked.status = CaseStatus.RESOLVED
        locked.resolution = resolution
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.updated_by = actor
        locked.save()
        record(locked, "followup.case.resolved", actor=actor, before=before, note=resolution)
    return locked


def reassign_case(*, actor, case: FollowupCase, owner, reason: str = "") -> FollowupCase:
    """FUP-5: a holder of the right to resolve any case hands an open case to another
    owner (who is told); the deadline stays."""
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    require_perm(actor, RESOLVE_CASES)
    if not _reaches(actor, case.order_id):
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    errors: dict[str, str] = {}
    _check_owner(owner, case.order, errors)
    if owner is not None and owner.pk == case.owner_id:
        errors["case_owner"] = _("%(person)s already owns this case.") % {"person": owner}
    if len(reason) > NOTE_LIMIT:
        errors["reason"] = _("At most %(limit)d characters, please.") % {"limit": NOTE_LIMIT}
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        locked = _lock_open_case(actor, case)
        before = snapshot(locked)
        locked.owner = owner
        locked.updated_by = actor
        locked.save(update_fields=["owner", "updated_by", "updated_at"])
        record(locked, "followup.case.reassigned", actor=actor, before=before, note=reason)
        number = locked.number
        notify(
            [owner],
            topic=Topic.FOLLOWUP_CASE,
            title=lambda: _("Follow-up case %(number)s for you") % {"number": number},
            body=lambda: reason,
            url=reverse("followup:case_detail", args=[locked.pk]),
        )
    return locked
