"""The charges card of the service order page (FEE-1, FEE-2): the charge sheet, labour,
the quotation's state and the payments part (brief C's ``_money_card.html``), as one
inclusion tag so the order page needs only ``{% charges_card order %}``."""

from importlib import import_module

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from aftersales.charges import quotes
from aftersales.charges.quote_forms import LabourForm
from aftersales.service import workflow
from aftersales.service.models import Status

register = template.Library()
MONEY_TEMPLATE = "charges/_money_card.html"


def _money_template() -> str:
    """The payments part's template if it is installed yet, else "" (nothing included)."""
    try:
        get_template(MONEY_TEMPLATE)
    except TemplateDoesNotExist:
        return ""
    return MONEY_TEMPLATE


def _money_context(order, user) -> dict:
    try:
        module = import_module("aftersales.charges.money")
    except ImportError:
        return {}
    card_context = getattr(module, "card_context", None)
    return card_context(order, user) if card_context else {}


@register.inclusion_tag("charges/_card.html", takes_context=True)
def charges_card(context, order):
    """The order's charge sheet (parts with their PRT-1 rule, labour, totals, deposits
    apart, paid, outstanding), the add-labour form for the technician or dispatch while
    the order is worked, and where the quotation stands. A fixed number of queries,
    whatever the number of lines.

    A refused labour or quotation comes back through ``request.charges_card_failed``
    (set by the quotation views when they show the order page again with status 400)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(quotes.VIEW_QUOTATIONS):
        return {"show": False}
    failed = getattr(request, "charges_card_failed", None) or {}
    quotations = quotes.order_quotations(order)
    found = quotes.quotation_state(order, quotations=quotations)
    sheet = found["sheet"]
    worked = order.status in quotes.REQUEST_STATUSES
    can_labour = worked and quotes.may_work_charges(user, order)
    labour_form = failed.get("labour_form")
    if labour_form is None and can_labour:
        from aftersales.charges.quote_views import labour_rates

        labour_form = LabourForm(rates=labour_rates(order), auto_id="id_labour_%s")
    cancellable = {line.id for line in sheet.labour} if can_labour else set()
    # Why "complete" is not offered: said here, where the quotation is made and accepted.
    blocked = ""
    if order.status in workflow.TRANSITIONS["complete"].sources:
        blocked = quotes.refusal(found)
    result = {
        "show": True,
        "order": order,
        "sheet": sheet,
        "state": found["state"],
        "quotation": found["quotation"],
        "quotations": quotations,
        "labour_form": labour_form,
        "labour_failed": "labour_form" in failed,
        "labour_errors": failed.get("errors") if failed.get("labour") else None,
        "failed_labour": failed.get("labour"),
        # A refused cancel of a line no longer listed (cancelled meanwhile): said at the top.
        "quotation_errors": failed.get("quotation_errors")
        or (
            failed.get("errors")
            if failed.get("labour") and failed["labour"] not in {line.id for line in sheet.labour}
            else None
        ),
        "cancellable": cancellable,
        "can_quote": worked
        and user.has_perm(quotes.ADD_QUOTATIONS)
        and sheet.total > 0
        and found["state"] not in ("pending", "accepted"),
        "blocked": blocked,
        "completed": order.status in (Status.COMPLETED, Status.CLOSED),
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "money_template": _money_template(),
    }
    result.update(_money_context(order, user))
    return result
