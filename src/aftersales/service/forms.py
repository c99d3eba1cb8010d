"""Forms of the service-order pages. They parse input only; the services check the rules."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.core.dataurl import decode_image_text
from aftersales.core.forms import StyledForm
from aftersales.core.images import MAX_IMAGE_BYTES
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service.models import (
    Channel,
    FaultType,
    OrderType,
    PlanMode,
    ReferralKind,
    ReplyChannel,
    ServiceOrder,
)
from aftersales.service.services import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENTS,
    attachment_max_bytes,
    dispatch_candidates,
    referral_candidates,
    technicians_for,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _now_to_the_minute():
    """The initial time received: now, on the wall clock of the site (Asia/Shanghai)."""
    return timezone.localtime().replace(second=0, microsecond=0)


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.serial_number} · {obj.product_model} · {obj.owner.name}"


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} · {obj.org_unit}" if obj.org_unit_id else str(obj)


class MultipleFileInput(forms.FileInput):
    """A file input that takes several files (Django's "Uploading multiple files")."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; ``clean`` gives the list (empty when none were chosen). An error names
    the file it is about."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        cleaned, errors = [], []
        for upload in uploads:
            try:
                value = super().clean(upload, initial)
            except forms.ValidationError as exc:
                errors.extend(f"{getattr(upload, 'name', '')}: {m}" for m in exc.messages)
            else:
                if value:
                    cleaned.append(value)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class IntakeForm(StyledForm):
    """REQ-1, REQ-2: who, what, how it came and when; the rest defaults from the customer."""

    customer = CustomerChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The customer's unit concerned, if known; its warranty sets the service kind."),
    )
    order_type = forms.ChoiceField(label=_("Request type"), choices=OrderType.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    description = forms.CharField(
        label=_("Fault or need"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    # EXC-5: the kind of fault, if the agent can tell; it decides return / exchange (三包).
    fault_type = forms.ModelChoiceField(
        label=_("Fault type"),
        queryset=FaultType.objects.filter(is_active=True),
        required=False,
        help_text=_("If known: a performance fault may entitle return or exchange (三包)."),
    )
    quality_problem = forms.BooleanField(
        label=_("Quality problem (a fault of the product itself) — on site the next day"),
        required=False,
    )
    # REQ-2: photos of the fault and documents sent with the request; the service checks
    # them like any attachment. No "capture": the phone offers the camera and the gallery.
    attachments = MultipleFileField(
        label=_("Photos and attachments"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ",".join(sorted(set(ATTACHMENT_TYPES.values())))}
        ),
    )
    received_at = forms.DateTimeField(
        label=_("Time received"),
        initial=_now_to_the_minute,
        widget=_datetime_widget(),
        help_text=_(
            "When the customer reached us; the service clocks start from it. "
            "Change it when keying in a call or a letter afterwards."
        ),
    )
    contact_name = forms.CharField(
        label=_("Contact name"),
        max_length=100,
        required=False,
        help_text=_("Empty: the customer's name."),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        help_text=_("Empty: the customer's phone."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Empty: the unit's installation address, or the customer's address."),
    )

    # REQ-3 / REQ-8: for a salesperson's or a branch's forward.
    forwarded_by = forms.ModelChoiceField(
        label=_("Forwarded by"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("For a salesperson or branch forward. Empty: you."),
    )
    forwarded_at = forms.DateTimeField(
        label=_("Time forwarded"),
        required=False,
        widget=_datetime_widget(),
        help_text=_("When it was passed on to customer service. Empty: now."),
    )

    # REQ-9: shown only once the service has found open orders for the same unit or phone.
    confirm_duplicate = forms.BooleanField(
        label=_("This is a new request, not one of the open orders above"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Customer.objects.visible_to(user).filter(is_active=True)
        self.fields["customer"].queryset = customers
        # The customer is found with the search above the form, never from a list of all.
        self.fields["customer"].widget = forms.HiddenInput()
        chosen = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        self.chosen_customer = (
            customers.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
        )
        self.fields["forwarded_by"].queryset = (
            User.objects.visible_to(user).filter(is_active=True).order_by("username")
        )
        units = Unit.objects.visible_to(user).select_related("product_model", "owner")
        # Offered: the chosen customer's units. Accepted: any in reach, so the service can
        # say clearly when a unit belongs to someone else.
        if not self.is_bound:
            units = units.filter(owner=self.chosen_customer)
        self.fields["unit"].queryset = units.order_by("serial_number")
        # EXC-5: the 三包 panel follows the unit, the fault type and the day received (htmx).
        sanbao_attrs = {
            "hx-get": reverse("service:order_create") + "?part=sanbao",
            "hx-trigger": "change",
            "hx-target": "#sanbao-panel",
            "hx-swap": "outerHTML",
            "hx-include": "[name=unit],[name=fault_type],[name=received_at]",
        }
        for name in ("unit", "fault_type", "received_at"):
            self.fields[name].widget.attrs.update(sanbao_attrs)
        self.fields["attachments"].help_text = gettext(
            "PNG or JPEG photos and PDF files, at most %(mb)s MB each and %(n)s per order."
        ) % {"mb": attachment_max_bytes() // (1024 * 1024), "n": MAX_ATTACHMENTS}

    def clean_attachments(self):
        """(name, content) of each file; one byte over the service's limit is enough for
        it to refuse an oversized file."""
        max_bytes = attachment_max_bytes()
        return [(f.name, f.read(max_bytes + 1)) for f in self.cleaned_data["attachments"]]

    def add_service_error(self, exc):
        super().add_service_error(exc)
        if "confirm_duplicate" in self.errors:
            self.fields["confirm_duplicate"].widget = forms.CheckboxInput()


class TechnicianForm(StyledForm):
    """SVC-8: the technician, chosen from candidates labelled with load, next appointment,
    region and skills (best first)."""

    technician = TechnicianChoiceField(label=_("Technician"), queryset=User.objects.none())

    def __init__(self, *args, order: ServiceOrder, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technician"]
        field.queryset = technicians_for(order)
        # Bound forms only validate; the candidates (three queries) are for the page.
        if not self.is_bound:
            self.candidates = dispatch_candidates(order)
            field.choices = [("", "---------")] + [
                (c.technician.pk, candidate_label(c)) for c in self.candidates
            ]


def candidate_label(c) -> str:
    parts = [str(c.technician)]
    if c.technician.region_id:
        parts.append(str(c.technician.region))
    parts.append(_("%(count)d open") % {"count": c.open_load})
    if c.next_appointment:
        parts.append(
            _("next visit %(time)s")
            % {"time": timezone.localtime(c.next_appointment).strftime("%m-%d %H:%M")}
        )
    if c.skill_match:
        parts.append(gettext("trained for this product"))
    return " · ".join(parts)


class MergeForm(StyledForm):
    """REQ-9: the open order this one repeats."""

    into = forms.ModelChoiceField(label=_("Merge into"), queryset=ServiceOrder.objects.none())
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, order: ServiceOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            ServiceOrder.objects.open().filter(customer_id=order.customer_id).exclude(pk=order.pk)
        )
        if order.duplicate_of_id:
            self.fields["into"].initial = order.duplicate_of_id


class ReassignForm(TechnicianForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, order: ServiceOrder, **kwargs):
        super().__init__(*args, **kwargs)


class PlanForm(StyledForm):
    """SVC-2: the solution mode, the cause and, on site, the appointment."""

    mode = forms.ChoiceField(label=_("Solution plan"), choices=PlanMode.choices)
    diagnosis = forms.CharField(
        label=_("Cause diagnosis"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    details = forms.CharField(
        label=_("Plan details"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    appointment_at = forms.DateTimeField(
        label=_("Appointment"),
        required=False,
        widget=_datetime_widget(),
        help_text=_("Needed for an on-site visit."),
    )
    customer_consent = forms.BooleanField(
        label=_(
            "Parts for self-replacement: the customer agrees, was told the assembly points, "
            "and knows that damage from wrong assembly is theirs."
        ),
        required=False,
    )

    def __init__(self, *args, order: ServiceOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].initial = order.plan_mode or None
        self.fields["diagnosis"].initial = order.diagnosis
        self.fields["details"].initial = order.plan_notes
        if order.appointment_at:
            self.fields["appointment_at"].initial = timezone.localtime(order.appointment_at)


class ReasonForm(NoteForm):
    note = None
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(NoteForm):
    """SVC-4: what was done, and the customer's signature drawn on the phone (the pad fills
    the hidden field) or the signed paper voucher uploaded as a photo."""

    note = None
    result = forms.CharField(
        label=_("Work done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Signed by"), max_length=100, required=False)
    customer_comments = forms.CharField(
        label=_("Customer's comments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    paper_voucher = forms.FileField(
        label=_("Or: photo of the signed paper voucher"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg", "capture": "environment"}
        ),
    )

    def clean_signature(self):
        try:
            return decode_image_text(self.cleaned_data.get("signature"))
        except ValueError as exc:
            raise forms.ValidationError(_("The signature could not be read; sign again.")) from exc

    def clean_paper_voucher(self):
        upload = self.cleaned_data.get("paper_voucher")
        # One byte over the service's limit is enough for it to refuse the file.
        return upload.read(MAX_IMAGE_BYTES + 1) if upload else None


class EmptyForm(NoteForm):
    note = None


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parts = [str(obj)]
        if obj.org_unit_id:
            parts.append(str(obj.org_unit))
        if getattr(obj, "technical", 1) == 0:
            parts.append(str(_("technical dept")))
        return " · ".join(parts)


class ReferralForm(StyledForm):
    """REQ-6: the customer's question and who answers it (technical dept first, SVC-7)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ReferralKind.choices, initial=ReferralKind.TECHNICAL
    )
    question = forms.CharField(
        label=_("The customer's question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referred_to = PersonChoiceField(label=_("Refer to"), queryset=User.objects.none())

    def __init__(self, *args, order: ServiceOrder, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referred_to"].queryset = referral_candidates(
            order, actor=actor
        ).select_related("org_unit")


class AnswerForm(StyledForm):
    """REQ-6: the reply the customer was given, and how."""

    answer = forms.CharField(
        label=_("Reply given to the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply_channel = forms.ChoiceField(
        label=_("Told"), choices=ReplyChannel.choices, initial=ReplyChannel.PHONE
    )
