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
