from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftersales.parts"
    verbose_name = _("Spare parts and the warehouse")

    def ready(self):
        from aftersales.parts import jobs  # noqa: F401  (registers the scheduled reports)
