from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChargesConfig(AppConfig):
    name = "aftersales.charges"
    verbose_name = _("Charges, quotations and payments")

    def ready(self):
        # FEE-2: paid work is completed only with the customer's accepted, current quotation.
        from aftersales.charges import money, quotes  # noqa: F401  (money registers its jobs)
        from aftersales.service import workflow

        workflow.add_guard("complete", quotes.acceptance_needed, many=quotes.acceptance_needed_many)
