"""The sales-lead card on the service order page (SVC-9), and the fee rate as a percentage."""

from decimal import Decimal, InvalidOperation

from django import template

from aftersales.leads.forms import LeadForm
from aftersales.leads.models import Lead
from aftersales.leads.services import can_record
from aftersales.service import order_page

register = template.Library()


@register.inclusion_tag("leads/_order_card.html", takes_context=True)
def lead_card(context, order):
    """The leads recorded on the order that the person may read, and the form to record one
    for whoever may (the order's technician, or a person with the right who reaches it)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    # A list the order page knows to be empty costs no query (issue 7).
    leads = order_page.rows(
        order,
        "leads",
        Lead.objects.readable_by(user)
        .filter(order=order)
        .select_related("reporter")
        .order_by("created_at", "pk"),
    )
    can_add = can_record(user, order)
    return {
        "show": bool(leads) or can_add,
        "order": order,
        "leads": leads,
        "can_add": can_add,
        "form": LeadForm(auto_id="id_lead_%s") if can_add else None,
    }


@register.filter
def percent(rate) -> str:
    """0.05 → "5 %", 0.0525 → "5.25 %"."""
    try:
        value = (Decimal(str(rate)) * 100).normalize()
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return f"{value:f} %"
