"""The service order's states and the one table of transitions between them.

Every status change goes through ``require`` with the action's name; each action has
one service function in services.py. A test walks every (state, action) cell.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from aftersales.core.exceptions import ServiceError
from aftersales.service.models import OPEN_STATUSES, ServiceOrder, Status

# Who may act: holders of the permission; for "assigned" actions the order's own
# technician — or a dispatcher acting for them.
ANYONE_WITH_PERM = "perm"
ASSIGNED = "assigned"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (a reassignment)
    permission: str
    who: str = ANYONE_WITH_PERM
    # A condition on the order beyond its state: returns why not, or "" when allowed.
    guard: Callable[[ServiceOrder], str] | None = None


def _t(action, sources, target, permission, who=ANYONE_WITH_PERM, guard=None) -> Transition:
    return Transition(action, frozenset(sources), target, permission, who, guard)


def _handled_by_a_branch(order: ServiceOrder) -> str:
    from aftersales.accounts.models import OrgUnit

    if order.org_unit.kind in (OrgUnit.Kind.HQ, OrgUnit.Kind.DEPARTMENT):
        return _("The order is already handled by HQ.")
    return ""


def _flagged_as_duplicate(order: ServiceOrder) -> str:
    if order.duplicate_of_id is None:
        return _("Only an order flagged as a possible duplicate can be merged.")
    return ""


WORKING = [Status.DISPATCHED, Status.CONTACTED, Status.PLANNED, Status.IN_PROGRESS]
WAITING = [Status.WAITING_PARTS, Status.WAITING_CUSTOMER]

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("dispatch", [Status.RECEIVED], Status.DISPATCHED, "service.dispatch_serviceorder"),
        _t("reassign", [*WORKING, *WAITING], None, "service.dispatch_serviceorder"),
        _t(
            "contact",
            [Status.DISPATCHED],
            Status.CONTACTED,
            "service.handle_serviceorder",
            ASSIGNED,
        ),
        _t(
            "plan",
            [Status.CONTACTED, Status.PLANNED],
            Status.PLANNED,
            "service.handle_serviceorder",
            ASSIGNED,
        ),
        _t("start", [Status.PLANNED], Status.IN_PROGRESS, "service.handle_serviceorder", ASSIGNED),
        _t(
            "wait_parts",
            [Status.IN_PROGRESS],
            Status.WAITING_PARTS,
            "service.handle_serviceorder",
            ASSIGNED,
        ),
        _t(
            "wait_customer",
            [Status.IN_PROGRESS],
            Status.WAITING_CUSTOMER,
            "service.handle_serviceorder",
            ASSIGNED,
        ),
        _t("resume", WAITING, Status.IN_PROGRESS, "service.handle_serviceorder", ASSIGNED),
        _t(
            "complete",
            [Status.IN_PROGRESS],
            Status.COMPLETED,
            "service.handle_serviceorder",
            ASSIGNED,
        ),
        # ORG-4: a branch hands the order to HQ, which dispatches it again.
        _t(
            "escalate",
            [Status.RECEIVED, *WORKING, *WAITING],
            Status.RECEIVED,
            "service.dispatch_serviceorder",
            guard=_handled_by_a_branch,
        ),
        # REQ-9: a duplicate not yet worked on is merged into the open original.
        _t(
            "merge",
            [Status.RECEIVED, Status.DISPATCHED, Status.CONTACTED],
            Status.CANCELLED,
            "service.dispatch_serviceorder",
            guard=_flagged_as_duplicate,
        ),
        _t("close", [Status.COMPLETED], Status.CLOSED, "service.close_serviceorder"),
        _t("cancel", OPEN_STATUSES, Status.CANCELLED, "service.close_serviceorder"),
        _t(
            "reopen",
            [Status.COMPLETED, Status.CLOSED, Status.CANCELLED],
            Status.RECEIVED,
            "service.close_serviceorder",
        ),
    ]
}


def allowed(order: ServiceOrder, action: str, actor) -> bool:
    if not _state_allows(order, action, actor):
        return False  # checked without building the refusal's message
    return not any(guard(order) for guard in EXTRA_GUARDS.get(action, ()))


def actions_for(order: ServiceOrder, actor) -> list[str]:
    """The actions this person may take on the order now (for buttons and the API)."""
    return [name for name in TRANSITIONS if allowed(order, name, actor)]


class _RememberedRights:
    """The actor as ``_actor_may`` asks it, each right looked up once (issue 7): a page of
    orders asks the same few rights, and every ``has_perm`` goes through the backends."""

    def __init__(self, actor):
        self.actor, self.pk, self._rights = actor, actor.pk, {}

    def has_perm(self, perm: str) -> bool:
        if perm not in self._rights:
            self._rights[perm] = self.actor.has_perm(perm)
        return self._rights[perm]


def actions_for_many(orders, actor) -> dict[int, list[str]]:
    """``actions_for`` of a page of orders, by order id, in a constant number of queries:
    each other app's guard is asked once for all the orders it concerns (its ``many``
    form), not once per order."""
    orders = list(orders)
    asker = _RememberedRights(actor) if actor is not None else None
    possible = {o.pk: [n for n in TRANSITIONS if _state_allows(o, n, asker)] for o in orders}
    refused: set[tuple[str, int]] = set()
    for action, guards in EXTRA_GUARDS.items():
        concerned = [o for o in orders if action in possible[o.pk]]
        for guard in guards:
            many = GUARDS_MANY.get(guard)
            found = many(concerned) if many else {o.pk: guard(o) for o in concerned}
            refused.update((action, pk) for pk, text in found.items() if text)
    return {pk: [n for n in names if (n, pk) not in refused] for pk, names in possible.items()}


def _actor_may(order: ServiceOrder, action: str, actor) -> bool:
    """``require_actor`` as a yes or no (no message is built: list pages ask it often)."""
    transition = TRANSITIONS[action]
    if transition.who == ASSIGNED and actor.has_perm("service.dispatch_serviceorder"):
        return True
    if not actor.has_perm(transition.permission):
        return False
    return transition.who != ASSIGNED or order.technician_id == actor.pk


def _state_allows(order: ServiceOrder, action: str, actor) -> bool:
    """The state, the right and the transition's own guard — all but the other apps'."""
    transition = TRANSITIONS[action]
    if order.status not in transition.sources:
        return False
    if actor is not None and not _actor_may(order, action, actor):
        return False
    return not (transition.guard and transition.guard(order))


def _check(order: ServiceOrder, action: str, actor) -> tuple[Transition, str]:
    transition = TRANSITIONS[action]
    if actor is not None:
        require_actor(order, action, actor)
    if order.status not in transition.sources:
        raise ServiceError(
            _("An order that is “%(status)s” cannot be “%(action)s”.")
            % {"status": order.get_status_display(), "action": action_label(action)}
        )
    refusal = transition.guard(order) if transition.guard else ""
    if refusal:
        raise ServiceError(refusal)
    return transition


def require(order: ServiceOrder, action: str, actor) -> Transition:
    """The transition, or PermissionDenied (no right) / ServiceError (wrong state)."""
    transition = _check(order, action, actor)
    refusal = ""
    for guard in EXTRA_GUARDS.get(action, ()):
        refusal = refusal or guard(order)
    if refusal:
        raise ServiceError(refusal)
    return transition


# Conditions other apps put on an action (the charges app: paid work is completed only with
# the customer's accepted quotation, FEE-2). Each returns why not, or "".
# A guard may come with its ``many`` form — fn(orders) → {order id: why not or ""} in a
# constant number of queries — which list pages use (``actions_for_many``).
EXTRA_GUARDS: dict[str, list[Callable[[ServiceOrder], str]]] = {}
GUARDS_MANY: dict[Callable, Callable] = {}


def add_guard(
    action: str,
    guard: Callable[[ServiceOrder], str],
    many: Callable[[list[ServiceOrder]], dict[int, str]] | None = None,
) -> None:
    assert action in TRANSITIONS, action
    if guard not in EXTRA_GUARDS.setdefault(action, []):
        EXTRA_GUARDS[action].append(guard)
    if many is not None:
        GUARDS_MANY[guard] = many


# What other apps do once an action has happened, inside its transaction (the follow-up
# app: a completed order gets its return visit and survey, FUP-1, FUP-2). Each is called
# as fn(order, actor) with the changed, locked order.
AFTER_ACTIONS: dict[str, list[Callable]] = {}


def add_after(action: str, fn: Callable) -> None:
    assert action in TRANSITIONS, action
    if fn not in AFTER_ACTIONS.setdefault(action, []):
        AFTER_ACTIONS[action].append(fn)


def run_after(order: ServiceOrder, action: str, actor) -> None:
    for fn in AFTER_ACTIONS.get(action, ()):
        fn(order, actor)


def require_actor(order: ServiceOrder, action: str, actor) -> None:
    """PermissionDenied unless actor may take the action on this order (state aside)."""
    transition = TRANSITIONS[action]
    # A dispatcher (branch manager, agent) may act for the assigned technician.
    supervisor = actor.has_perm("service.dispatch_serviceorder")
    if transition.who == ASSIGNED and supervisor:
        return
    if not actor.has_perm(transition.permission):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": transition.permission}
        )
    if transition.who == ASSIGNED and order.technician_id != actor.pk:
        raise PermissionDenied(_("Only the technician assigned to this order may do this."))


ACTION_LABELS = {
    "dispatch": pgettext_lazy("order action", "dispatched"),
    "reassign": pgettext_lazy("order action", "reassigned"),
    "contact": pgettext_lazy("order action", "marked as contacted"),
    "plan": pgettext_lazy("order action", "given a plan"),
    "start": pgettext_lazy("order action", "started"),
    "wait_parts": pgettext_lazy("order action", "put on hold for parts"),
    "wait_customer": pgettext_lazy("order action", "put on hold for the customer"),
    "resume": pgettext_lazy("order action", "resumed"),
    "complete": pgettext_lazy("order action", "completed"),
    "escalate": pgettext_lazy("order action", "escalated to HQ"),
    "merge": pgettext_lazy("order action", "merged into another order"),
    "close": pgettext_lazy("order action", "closed"),
    "cancel": pgettext_lazy("order action", "cancelled"),
    "reopen": pgettext_lazy("order action", "reopened"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS[action])
