"""Forms of the quotation pages (FEE-1, FEE-2). They parse input only; ``charges.quotes``
checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.charges.models import AcceptanceMethod, QuotationStatus
from aftersales.core.dataurl import decode_image_text
from aftersales.core.forms import StyledForm


class LabourForm(StyledForm):
    """FEE-2: labour from the labour-rate standard in force on the order's received day."""

    rate_code = forms.ChoiceField(label=_("Labour rate"))
    quantity = forms.CharField(
        label=_("Quantity (hours or items)"),
        max_length=12,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, rates=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The rates are read once by the caller; rendering costs no query.
        self.fields["rate_code"].choices = [
            (rate.code, f"{rate.code} {rate.name} · ¥{rate.rate}/{rate.get_basis_display()}")
            for rate in rates
        ]


class CancelLabourForm(StyledForm):
    reason = forms.CharField(label=_("Why cancelled"), max_length=300)


class QuotationMakeForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AcceptSignatureForm(StyledForm):
    """FEE-2: the customer signs the quotation on the phone (the pad fills the hidden field)."""

    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Signed by"), max_length=100, required=False)

    def clean_signature(self):
        try:
            return decode_image_text(self.cleaned_data.get("signature"))
        except ValueError as exc:
            raise forms.ValidationError(_("The signature could not be read; sign again.")) from exc

    def service_arguments(self) -> dict:
        return {"method": AcceptanceMethod.SIGNATURE, **self.cleaned_data}


class AcceptPhoneForm(StyledForm):
    """FEE-2: the customer agreed on the phone; the call is recorded."""

    consent_phone = forms.CharField(
        label=_("Phone the customer agreed on"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    signer_name = forms.CharField(label=_("Who agreed"), max_length=100, required=False)
    consent_note = forms.CharField(
        label=_("What the customer said"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_arguments(self) -> dict:
        return {"method": AcceptanceMethod.PHONE, **self.cleaned_data}


class DeclineForm(StyledForm):
    reason = forms.CharField(label=_("Why the customer declined"), max_length=300, required=False)


class QuotationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(QuotationStatus.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )
