"""Forms of the complaint pages (CMP-1…CMP-5). They parse input only; ``complaints.services``
checks every rule and right."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.complaints import workflow
from aftersales.complaints.models import (
    ComplaintChannel,
    ComplaintClass,
    ComplaintKind,
    ComplaintStatus,
    Severity,
)
from aftersales.core.forms import StyledForm

REPLY_VIA_CHOICES = [
    ("letter", pgettext_lazy("reply sent by", "letter")),
    ("fax", pgettext_lazy("reply sent by", "fax")),
    ("email", pgettext_lazy("reply sent by", "e-mail")),
    ("sms", pgettext_lazy("reply sent by", "text message")),
    ("wechat", pgettext_lazy("reply sent by", "WeChat")),
    ("hand", pgettext_lazy("reply sent by", "handed over in person")),
]


def handlers():
    from aftersales.accounts.models import User

    return (
        User.objects.with_permission(workflow.HANDLE)
        .filter(is_active=True)
        .order_by("org_unit__code", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.org_unit or ''}"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RegisterForm(StyledForm):
    """CMP-3: one complaint, opinion or suggestion from any channel."""

    channel = forms.ChoiceField(label=_("Channel"), choices=ComplaintChannel.choices)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ComplaintKind.choices, initial=ComplaintKind.COMPLAINT
    )
    complaint_class = forms.ModelChoiceField(
        label=_("Class"), queryset=ComplaintClass.objects.filter(is_active=True)
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("as the class says"))] + list(Severity.choices),
        help_text=_("May be raised above the class's severity, never lowered."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 4})
    )
    complainant_name = forms.CharField(label=_("Complainant"), max_length=100)
    complainant_phone = forms.CharField(
        label=_("Complainant's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    complainant_address = forms.CharField(
        label=_("Complainant's address"), max_length=300, required=False
    )
    order_number = forms.CharField(
        label=_("Service order no."),
        max_length=30,
        required=False,
        help_text=_("The order the complaint is about, if any: its customer is linked too."),
    )
    customer_code = forms.CharField(
        label=_("Customer no."),
        max_length=30,
        required=False,
        help_text=_("When there is no order: the customer's number."),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now. A letter received earlier keeps its day."),
    )
    owner = UserChoiceField(
        label=_("Complaint owner"),
        queryset=None,
        required=False,
        empty_label=_("— you, or the unit's complaint handler —"),
    )
    resolved_on_spot = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    resolution = forms.CharField(
        label=_("How it was resolved on the spot"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    survey = forms.IntegerField(required=False, widget=forms.HiddenInput)
    return_visit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handlers()


class AssignForm(StyledForm):
    owner = UserChoiceField(label=_("New owner"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handlers()


class ReportForm(StyledForm):
    report_note = forms.CharField(
        label=_("Report to the company"), widget=forms.Textarea(attrs={"rows": 3})
    )


class InvestigateForm(StyledForm):
    cause = forms.CharField(label=_("Cause found"), widget=forms.Textarea(attrs={"rows": 3}))
    proposal = forms.CharField(
        label=_("Proposed resolution"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReferForm(StyledForm):
    specialist = UserChoiceField(
        label=_("Complaint specialist"),
        queryset=None,
        required=False,
        empty_label=_("— the specialist with the fewest open complaints —"),
    )
    note = forms.CharField(
        label=_("What the dispute is about"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from aftersales.complaints.services import complaint_specialists

        super().__init__(*args, **kwargs)
        self.fields["specialist"].queryset = complaint_specialists()


SATISFIED_CHOICES = [
    ("", _("not known")),
    ("yes", _("yes, satisfied")),
    ("no", _("no, not satisfied")),
]


class ResolveForm(StyledForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    customer_satisfied = forms.ChoiceField(
        label=_("Customer satisfied with the outcome"), choices=SATISFIED_CHOICES, required=False
    )

    def clean_customer_satisfied(self):
        return {"yes": True, "no": False}.get(self.cleaned_data.get("customer_satisfied"))


class ReplyForm(StyledForm):
    """CMP-4, FUP-4: the written reply (顾客来函处理回复单)."""

    text = forms.CharField(
        label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 5})
    )
    sent_via = forms.ChoiceField(label=_("Sent by"), choices=REPLY_VIA_CHOICES)
    sent_at = forms.DateTimeField(
        label=_("Sent at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now."),
    )


class CloseForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReopenForm(StyledForm):
    reason = forms.CharField(
        label=_("Why reopened"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


ACTION_FORMS = {
    "assign": AssignForm,
    "report": ReportForm,
    "investigate": InvestigateForm,
    "refer": ReferForm,
    "resolve": ResolveForm,
    "reply": ReplyForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}

OVERDUE_CHOICES = [
    ("", _("All")),
    ("report", _("report overdue")),
    ("resolve", _("resolution overdue")),
    ("any", _("anything overdue")),
]


class BoardFilterForm(forms.Form):
    """CMP-3: market supervision's filters."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("no., name, phone")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("open"))] + list(ComplaintStatus.choices),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All"))] + list(Severity.choices)
    )
    complaint_class = forms.ModelChoiceField(
        label=_("Class"), required=False, queryset=ComplaintClass.objects.all()
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All"))] + list(ComplaintChannel.choices),
    )
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=OVERDUE_CHOICES)
    unit = forms.ModelChoiceField(
        label=pgettext_lazy("organisation", "Unit"), required=False, queryset=None
    )
    owner = UserChoiceField(label=_("Complaint owner"), required=False, queryset=None)

    def __init__(self, *args, user=None, **kwargs):
        from aftersales.accounts.models import OrgUnit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user).order_by("code")
        self.fields["owner"].queryset = handlers()
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
