"""Forms of the catalogue pages. They parse input only; ``parts.catalogue`` decides."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm, StyledModelForm
from aftersales.parts.models import LabourBasis, Part
from aftersales.products.models import ProductModel

MONEY_WIDGET = {"step": "0.01", "min": "0", "inputmode": "decimal"}


def money_field(label):
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs=MONEY_WIDGET),
    )


class PartForm(StyledModelForm):
    compatible_models = forms.ModelMultipleChoiceField(
        label=_("Fits models"),
        queryset=ProductModel.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Part
        fields = [
            "code",
            "name",
            "specification",
            "unit_of_measure",
            "compatible_models",
            "is_assembly",
            "is_valuable",
            "has_recovery_value",
            "is_active",
        ]
        help_texts = {
            "code": _("Letters and digits; stored in capitals."),
            "is_assembly": _(
                "A part that is not an assembly: purchasing is asked whether it can be bought."
            ),
            "is_valuable": _("Issued and returned with its serial / identification code."),
            "has_recovery_value": _(
                "Untick for a small part whose old part need not come back (e.g. a seal)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compatible_models"].widget.attrs["class"] = "form-check-input"
        self.fields["unit_of_measure"].required = False  # the service puts 个

    def validate_unique(self):
        pass  # the service checks the number after trimming and upper-casing it


class PriceForm(StyledForm):
    """FEE-2: a new list price and cost of a part from a day on (today or later)."""

    list_price = money_field(_("List price (CNY)"))
    cost = money_field(_("Cost (CNY)"))
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput,
        help_text=_("Today or later. Orders received before keep their price."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"effective_from": timezone.localdate()})
        kwargs.setdefault("auto_id", "id_price_%s")
        super().__init__(*args, **kwargs)


class LabourRateForm(StyledForm):
    """FEE-2: a labour rate (工时费标准) of a service item from a day on."""

    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Short and stable, e.g. VISIT or HOUR; the same code for a new rate."),
    )
    name = forms.CharField(label=_("Service item"), max_length=100)
    basis = forms.ChoiceField(label=_("Basis"), choices=LabourBasis.choices)
    rate = money_field(_("Rate (CNY)"))
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput,
        help_text=_("Today or later. Orders received before keep their rate."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"effective_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
