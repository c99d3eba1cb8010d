"""Forms of the parts-line pages (PRT-1, PRT-2, PRT-3). They parse input only; the services
check every rule and right.

The queue pages show one form per line or per order; choices come from lists the view has
already read, so rendering many forms costs no query per form.
"""

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm
from aftersales.parts.models import Part, Payment

# Serial inputs are filled by a hand scanner: no autocorrect, Enter moves to the next piece.
SCAN_ATTRS = {
    "autocomplete": "off",
    "autocapitalize": "characters",
    "autocorrect": "off",
    "spellcheck": "false",
    "enterkeyhint": "next",
    "data-scan": "",
    "maxlength": "60",
}


def find_part(text: str) -> Part | None:
    """The part named by what was typed or picked from the list: its code (alone, or
    followed by the name as the suggestions show it), else its exact name when only one
    part has it."""
    text = (text or "").strip()
    if not text:
        return None
    code = text.split()[0]
    found = Part.objects.filter(code__iexact=code).first()
    if found is not None:
        return found
    named = list(Part.objects.filter(Q(name=text), is_active=True)[:2])
    return named[0] if len(named) == 1 else None


class PartRequestForm(StyledForm):
    """PRT-1: the part the technician needs and the cause, as they see it at the customer's."""

    part = forms.CharField(
        label=_("Part"),
        max_length=150,
        help_text=_("Type the part no. or the name and pick it from the suggestions."),
        widget=forms.TextInput(
            attrs={
                "list": "parts-suggestions",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=9999,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "step": "1"}),
    )
    user_caused = forms.BooleanField(label=_("Damage caused by the user"), required=False)
    evidence = forms.CharField(
        label=_("Evidence for the cause"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the user caused the damage: what you saw. Add photos to the order's "
            "attachments."
        ),
    )
    waiver_requested = forms.BooleanField(
        label=_("Old part need not come back (ask finance)"),
        required=False,
        help_text=_("For a large part whose recovery costs too much or is worth nothing."),
    )
    issue_before_payment = forms.BooleanField(
        label=_("Issue before the customer pays (the receivable is mine)"),
        required=False,
        help_text=_("PRT-1 f, FEE-4: for a charged part the customer has not paid yet."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The suggestions follow the typing (htmx); without script, a typed no. still works.
        self.fields["part"].widget.attrs.update(
            {
                "hx-get": reverse("parts:part_lookup"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#parts-suggestions",
                "hx-swap": "innerHTML",
            }
        )

    def clean_part(self) -> Part:
        part = find_part(self.cleaned_data["part"])
        if part is None:
            raise forms.ValidationError(
                _("No part has this part no. or name; pick one from the suggestions.")
            )
        return part


class SignForm(StyledForm):
    """PRT-1 e/f, SEC-5: finance's decision on one requested line."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.HiddenInput,
    )
    payment = forms.ChoiceField(
        label=_("Payment"),
        required=False,
        choices=[
            (Payment.PAID, _("paid")),
            (Payment.UNPAID, _("unpaid — issue first on the technician's word")),
        ],
        widget=forms.RadioSelect,
    )
    waiver_approved = forms.BooleanField(label=_("Waiver approved"), required=False)
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("prefix", f"l{line.pk}")
        kwargs.setdefault("auto_id", f"id_sign_{line.pk}_%s")
        super().__init__(*args, **kwargs)
        self.line = line
        self.fields["payment"].widget.attrs["class"] = "form-check-input"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "approve": data["decision"] == "approve",
            "payment": data.get("payment") or "",
            "waiver_approved": bool(data.get("waiver_approved")),
            "comment": data.get("comment") or "",
        }


def _serial_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs=dict(SCAN_ATTRS)),
    )


class IssueForm(StyledForm):
    """PRT-2: the keeper issues the chosen signed lines of one order on one slip: from a
    warehouse, with a serial number per piece of a valuable part, outbound or on loan."""

    warehouse = forms.TypedChoiceField(label=_("Issue from"), coerce=int)
    lines = forms.TypedMultipleChoiceField(
        label=_("Lines"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    loan = forms.BooleanField(
        label=_("On a loan slip (出借单)"),
        required=False,
        help_text=_("The part is lent, e.g. for a test, and comes back."),
    )

    def __init__(self, *args, order, lines, warehouses, **kwargs):
        kwargs.setdefault("prefix", f"o{order.pk}")
        kwargs.setdefault("auto_id", f"id_issue_{order.pk}_%s")
        super().__init__(*args, **kwargs)
        self.order = order
        self.order_lines = list(lines)
        self.warehouses = {w.pk: w for w in warehouses}
        self.fields["warehouse"].choices = [(w.pk, w.name) for w in warehouses]
        self.fields["lines"].choices = [(line.pk, str(line.part)) for line in self.order_lines]
        if not self.is_bound:
            self.initial.setdefault("lines", [line.pk for line in self.order_lines])
            preferred = next((w for w in warehouses if w.org_unit_id == order.org_unit_id), None)
            if preferred is None and warehouses:
                preferred = warehouses[0]
            if preferred is not None:
                self.initial.setdefault("warehouse", preferred.pk)
        # One input per piece of a valuable part (PRT-2).
        self.serial_names: dict[int, list[str]] = {}
        for line in self.order_lines:
            if not line.part.is_valuable:
                continue
            names = []
            for i in range(line.quantity):
                name = f"serial_{line.pk}_{i}"
                self.fields[name] = _serial_field(_("Serial no. of piece %(n)s") % {"n": i + 1})
                names.append(name)
            self.serial_names[line.pk] = names

    def serial_fields(self, line) -> list:
        return [self[name] for name in self.serial_names.get(line.pk, [])]

    def rows(self) -> list[dict]:
        """Each line with its checkbox state and its serial inputs, for the template."""
        chosen = {str(v) for v in (self["lines"].value() or [])}
        return [
            {
                "line": line,
                "checked": str(line.pk) in chosen,
                "serials": self.serial_fields(line),
            }
            for line in self.order_lines
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        chosen = set(data["lines"])
        lines = [line for line in self.order_lines if line.pk in chosen]
        return {
            "order": self.order,
            "lines": lines,
            "warehouse": self.warehouses[data["warehouse"]],
            "serials": {
                line.pk: [data.get(name) or "" for name in self.serial_names.get(line.pk, [])]
                for line in lines
            },
            "loan": data["loan"],
        }


class ReceiveOldPartForm(StyledForm):
    """PRT-3: the keeper signs for the old part; a valuable one by its serial per piece."""

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("prefix", f"r{line.pk}")
        kwargs.setdefault("auto_id", f"id_receive_{line.pk}_%s")
        super().__init__(*args, **kwargs)
        self.line = line
        self.serial_names = []
        if line.part.is_valuable:
            for i in range(line.quantity):
                name = f"serial_{i}"
                self.fields[name] = _serial_field(
                    _("Old part's serial no., piece %(n)s") % {"n": i + 1}
                )
                self.serial_names.append(name)

    def serials(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.serial_names]
