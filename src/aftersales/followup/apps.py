from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "aftersales.followup"
    verbose_name = _("Return visits and surveys")

    def ready(self):
        # FUP-1, FUP-2: a completed order gets its return visit and its survey; it closes
        # only when the visit is done or closed as unreachable.
        from aftersales.followup import surveys, visits
        from aftersales.service import workflow

        workflow.add_after("complete", visits.on_order_completed)
        workflow.add_after("complete", surveys.on_order_completed)
        workflow.add_guard("close", visits.visit_pending, many=visits.visit_pending_many)
