"""The field-work card of the order page (SVC-3, SVC-5), as one inclusion tag so the
service app's order page needs only ``{% fieldwork_card order %}``."""

from django import template

from aftersales.fieldwork import services
from aftersales.fieldwork.models import FIELD_PLAN_MODES, SiteVisit, TakeBack, VisitCheck
from aftersales.service import order_page
from aftersales.service.models import PlanMode
from aftersales.service.order_page import may_have

register = template.Library()


@register.inclusion_tag("fieldwork/_card.html", takes_context=True)
def fieldwork_card(context, order):
    """The checklist, the visits and the hand-overs of the order, with the buttons the
    person may use now. Four queries whatever their number."""
    request = context.get("request")
    user = getattr(request, "user", None)
    # A list the order page knows to be empty costs no query (issue 7).
    visits = order_page.rows(
        order,
        "site_visits",
        SiteVisit.objects.filter(order=order)
        .select_related("technician")
        .order_by("-checked_in_at", "-pk"),
    )
    take_backs = order_page.rows(
        order,
        "take_backs",
        TakeBack.objects.filter(order=order)
        .select_related("technician")
        .order_by("-taken_at", "-pk"),
    )
    field_plan = order.plan_mode in FIELD_PLAN_MODES
    shown = field_plan or bool(visits) or bool(take_backs)
    ticks = {}
    items = []
    if field_plan:
        if may_have(order, "visit_checks"):
            ticks = {
                check.item_id: check
                for check in VisitCheck.objects.filter(order=order).select_related("ticked_by")
            }
        items = [
            {"item": item, "tick": ticks.get(item.pk)} for item in services.checklist_for(order)
        ]
    can_act = bool(shown and user is not None and services.may_act(user, order))
    open_visit = next((v for v in visits if v.is_open), None)
    return {
        "shown": shown,
        "order": order,
        "csrf_token": context.get("csrf_token"),
        "items": items,
        "untick_count": sum(1 for row in items if row["tick"] is None),
        "ticked_count": sum(1 for row in items if row["tick"] is not None),
        "missing": [row["item"] for row in items if row["item"].required and row["tick"] is None],
        "visits": visits,
        "open_visit": open_visit,
        "take_backs": take_backs,
        "can_tick": can_act and order.status in services.CHECKLIST_STATUSES,
        "can_check_in": can_act
        and open_visit is None
        and order.plan_mode == PlanMode.ON_SITE
        and order.status in services.CHECK_IN_STATUSES,
        "can_check_out": can_act and open_visit is not None,
        "can_take_back": can_act and field_plan and order.status in services.TAKE_BACK_STATUSES,
        "can_return": can_act,
    }
