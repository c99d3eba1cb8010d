"""REST endpoints of return visits, follow-up cases and surveys."""

from aftersales.followup import survey_api, visit_api


def register(router) -> None:
    visit_api.register(router)
    survey_api.register(router)
