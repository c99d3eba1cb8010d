"""Forms of the shipment pages (PRT-4). They parse input only; ``parts.shipping`` checks every
rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm
from aftersales.parts.line_forms import SCAN_ATTRS
from aftersales.parts.models import ShipmentDirection


class ShipmentForm(StyledForm):
    """A parcel of the order's parts: where it goes, who receives it, and a checkbox and a
    quantity per part that may travel (``candidates``: dicts of key, line, old_part)."""

    direction = forms.ChoiceField(
        label=_("Direction"), choices=ShipmentDirection.choices, widget=forms.HiddenInput
    )
    warehouse = forms.TypedChoiceField(label=_("Warehouse"), coerce=int)
    recipient_name = forms.CharField(label=_("Recipient"), max_length=100, required=False)
    recipient_phone = forms.CharField(
        label=_("Recipient's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    freight_collect = forms.BooleanField(
        label=_("Freight collect (到付)"),
        required=False,
        help_text=_("Returns to the warehouse travel freight collect."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, candidates, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.warehouses = {w.pk: w for w in warehouses}
        self.fields["warehouse"].choices = [(w.pk, str(w)) for w in warehouses]
        for candidate in self.candidates:
            key = candidate["key"]
            self.fields[f"pick_{key}"] = forms.BooleanField(
                required=False, label=candidate["label"]
            )
            self.fields[f"qty_{key}"] = forms.IntegerField(
                label=_("Quantity"),
                min_value=1,
                max_value=9999,
                required=False,
                initial=candidate["line"].quantity,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": "1", "step": "1", "class": "form-control"}
                ),
            )

    def rows(self) -> list[dict]:
        """Each part that may travel with its checkbox state and quantity input."""
        return [
            {
                **candidate,
                "pick": self[f"pick_{candidate['key']}"],
                "checked": bool(self[f"pick_{candidate['key']}"].value()),
                "qty": self[f"qty_{candidate['key']}"],
            }
            for candidate in self.candidates
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        items = []
        for candidate in self.candidates:
            key = candidate["key"]
            if data.get(f"pick_{key}"):
                quantity = data.get(f"qty_{key}") or candidate["line"].quantity
                items.append(
                    {
                        "line": candidate["line"],
                        "quantity": quantity,
                        "old_part": candidate["old_part"],
                    }
                )
        return {
            "direction": data["direction"],
            "warehouse": self.warehouses.get(data["warehouse"]),
            "recipient_name": data["recipient_name"],
            "recipient_phone": data["recipient_phone"],
            "address": data["address"],
            "freight_collect": data["freight_collect"],
            "note": data["note"],
            "items": items,
        }


class ShipForm(StyledForm):
    """PRT-4: handed to the courier — the tracking number typed or scanned."""

    courier = forms.CharField(label=_("Courier"), max_length=50, required=False)
    tracking_number = forms.CharField(
        label=_("Tracking no."),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={**SCAN_ATTRS, "autofocus": "", "enterkeyhint": "done"}),
        help_text=_("Scan the waybill's barcode or type the number."),
    )
    freight = forms.CharField(
        label=_("Freight (CNY)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_ship_%s")
        super().__init__(*args, **kwargs)


class DeliverForm(StyledForm):
    note = forms.CharField(label=_("Delivery note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_deliver_%s")
        super().__init__(*args, **kwargs)


class CancelShipmentForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_cancel_%s")
        super().__init__(*args, **kwargs)
