"""Forms of the exchange pages (EXC-1…EXC-4). They parse input only; ``exchanges.services``
checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.forms import StyledForm
from aftersales.exchanges.models import Inspection, RefundMethod, RequestKind, RequestStatus


class RequestForm(StyledForm):
    """EXC-1: the exchange form — the unit by its serial number (the customer is its
    owner), the fault, the detailed reason, and the purchase facts (EXC-2)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    serial_number = forms.CharField(
        label=_("Serial number of the unit"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    order_number = forms.CharField(
        label=_("Service order no. (optional)"), max_length=40, required=False
    )
    fault_type = forms.ModelChoiceField(
        label=_("Fault"), queryset=None, required=False, empty_label=_("— not known —")
    )
    reason = forms.CharField(
        label=_("Detailed reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, since when, what was tried, what the customer asks for."),
    )
    purchase_date = forms.DateField(label=_("Purchase date"), required=False)
    purchase_price = forms.DecimalField(
        label=_("Price paid (¥)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    purchase_proof = forms.CharField(
        label=_("Proof of purchase (invoice or receipt no.)"), max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        from aftersales.service.models import FaultType

        super().__init__(*args, **kwargs)
        self.fields["fault_type"].queryset = FaultType.objects.filter(is_active=True)

    def resolve(self, user) -> dict | None:
        """The service's arguments: the unit and order found within the user's reach (a
        field error otherwise, and None)."""
        from aftersales.products.models import Unit
        from aftersales.service.models import ServiceOrder

        data = self.cleaned_data
        unit = (
            Unit.objects.visible_to(user)
            .select_related("owner", "product_model")
            .filter(serial_number__iexact=data["serial_number"].strip())
            .first()
        )
        if unit is None:
            self.add_error("serial_number", _("No unit with this serial number in your reach."))
        order = None
        if data.get("order_number"):
            order = (
                ServiceOrder.objects.visible_to(user)
                .filter(number__iexact=data["order_number"].strip())
                .first()
            )
            if order is None:
                self.add_error("order_number", _("No service order with this number in reach."))
        if self.errors:
            return None
        return {
            "kind": data["kind"],
            "customer": unit.owner,
            "unit": unit,
            "order": order,
            "fault_type": data.get("fault_type"),
            "reason": data["reason"],
            "purchase_date": data.get("purchase_date"),
            "purchase_price": data.get("purchase_price"),
            "purchase_proof": data.get("purchase_proof", ""),
        }


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("Photo or scan (PNG, JPEG or PDF)"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    is_purchase_proof = forms.BooleanField(label=_("This is the proof of purchase"), required=False)


class CommentForm(StyledForm):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(CommentForm):
    """A signature: approve, reject or return; ``step`` is the step the page showed."""

    DECISIONS = ("approve", "reject", "return")
    step = forms.CharField(widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(
        choices=[(d, d) for d in DECISIONS], widget=forms.HiddenInput, required=True
    )


class ReceiveForm(StyledForm):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    inspection = forms.ChoiceField(
        label=_("Inspection result"), choices=[("", "—")] + list(Inspection.choices)
    )
    inspection_note = forms.CharField(
        label=_("Inspection notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        from aftersales.parts.models import Warehouse, WarehouseKind

        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).exclude(
            kind=WarehouseKind.TECHNICIAN
        )


class LedgerForm(StyledForm):
    """EXC-1, EXC-3: the replacement and the ledger row, signed by you."""

    replacement_serial = forms.CharField(
        label=_("Serial number of the replacement unit"), max_length=64
    )
    substitute_agreed = forms.CharField(
        label=_("Customer's agreement to a different model"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for another model than the returned one (EXC-3): who agreed, when, how."),
    )
    summary = forms.CharField(
        label=_("Ledger summary (empty: written for you)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def resolve(self):
        from aftersales.products.models import Unit

        unit = Unit.objects.filter(
            serial_number__iexact=self.cleaned_data["replacement_serial"].strip()
        ).first()
        if unit is None:
            self.add_error("replacement_serial", _("No unit with this serial number."))
            return None
        return {
            "replacement_unit": unit,
            "substitute_agreed": self.cleaned_data["substitute_agreed"],
            "summary": self.cleaned_data["summary"],
        }


class RefundForm(StyledForm):
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    method = forms.ChoiceField(
        label=pgettext_lazy("refund", "Method"), choices=[("", "—")] + list(RefundMethod.choices)
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class FinishForm(StyledForm):
    note = forms.CharField(
        label=_("How the form ends"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Why cancelled"), max_length=500)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds"))] + list(RequestKind.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses"))] + list(RequestStatus.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )
    unit = forms.CharField(
        label=_("Serial number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Serial number")}
        ),
    )


class LedgerFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
