"""Forms of the stock pages (PRT-2, PRT-8). Parts are named by their code in a text field,
so a barcode scanner (which types the code and presses Enter) fills them; the field has
the focus when the page opens.

A form sent with a part code and nothing else yet is a *look-up*: the page shows the part
and moves the focus to the next field (the quantity, the counted figure) — no errors.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm
from aftersales.parts.models import Part, WarehouseKind
from aftersales.parts.stock import MAX_QUANTITY, NOTE_MAX, warehouses_visible_to


def find_part(code: str) -> Part | None:
    """The part whose code is this one (exact, upper or lower case alike)."""
    code = (code or "").strip()
    if not code:
        return None
    return Part.objects.filter(code__iexact=code).first()


class PartCodeMixin:
    """A ``part_code`` text field resolved to ``cleaned_data["part"]``; ``lookup`` is true
    when only the code came (the scanner's Enter) and ``lookup_field`` was left empty."""

    lookup_field = "quantity"

    def _setup_part_code(self):
        self.part = None
        self.lookup = False
        field = self.fields["part_code"]
        field.widget.attrs.update(
            {
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "next",
                "data-testid": "part-code",
            }
        )

    def clean_part_code(self):
        code = self.cleaned_data.get("part_code", "").strip()
        part = find_part(code)
        if part is None:
            raise ValidationError(
                _("No part has the code “%(code)s”."), params={"code": code}, code="unknown"
            )
        self.part = part
        return code

    def _check_lookup(self, cleaned):
        if self.part is not None and cleaned.get(self.lookup_field) is None:
            self.lookup = True
        cleaned["part"] = self.part
        return cleaned

    def focus(self, name: str) -> None:
        """Move the autofocus to another field (after the part was scanned)."""
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields[name].widget.attrs["autofocus"] = True


def _quantity_field(label, *, minimum: int = 1, required: bool = False, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_QUANTITY,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "enterkeyhint": "done"}),
        **kwargs,
    )


def _serials_field():
    return forms.CharField(
        label=_("Serial numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Valuable parts only: one per piece, one per line (scan each code)."),
    )


class _WarehouseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.name}"


def _warehouse_field(user, label, *, technician_stock: bool = False):
    places = warehouses_visible_to(user).filter(is_active=True).order_by("code")
    if not technician_stock:
        places = places.exclude(kind=WarehouseKind.TECHNICIAN)
    # Added after StyledForm styled the declared fields, so styled here.
    return _WarehouseChoice(
        queryset=places, label=label, widget=forms.Select(attrs={"class": "form-select"})
    )


class _StockMoveForm(PartCodeMixin, StyledForm):
    part_code = forms.CharField(label=_("Part no."), max_length=40)
    quantity = _quantity_field(_("Quantity"))
    serial_numbers = _serials_field()

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self._place_fields()
        self._setup_part_code()
        order = [*self.location_fields, "part_code", "quantity", "serial_numbers"]
        self.order_fields(order + [n for n in self.fields if n not in order])

    location_fields: tuple[str, ...] = ()

    def _place_fields(self):
        raise NotImplementedError

    def clean(self):
        return self._check_lookup(super().clean())

    def serials(self) -> list[str]:
        text = self.cleaned_data.get("serial_numbers") or ""
        return [s.strip() for s in text.splitlines() if s.strip()]


class ReceiveForm(_StockMoveForm):
    """PRT-8: parts arriving in a warehouse."""

    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)
    location_fields = ("warehouse",)

    def _place_fields(self):
        self.fields["warehouse"] = _warehouse_field(self.user, _("Into warehouse"))


class TransferForm(_StockMoveForm):
    """PRT-8: parts moving from one warehouse to another."""

    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)
    location_fields = ("source", "target")

    def _place_fields(self):
        self.fields["source"] = _warehouse_field(self.user, _("From warehouse"))
        self.fields["target"] = _warehouse_field(self.user, _("To warehouse"))


class ScrapForm(_StockMoveForm):
    """PRT-8: parts leaving the stock as scrap, with the reason."""

    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, required=False)
    location_fields = ("warehouse",)

    def _place_fields(self):
        self.fields["warehouse"] = _warehouse_field(self.user, _("From warehouse"))

    def clean(self):
        cleaned = super().clean()
        if not self.lookup and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the parts are scrapped."))
        return cleaned


class LimitsForm(PartCodeMixin, StyledForm):
    """PRT-8: reorder point and reserve stock of a part at a location."""

    lookup_field = "reorder_point"
    part_code = forms.CharField(label=_("Part no."), max_length=40)
    reorder_point = _quantity_field(
        _("Reorder point"),
        minimum=0,
        help_text=_("Below this on hand the part is on the shortage list."),
    )
    reserve = _quantity_field(
        _("Reserve stock"),
        minimum=0,
        help_text=_("Kept for emergencies; ordered on top of the reorder point."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field(user, _("Warehouse"), technician_stock=True)
        self._setup_part_code()
        self.order_fields(["warehouse", "part_code", "reorder_point", "reserve"])

    def clean(self):
        cleaned = self._check_lookup(super().clean())
        if not self.lookup and self.part is not None and cleaned.get("reserve") is None:
            self.add_error("reserve", _("This field is required."))
        return cleaned


class CountStartForm(StyledForm):
    """PRT-8: which location to count, and optionally which parts."""

    part_codes = forms.CharField(
        label=_("Parts to count"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Part numbers, one per line (scan them). Empty: every part on the books there."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field(user, _("Warehouse"), technician_stock=True)
        self.order_fields(["warehouse", "part_codes"])

    def clean_part_codes(self) -> list[Part] | None:
        text = self.cleaned_data.get("part_codes") or ""
        codes = list(dict.fromkeys(c.strip() for c in text.split() if c.strip()))
        if not codes:
            return None
        found: dict[int, Part] = {}
        missing = []
        for code in codes:
            part = find_part(code)
            if part is None:
                missing.append(code)
            else:
                found[part.pk] = part
        if missing:
            raise ValidationError(
                _("No part has the code “%(code)s”."), params={"code": ", ".join(missing)}
            )
        return list(found.values())


class CountLineForm(PartCodeMixin, StyledForm):
    """PRT-8: what was found of one part (scan the code, then type the figure)."""

    lookup_field = "counted"
    part_code = forms.CharField(label=_("Part no."), max_length=40)
    counted = _quantity_field(_("Counted"), minimum=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_part_code()

    def clean(self):
        return self._check_lookup(super().clean())


class CountDecisionForm(StyledForm):
    """PRT-8, SEC-5: approve the variances (posted to the ledger) or reject the count."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: post the variances")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("Required when rejecting."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why the count is rejected."))
        return cleaned
