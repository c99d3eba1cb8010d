"""Forms of the return-visit and follow-up-case pages (FUP-1, FUP-5). They parse input
only; ``followup.visits`` checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit, User
from aftersales.core.forms import StyledForm
from aftersales.followup.models import CaseStatus
from aftersales.followup.visits import OUTCOMES

ANSWER_PREFIX = "answer_"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or obj.get_username()
        unit = f" · {obj.org_unit}" if getattr(obj, "org_unit_id", None) else ""
        return f"{name}{unit}"


class VisitCallForm(StyledForm):
    """FUP-1: one call of the return visit: an answer field per script question, the
    outcome (one button each), a note; for "not satisfied" the problem and the case owner."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(o.value, o.label) for o in OUTCOMES],
        error_messages={"required": _("Choose the outcome of the call.")},
    )
    note = forms.CharField(
        label=_("Note on the call"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    problem = forms.CharField(
        label=_("What the customer is not satisfied with"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    case_owner = OwnerChoiceField(
        label=_("Follow-up case owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=None,
    )

    def __init__(self, *args, questions=(), owners=(), default_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"{ANSWER_PREFIX}{question.pk}"] = forms.CharField(
                label=question.text,
                max_length=500,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
            )
        owners = list(owners)
        self.fields["case_owner"].queryset = User.objects.filter(pk__in=[u.pk for u in owners])
        # Keep the candidates' order (the branch managers first).
        self.fields["case_owner"].choices = [
            (u.pk, self.fields["case_owner"].label_from_instance(u)) for u in owners
        ]
        if default_owner is not None:
            self.fields["case_owner"].initial = default_owner.pk

    def answer_fields(self):
        return [self[f"{ANSWER_PREFIX}{q.pk}"] for q in self.questions]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "note": data.get("note", ""),
            "problem": data.get("problem", ""),
            "case_owner": data.get("case_owner"),
            "answers": {q.pk: data.get(f"{ANSWER_PREFIX}{q.pk}", "") for q in self.questions},
        }


class VisitFilterForm(forms.Form):
    """The queue's filters: only overdue visits, one handling unit, finished ones."""

    STATES = [("due", _("To call")), ("done", _("Finished"))]

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=STATES,
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )
    overdue = forms.BooleanField(
        label=_("Overdue only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-autosubmit": ""}),
    )
    unit = forms.ModelChoiceField(
        label=_("Handling unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(CaseStatus.choices),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-autosubmit": ""}),
    )
    mine = forms.BooleanField(
        label=_("Mine only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-autosubmit": ""}),
    )


class ResolveCaseForm(StyledForm):
    resolution = forms.CharField(
        label=_("What was done for the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReassignCaseForm(StyledForm):
    case_owner = OwnerChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Why"), max_length=500, required=False)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        owners = list(owners)
        self.fields["case_owner"].queryset = User.objects.filter(pk__in=[u.pk for u in owners])
