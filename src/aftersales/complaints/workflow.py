"""The complaint's states and the one table of actions on them (CMP-1…CMP-5, FUP-4).

register → registered (or straight to resolved when resolved on the spot, CMP-1)
registered / investigating / dispute → investigate → investigating
registered / investigating → refer → dispute (CMP-5: the complaint specialist team)
open → resolve → resolved;  resolved → close → closed;  resolved / closed → reopen
open → assign (another owner), report (to the company, CMP-1), reply (written reply,
CMP-4) — the status stays; reply is allowed on a resolved complaint too.

Who may act (decided here, used by pages, API and services alike):

* HANDLER — the complaint's owner; anyone holding ``complaints.handle_complaint`` whose
  reach (ORG-3) covers the complaint; market supervision (``supervise_complaint``) anywhere.
* MANAGER (assign) — holders of ``handle_complaint`` within reach, and supervisors: an owner
  without handle rights cannot hand the complaint on by themself.
* CLOSER (close, reopen) — holders of ``complaints.close_complaint`` (market supervision,
  the company manager, the complaint specialists), or the owner when they hold
  ``handle_complaint``. A technician or salesperson never closes a complaint.

Close has a guard (CMP-4, FUP-4): a complaint whose class requires a written reply, or
that is severe, closes only once a written reply (顾客来函处理回复单) exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from aftersales.complaints.models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintStatus,
    Severity,
)
from aftersales.core.exceptions import ServiceError

VIEW = "complaints.view_complaint"
ADD = "complaints.add_complaint"
HANDLE = "complaints.handle_complaint"
SUPERVISE = "complaints.supervise_complaint"
CLOSE = "complaints.close_complaint"
VIEW_VIOLATIONS = "complaints.view_violation"

HANDLER = "handler"
MANAGER = "manager"
CLOSER = "closer"

S = ComplaintStatus
OPEN = list(OPEN_COMPLAINT_STATUSES)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays
    who: str
    guard: Callable[[Complaint], str] | None = None


def needs_written_reply(complaint: Complaint) -> bool:
    """CMP-4, FUP-4: the class asks for a written reply, or the complaint is severe."""
    return bool(
        complaint.complaint_class.written_reply_required or complaint.severity == Severity.SEVERE
    )


def _reply_before_closing(complaint: Complaint) -> str:
    if needs_written_reply(complaint) and not complaint.replies.exists():
        return _(
            "Complaint %(number)s needs a written reply to the customer (顾客来函处理回复单) "
            "before it closes (CMP-4, FUP-4): add the reply first."
        ) % {"number": complaint.number}
    return ""


def _not_reported(complaint: Complaint) -> str:
    if complaint.reported_at is not None:
        return _("This complaint was already reported to the company.")
    return ""


def _t(action, sources, target, who, guard=None) -> Transition:
    return Transition(action, frozenset(sources), target, who, guard)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("assign", OPEN, None, MANAGER),
        _t("report", OPEN, None, HANDLER, _not_reported),
        _t("investigate", OPEN, S.INVESTIGATING, HANDLER),
        _t("refer", [S.REGISTERED, S.INVESTIGATING], S.DISPUTE, HANDLER),
        _t("resolve", OPEN, S.RESOLVED, HANDLER),
        _t("reply", [*OPEN, S.RESOLVED], None, HANDLER),
        _t("close", [S.RESOLVED], S.CLOSED, CLOSER, _reply_before_closing),
        _t("reopen", [S.RESOLVED, S.CLOSED], S.INVESTIGATING, CLOSER),
    ]
}

ACTION_LABELS = {
    "register": pgettext_lazy("complaint action", "registered"),
    "assign": pgettext_lazy("complaint action", "given to another owner"),
    "report": pgettext_lazy("complaint action", "reported to the company"),
    "investigate": pgettext_lazy("complaint action", "investigated"),
    "refer": pgettext_lazy("complaint action", "referred to the complaint specialists"),
    "resolve": pgettext_lazy("complaint action", "resolved"),
    "reply": pgettext_lazy("complaint action", "answered in writing"),
    "close": pgettext_lazy("complaint action", "closed"),
    "reopen": pgettext_lazy("complaint action", "reopened"),
    "late": pgettext_lazy("complaint action", "violation recorded (CMP-2)"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def in_reach(actor, complaint: Complaint) -> bool:
    from aftersales.complaints.services import visible_complaints

    return visible_complaints(actor).filter(pk=complaint.pk).exists()


def require_actor(complaint: Complaint, action: str, actor) -> None:
    """PermissionDenied unless actor may take the action on this complaint (state aside)."""
    who = TRANSITIONS[action].who
    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        raise PermissionDenied(_("Sign in first."))
    if actor.has_perm(SUPERVISE) and who != CLOSER:
        return
    owner = complaint.owner_id == actor.pk
    if who == CLOSER:
        if actor.has_perm(CLOSE) or (owner and actor.has_perm(HANDLE)):
            return
        raise PermissionDenied(
            _(
                "Only the complaint's owner with the right to handle complaints, or someone "
                "with the right “%(perm)s”, may do this."
            )
            % {"perm": CLOSE}
        )
    if who == HANDLER and owner and actor.has_perm(VIEW):
        return
    if not actor.has_perm(HANDLE):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": HANDLE}
        )
    if not in_reach(actor, complaint):
        raise PermissionDenied(
            _("This complaint belongs to another organisation unit outside your reach.")
        )


def require(complaint: Complaint, action: str, actor) -> Transition:
    """The transition, or PermissionDenied (no right) / ServiceError (wrong state, guard)."""
    transition = TRANSITIONS[action]
    if actor is not None:
        require_actor(complaint, action, actor)
    if complaint.status not in transition.sources:
        raise ServiceError(
            _("A complaint that is “%(status)s” cannot be %(action)s.")
            % {"status": complaint.get_status_display(), "action": action_label(action)}
        )
    refusal = transition.guard(complaint) if transition.guard else ""
    if refusal:
        raise ServiceError(refusal)
    return transition


def allowed(complaint: Complaint, action: str, actor) -> bool:
    try:
        require(complaint, action, actor)
    except (PermissionDenied, ServiceError):
        return False
    return True


def may(complaint: Complaint, action: str, actor) -> bool:
    """The person's right to the action whatever the state (e.g. to show a refused close)."""
    try:
        require_actor(complaint, action, actor)
    except PermissionDenied:
        return False
    return complaint.status in TRANSITIONS[action].sources


def actions_for(complaint: Complaint, actor) -> list[str]:
    """The actions this person may take now (buttons and the API)."""
    return [name for name in TRANSITIONS if allowed(complaint, name, actor)]
