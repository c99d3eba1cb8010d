from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftersales.service"
    label = "service"
    verbose_name = _("Service orders")

    def ready(self):
        from aftersales.core.periodic import periodic
        from aftersales.service import sla

        periodic("sla")(lambda now: sla.sweep(now))

        # Issue 7: the work queue's kept filter lists are dropped when what they show changes.
        from aftersales.service.filtersets import connect_choices_signals

        connect_choices_signals()

        # Issue 7: the per-process policy cache is dropped when a policy or a rule changes.
        from django.db.models.signals import post_delete, post_save

        from aftersales.service.models import SlaClockRule, SlaPolicy

        for model in (SlaPolicy, SlaClockRule):
            uid = f"aftersales.policies_changed.{model._meta.label_lower}"
            post_save.connect(sla.policies_changed, sender=model, dispatch_uid=uid + ".save")
            post_delete.connect(sla.policies_changed, sender=model, dispatch_uid=uid + ".delete")
