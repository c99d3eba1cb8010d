"""Forms of the purchase-inquiry pages (PRT-7). They parse input only; ``parts.purchasing``
checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm
from aftersales.parts.line_forms import find_part


class InquiryForm(StyledForm):
    """PRT-7: a catalogue part (typed by its no. or name) or a description, and how many."""

    part = forms.CharField(
        label=_("Part"),
        max_length=150,
        required=False,
        help_text=_("The part no. or name of a catalogue part that is not an assembly."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    description = forms.CharField(
        label=_("Or describe what is needed"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a part not in the catalogue: name, specification, where it fits."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=9999,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "step": "1"}),
    )

    def clean_part(self):
        text = (self.cleaned_data.get("part") or "").strip()
        if not text:
            return None
        part = find_part(text)
        if part is None:
            raise forms.ValidationError(_("No part has this part no. or name."))
        return part


class AnswerForm(StyledForm):
    """PRT-7: purchasing's answer."""

    can_buy = forms.TypedChoiceField(
        label=_("Can it be bought?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Answer"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    supplier = forms.CharField(label=_("Supplier"), max_length=100, required=False)
    unit_cost = forms.CharField(
        label=_("Unit cost (CNY)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    expected_on = forms.DateField(label=_("Expected on"), required=False, widget=forms.DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)
        self.fields["can_buy"].widget.attrs["class"] = "form-check-input"


class WithdrawForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)
