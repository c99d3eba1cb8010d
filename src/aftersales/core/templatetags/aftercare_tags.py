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
    from aftersales.service.order_page import may_have

    user = context["request"].user
    parts: dict = {"order": order}

    # A list the order page knows to be empty costs no query (issue 7).
    def may_see(perm: str, relation: str) -> bool:
        return user.has_perm(perm) and may_have(order, relation)

    if may_see("followup.view_returnvisit", "return_visits"):
        parts["visits"] = list(order.return_visits.order_by("-pk")[:3])
    if may_see("followup.view_followupcase", "followup_cases"):
        parts["cases"] = list(order.followup_cases.select_related("owner").order_by("-pk"))
    if may_see("followup.view_survey", "surveys"):
        survey = order.surveys.order_by("-pk").first()
        if survey is not None:
            parts["survey"] = survey
            parts["survey_state"] = _survey_state(survey)
    if may_see("complaints.view_complaint", "complaints"):
        parts["complaints"] = list(order.complaints.order_by("-received_at"))
    if may_see("exchanges.view_exchangerequest", "exchange_requests"):
        parts["exchanges"] = list(order.exchange_requests.order_by("-pk"))
    parts["show"] = any(
        parts.get(k) for k in ("visits", "cases", "survey", "complaints", "exchanges")
    )
    return parts
