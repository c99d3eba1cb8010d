"""Forms of the customer file. They parse input only; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import OrgUnit
from aftersales.core.forms import StyledModelForm
from aftersales.customers.models import Contact, Customer


class ServiceModelForm(StyledModelForm):
    """A ModelForm that leaves model validation to the service it feeds."""

    def _post_clean(self):
        pass


class CustomerForm(ServiceModelForm):
    class Meta:
        model = Customer
        fields = [
            "name",
            "kind",
            "entity",
            "credit_code",
            "phone",
            "email",
            "address",
            "business_content",
            "credit",
            "credit_limit",
            "relationship",
            "service_tier",
            "region",
            "owner_unit",
            "notes",
        ]
        widgets = {
            "business_content": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "credit_code": _("18 characters; companies only."),
            "phone": _("Mobile (13812345678) or landline with area code (0571-88001234)."),
            "region": _("Empty: the owning unit's region."),
            "owner_unit": _("Empty: your own unit."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.visible_to(user).filter(is_active=True)
        if self.instance.owner_unit_id:
            # Keep the current owner selectable even when only the region brings it in reach.
            units = units | OrgUnit.objects.filter(pk=self.instance.owner_unit_id)
        self.fields["owner_unit"].queryset = units.distinct()
        self.fields["owner_unit"].required = False


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "position",
            "phone",
            "email",
            "is_primary",
            "birthday",
            "interests",
            "personal_consent",
            "consent_on",
            "consent_purpose",
        ]
        widgets = {"birthday": forms.DateInput(), "consent_on": forms.DateInput()}
        help_texts = {
            "birthday": _("Optional personal information, kept only with consent."),
            "interests": _("Optional personal information, kept only with consent."),
            "consent_on": _("Empty: today."),
            "consent_purpose": _("E.g. birthday greetings, invitations to customer events."),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
