from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargesConfig(AppConfig):
    name = "aftersales.charges"
    verbose_name = _("Charges, quotations and payments")
