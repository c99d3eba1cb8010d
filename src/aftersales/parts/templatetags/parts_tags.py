"""The parts card of the service order page (PRT-1, PRT-2, PRT-3, PRT-4, PRT-7), as one
inclusion tag so the service app's order page needs only ``{% parts_card order %}``."""

from django import template
from django.utils import timezone

from aftersales.parts import services
from aftersales.parts.line_forms import PartRequestForm
from aftersales.parts.models import LineStatus, PartLine, Shipment
from aftersales.service import order_page
from aftersales.service.order_page import may_have

register = template.Library()


@register.inclusion_tag("parts/lines/_card.html", takes_context=True)
def parts_card(context, order):
    """The order's parts lines with their charge, status, slip and old part; the request
    form for the technician (or dispatch) while the order is worked; "used" on issued
    lines. One query for the lines whatever their number.

    A refused request or "used" comes back through ``request.parts_card_failed`` (set by
    the parts views when they show the order page again with status 400)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("parts.view_partline"):
        return {"show": False}
    # A list the order page knows to be empty costs no query (issue 7).
    lines = order_page.rows(
        order,
        "part_lines",
        PartLine.objects.filter(order=order).select_related("part", "slip").order_by("pk"),
    )
    failed = getattr(request, "parts_card_failed", None) or {}
    can_request = order.status in services.REQUEST_STATUSES and services.may_request(user, order)
    # A refused request is shown with its errors even if requests are closed meanwhile.
    form = failed.get("form")
    if form is None and can_request:
        form = PartRequestForm(auto_id="id_part_%s")
    acts_for_order = order.technician_id == user.pk or user.has_perm(
        "service.dispatch_serviceorder"
    )
    for line in lines:
        line.can_use = acts_for_order and line.status == LineStatus.ISSUED
        # PRT-1 f, FEE-4: only the order's own technician takes a receivable on.
        line.can_agree_unpaid = (
            order.technician_id == user.pk
            and line.status == LineStatus.REQUESTED
            and not line.credit_approved_by_id
            and services.needs_credit_agreement(line)
        )
        line.errors = failed.get("errors") if failed.get("line") == line.pk else None
    statuses = {line.status for line in lines}
    # PRT-4: the order's parcels (one query); PRT-7: asking purchasing about a part.
    shipments = []
    if user.has_perm("parts.view_shipment") and may_have(order, "shipments"):
        shipments = list(Shipment.objects.filter(order=order).order_by("-created_at", "-pk"))
    return {
        "show": bool(lines) or form is not None,
        "order": order,
        "lines": lines,
        "form": form,
        "form_failed": "form" in failed,
        "csrf_token": context.get("csrf_token"),
        "now": timezone.now(),
        "to_sign": LineStatus.REQUESTED in statuses and user.has_perm("parts.sign_partline"),
        "to_issue": LineStatus.SIGNED in statuses and user.has_perm("parts.issue_partline"),
        "to_receive": bool(statuses & {LineStatus.ISSUED, LineStatus.USED})
        and user.has_perm("parts.issue_partline"),
        "shipments": shipments,
        "can_ship": bool(statuses & {LineStatus.ISSUED, LineStatus.USED})
        and user.has_perm("parts.add_shipment"),
        "can_ask": user.has_perm("parts.add_purchaseinquiry"),
    }
