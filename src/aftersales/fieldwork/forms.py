"""Forms of the field-work pages. They parse input only; the services check the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.dataurl import decode_image_text
from aftersales.core.forms import StyledForm


def _signature(form, name: str):
    try:
        return decode_image_text(form.cleaned_data.get(name))
    except ValueError as exc:
        raise forms.ValidationError(_("The signature could not be read; sign again.")) from exc


class CheckInForm(StyledForm):
    """SVC-3: the arrival; the phone fills the position when the person allows it."""

    latitude = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class CheckOutForm(StyledForm):
    note = forms.CharField(
        label=_("Visit note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was found and done on site, or why it could not be finished."),
    )


class TakeBackForm(StyledForm):
    """SVC-3: the hand-over form, signed by the technician and by the customer."""

    items = forms.CharField(
        label=_("Parts / products taken"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    serial_numbers = forms.CharField(label=_("Serial numbers"), max_length=300, required=False)
    condition = forms.CharField(
        label=_("Condition and accessories"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Scratches, missing parts, and what goes with it (cables, remote, box …)."),
    )
    promised_return_on = forms.DateField(
        label=_("Promised back by"),
        widget=forms.DateInput(),
        help_text=_("The completion date promised to the customer."),
    )
    technician_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    customer_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Customer signer's name"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promised_return_on"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_technician_signature(self):
        return _signature(self, "technician_signature")

    def clean_customer_signature(self):
        return _signature(self, "customer_signature")


class ReturnForm(StyledForm):
    """SVC-3: the part or product goes back to the customer, who signs for it."""

    note = forms.CharField(
        label=_("Return note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was repaired; installed and tested with the customer."),
    )
    customer_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Customer signer's name"), max_length=100)

    def clean_customer_signature(self):
        return _signature(self, "customer_signature")
