"""The sales lead's states and the one table of transitions between them (SVC-9).

new → contacted (sales took it up) → won (commission and information fee) / lost (reason);
a new lead nobody can use may be marked lost at once. Every status change goes through
``require`` with the action's name; each action has one service in services.py. A test
walks every (state, action) cell.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from aftersales.core.exceptions import ServiceError
from aftersales.leads.models import Lead, LeadStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: str


def _t(action, sources, target, permission) -> Transition:
    return Transition(action, frozenset(sources), target, permission)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("contact", [LeadStatus.NEW], LeadStatus.CONTACTED, "leads.work_lead"),
        _t("win", [LeadStatus.CONTACTED], LeadStatus.WON, "leads.work_lead"),
        _t("lose", [LeadStatus.NEW, LeadStatus.CONTACTED], LeadStatus.LOST, "leads.work_lead"),
    ]
}


def allowed(lead: Lead, action: str, actor) -> bool:
    try:
        require(lead, action, actor)
    except (PermissionDenied, ServiceError):
        return False
    return True


def actions_for(lead: Lead, actor) -> list[str]:
    """The actions this person may take on the lead now (for buttons and the API)."""
    return [name for name in TRANSITIONS if allowed(lead, name, actor)]


def require(lead: Lead, action: str, actor) -> Transition:
    """The transition, or PermissionDenied (no right) / ServiceError (wrong state)."""
    transition = TRANSITIONS[action]
    if actor is not None:
        require_actor(lead, action, actor)
    if lead.status not in transition.sources:
        raise ServiceError(
            _("A lead that is “%(status)s” cannot be “%(action)s”.")
            % {"status": lead.get_status_display(), "action": action_label(action)}
        )
    return transition


def require_actor(lead: Lead, action: str, actor) -> None:
    """PermissionDenied unless actor holds the action's right (state and reach aside)."""
    transition = TRANSITIONS[action]
    if not actor.has_perm(transition.permission):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": transition.permission}
        )


ACTION_LABELS = {
    "contact": pgettext_lazy("lead action", "taken up"),
    "win": pgettext_lazy("lead action", "marked as won"),
    "lose": pgettext_lazy("lead action", "marked as lost"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS[action])
