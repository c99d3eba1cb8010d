"""Every write on a sales lead (SVC-9): recording it and one function per transition.

Each runs in one transaction, checks the right, reach (ORG-3) and state, writes the audit
row (SEC-1) and returns the changed lead; a refusal writes nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.reach import reach_of
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.leads import workflow
from aftersales.leads.models import Lead
from aftersales.service.models import ServiceOrder

DEFAULT_INFO_FEE_RATE = Decimal("0.05")
CENT = Decimal("0.01")
RATE_STEP = Decimal("0.0001")
# DecimalField(max_digits=12, decimal_places=2): ten digits before the point.
MAX_AMOUNT = Decimal("9999999999.99")
PRODUCT_INTEREST_MAX = 200
TEXT_MAX = 2000


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def _require_reach(actor, lead: Lead) -> None:
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        raise PermissionDenied(
            _("This lead belongs to another organisation unit outside your reach.")
        )


# --- the information fee ------------------------------------------------------------------


def info_fee_rate() -> Decimal:
    """The rate in force: the setting AFTERSALES_LEAD_INFO_FEE_RATE (default 0.05 = 5 %).

    Read when used, not at import, so a changed setting applies to the next lead won.
    """
    raw = getattr(settings, "AFTERSALES_LEAD_INFO_FEE_RATE", DEFAULT_INFO_FEE_RATE)
    try:
        rate = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ImproperlyConfigured("AFTERSALES_LEAD_INFO_FEE_RATE is not a number.") from exc
    if not rate.is_finite() or not 0 <= rate <= 1 or rate.quantize(RATE_STEP) != rate:
        raise ImproperlyConfigured(
            "AFTERSALES_LEAD_INFO_FEE_RATE must be between 0 and 1 with at most 4 decimals."
        )
    return rate


def compute_info_fee(commission: Decimal, rate: Decimal) -> Decimal:
    """SVC-9: the reporter's information fee, to the cent, halves rounded up."""
    return (commission * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value) -> Decimal:
    """A positive amount in yuan with at most two decimals, or ServiceError on ``commission``.

    Accepts a Decimal, an int or a string ("2000", "1234.57"); refuses floats, booleans,
    text, NaN, infinity, zero, negatives, fractions of a cent and amounts too large to keep.
    """
    error = ServiceError({"commission": _("Enter the commission in yuan, for example 2000.00.")})
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise error
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise error from exc
    if not amount.is_finite():
        raise error
    if amount <= 0:
        raise ServiceError({"commission": _("The commission must be more than zero.")})
    if amount > MAX_AMOUNT:
        raise ServiceError({"commission": _("The commission is too large.")})
    if amount.quantize(CENT) != amount:
        raise ServiceError({"commission": _("The commission has at most two decimals (fen).")})
    return amount.quantize(CENT)


# --- recording a lead ----------------------------------------------------------------------


def can_record(actor, order: ServiceOrder) -> bool:
    """Whether actor may record a lead on the order: with the right, on an order that is
    theirs (its technician) or within their reach."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm("leads.add_lead")):
        return False
    if order.technician_id == actor.pk:
        return True
    return ServiceOrder.objects.visible_to(actor).filter(pk=order.pk).exists()


def record_lead(*, actor, order: ServiceOrder, product_interest: str, note: str = "") -> Lead:
    """SVC-9: a technician records a customer's purchase intent heard on the order.

    The lead belongs to the order's customer and handling unit (whose sales see it);
    the actor is its reporter, who earns the information fee if it is won.
    """
    _require(actor, "leads.add_lead")
    if not can_record(actor, order):
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )
    product_interest = (product_interest or "").strip()
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if not product_interest:
        errors["product_interest"] = _("Say what the customer wants to buy.")
    elif len(product_interest) > PRODUCT_INTEREST_MAX:
        errors["product_interest"] = _("At most %(limit)d characters, please.") % {
            "limit": PRODUCT_INTEREST_MAX
        }
    if len(note) > TEXT_MAX:
        errors["note"] = _("At most %(limit)d characters, please.") % {"limit": TEXT_MAX}
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        order = ServiceOrder.objects.get(pk=order.pk)
        lead = Lead(
            number=next_number("SL"),
            order=order,
            customer_id=order.customer_id,
            org_unit_id=order.org_unit_id,
            reporter=actor,
            product_interest=product_interest,
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        lead.full_clean()
        lead.save()
        record(lead, "leads.lead.recorded", actor=actor, note=order.number)
        _tell_sales(lead)
    return lead


def _tell_sales(lead: Lead) -> None:
    """SVC-9: the people who work leads in the order's unit hear of the new one."""
    from aftersales.accounts.models import User
    from aftersales.notifications.models import Topic
    from aftersales.notifications.services import notify

    sales = User.objects.filter(is_active=True, org_unit_id=lead.org_unit_id).with_permission(
        "leads.work_lead"
    )
    params = {
        "lead": lead.number,
        "customer": lead.customer.name,
        "interest": lead.product_interest[:200],
    }
    notify(
        sales.exclude(pk=lead.reporter_id),
        topic=Topic.LEAD_RECORDED,
        title=lambda: _("New sales lead %(lead)s: %(customer)s") % params,
        body=lambda: _("%(customer)s wants: %(interest)s") % params,
        url=lead.get_absolute_url(),
    )


# --- the transitions -----------------------------------------------------------------------


def _transition(lead: Lead, action: str, *, actor, changes: dict, note: str = "") -> Lead:
    """Apply one workflow transition under a row lock; refuses a stale state."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        _require_reach(actor, locked)
        transition = workflow.require(locked, action, actor)
        before = snapshot(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.status = transition.target
        locked.updated_by = actor
        locked.full_clean()
        locked.save()
        record(locked, f"leads.lead.{action}", actor=actor, before=before, note=note)
    return locked


def _salesperson_errors(lead: Lead, salesperson) -> dict[str, str]:
    if salesperson is None or not salesperson.is_active:
        return {"salesperson": _("Choose an active salesperson.")}
    if not salesperson.has_perm("leads.work_lead"):
        return {"salesperson": _("This person does not work sales leads.")}
    reach = reach_of(salesperson)
    if not (reach.everything or lead.org_unit_id in reach.unit_ids):
        return {"salesperson": _("This salesperson works for another unit.")}
    return {}


def contact_lead(*, actor, lead: Lead, salesperson=None, note: str = "") -> Lead:
    """Sales takes the lead up: the salesperson (default: the actor) contacts the customer."""
    workflow.require_actor(lead, "contact", actor)
    _require_reach(actor, lead)
    salesperson = salesperson or actor
    errors = _salesperson_errors(lead, salesperson)
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        errors["note"] = _("At most %(limit)d characters, please.") % {"limit": TEXT_MAX}
    if errors:
        raise ServiceError(errors)
    changes = {"salesperson": salesperson, "contacted_at": timezone.now()}
    return _transition(lead, "contact", actor=actor, changes=changes, note=note)


def win_lead(*, actor, lead: Lead, commission) -> Lead:
    """SVC-9: the sale is closed. The reporter's information fee is the commission times
    the rate in force (5 % by default), to the cent; the rate used is kept on the lead."""
    workflow.require_actor(lead, "win", actor)
    _require_reach(actor, lead)
    amount = parse_amount(commission)
    rate = info_fee_rate()
    changes = {
        "commission": amount,
        "info_fee_rate": rate,
        "info_fee": compute_info_fee(amount, rate),
        "won_at": timezone.now(),
    }
    note = _("commission %(amount)s, information fee %(fee)s") % {
        "amount": amount,
        "fee": changes["info_fee"],
    }
    return _transition(lead, "win", actor=actor, changes=changes, note=note)


def lose_lead(*, actor, lead: Lead, reason: str) -> Lead:
    """The customer did not buy (or the lead was no good); the reason is kept."""
    workflow.require_actor(lead, "lose", actor)
    _require_reach(actor, lead)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": _("Say why the lead was lost.")})
    if len(reason) > TEXT_MAX:
        raise ServiceError(
            {"reason": _("At most %(limit)d characters, please.") % {"limit": TEXT_MAX}}
        )
    changes = {"lost_reason": reason, "lost_at": timezone.now()}
    return _transition(lead, "lose", actor=actor, changes=changes, note=reason)


# One service per transition; pages and API call them through perform() with the fields
# of their own form or serializer, named like the service's arguments.
TRANSITION_SERVICES = {
    "contact": contact_lead,
    "win": win_lead,
    "lose": lose_lead,
}
assert set(TRANSITION_SERVICES) == set(workflow.TRANSITIONS), "one service per transition"


def perform(action: str, *, actor, lead: Lead, **fields) -> Lead:
    """Run the service of a workflow action with the given fields."""
    return TRANSITION_SERVICES[action](actor=actor, lead=lead, **fields)
