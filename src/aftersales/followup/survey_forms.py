"""Forms of the survey pages (FUP-2, FUP-3, FUP-6). They parse input only;
``followup.surveys`` checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.forms import StyledForm
from aftersales.followup.models import RATING_CHOICES, RATING_FIELDS, SurveyKind
from aftersales.followup.surveys import STATE_LABELS, TEXT_LIMIT

# FUP-2: the four questions about the technician; FUP-6: the same four about the company.
QUESTIONS = {
    SurveyKind.ORDER: {
        "attitude": _("How was the technician's attitude?"),
        "skill": _("How was the technician's technical skill?"),
        "punctuality": _("Did the technician arrive on time?"),
        "promises": _("Did the technician keep what was promised?"),
    },
    SurveyKind.NEW_CUSTOMER: {
        "attitude": _("How is our service staff's attitude?"),
        "skill": _("How is the technical skill of our service?"),
        "punctuality": _("How punctual is our service?"),
        "promises": _("How well do we keep our promises?"),
    },
}
RATING_ICONS = {
    5: "emoji-laughing",
    4: "emoji-smile",
    3: "emoji-neutral",
    2: "emoji-frown",
    1: "emoji-angry",
}


def _rating_field(label):
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the five grades.")},
    )


class AnswerForm(StyledForm):
    """FUP-2: four graded questions (5 = very satisfied … 1 = very dissatisfied), all
    required, and two optional texts. Used by the public page and the paper key-in."""

    attitude = _rating_field(pgettext_lazy("survey question", "Attitude"))
    skill = _rating_field(pgettext_lazy("survey question", "Technical skill"))
    punctuality = _rating_field(pgettext_lazy("survey question", "Punctuality"))
    promises = _rating_field(pgettext_lazy("survey question", "Keeping promises"))
    suggestions = forms.CharField(
        label=_("Suggestions or comments"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    other_needs = forms.CharField(
        label=_("Anything else we can do for you?"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, kind: str = SurveyKind.ORDER, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RATING_FIELDS:
            self.fields[name].widget.attrs["class"] = "btn-check"
            self.fields[name].question = QUESTIONS.get(kind, QUESTIONS[SurveyKind.ORDER])[name]

    def rating_fields(self):
        """The four bound rating fields with their question and the choices as
        (value, label, icon, checked) for the template's button lists."""
        rows = []
        for name in RATING_FIELDS:
            bound = self[name]
            current = str(bound.value() or "")
            rows.append(
                {
                    "field": bound,
                    "question": self.fields[name].question,
                    "options": [
                        {
                            "value": value,
                            "label": label,
                            "icon": RATING_ICONS[value],
                            "id": f"{bound.auto_id}_{value}",
                            "checked": current == str(value),
                        }
                        for value, label in RATING_CHOICES
                    ],
                }
            )
        return rows


class SurveyFilterForm(StyledForm):
    """The survey list: state, technician, month the survey was (or is to be) sent."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All"))] + [(key, _(label)) for key, label in STATE_LABELS.items()],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *SurveyKind.choices]
    )
    technician = forms.TypedChoiceField(
        label=_("Technician"), required=False, coerce=int, empty_value=None, choices=()
    )
    month = forms.CharField(
        label=_("Month sent"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, *args, technicians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].choices = [("", _("All technicians"))] + [
            (t.pk, str(t)) for t in technicians
        ]

    def clean_month(self):
        from aftersales.followup.surveys import parse_month

        text = self.cleaned_data.get("month")
        if not text:
            return None
        try:
            return parse_month(text)
        except Exception as exc:
            raise forms.ValidationError(_("Write the month as YYYY-MM, e.g. 2026-03.")) from exc


class MonthForm(StyledForm):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_month(self):
        from aftersales.followup.surveys import parse_month, this_month

        text = self.cleaned_data.get("month")
        if not text:
            return this_month()
        try:
            return parse_month(text)
        except Exception as exc:
            raise forms.ValidationError(_("Write the month as YYYY-MM, e.g. 2026-03.")) from exc


class SendNewCustomerForm(StyledForm):
    """FUP-6: the customer to send the satisfaction survey to, by customer no."""

    customer_code = forms.CharField(
        label=_("Customer no."),
        max_length=30,
        help_text=_("The link goes to the phone (SMS) and e-mail of the customer file."),
    )
