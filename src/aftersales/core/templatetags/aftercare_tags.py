"""The "after the service" card of the order page: the order's return visit and follow-up
cases (FUP-1, FUP-5), its survey (FUP-2), complaints about it (CMP-3) and exchange forms
(EXC-1) — each part shown only to those who may see it, each a link to its own page."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _survey_state(survey) -> str:
    from aftersales.followup import surveys

    return _(surveys.STATE_LABELS[surveys.survey_state(survey)])


@register.inclusion_tag("core/_aftercare_card.html", takes_context=True)
def aftercare_card(context, order):
    user = context["request"].user
    parts: dict = {"order": order}
    if user.has_perm("followup.view_returnvisit"):
        parts["visits"] = list(order.return_visits.order_by("-pk")[:3])
    if user.has_perm("followup.view_followupcase"):
        parts["cases"] = list(order.followup_cases.select_related("owner").order_by("-pk"))
    if user.has_perm("followup.view_survey"):
        survey = order.surveys.order_by("-pk").first()
        if survey is not None:
            parts["survey"] = survey
            parts["survey_state"] = _survey_state(survey)
    if user.has_perm("complaints.view_complaint"):
        parts["complaints"] = list(order.complaints.order_by("-received_at"))
    if user.has_perm("exchanges.view_exchangerequest"):
        parts["exchanges"] = list(order.exchange_requests.order_by("-pk"))
    parts["show"] = any(
        parts.get(k) for k in ("visits", "cases", "survey", "complaints", "exchanges")
    )
    return parts
