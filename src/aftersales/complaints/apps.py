from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    verbose_name = _("Complaints")

    def ready(self):
        # CMP-2: the "complaints.late" sweep registers itself on import.
        from aftersales.complaints import tasks  # noqa: F401
