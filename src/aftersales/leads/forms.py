"""Forms of the lead pages. They parse input only; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm
from aftersales.leads.selectors import salespeople_for
from aftersales.leads.services import info_fee_rate


class SalespersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.org_unit}" if obj.org_unit_id else str(obj)


class LeadForm(StyledForm):
    """SVC-9: what the customer wants to buy, as the technician heard it."""

    product_interest = forms.CharField(
        label=_("What the customer wants"),
        max_length=200,
        help_text=_(
            "For example: a second unit for the new building, an upgrade to a larger model."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who to talk to, when, budget — anything that helps sales."),
    )


class ActionForm(StyledForm):
    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, **kwargs)


class ContactForm(ActionForm):
    salesperson = SalespersonChoiceField(
        label=_("Salesperson"),
        queryset=None,
        required=False,
        help_text=_("Who works the lead. Empty: you."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, lead=lead, **kwargs)
        self.fields["salesperson"].queryset = salespeople_for(lead)


class WinForm(ActionForm):
    commission = forms.DecimalField(
        label=_("Sales commission (yuan)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, lead=lead, **kwargs)
        rate = info_fee_rate() * 100
        self.fields["commission"].help_text = _(
            "The reporter's information fee is %(rate)s %% of it, to the cent."
        ) % {"rate": f"{rate.normalize():f}"}


class LoseForm(ActionForm):
    reason = forms.CharField(
        label=_("Why it was lost"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
