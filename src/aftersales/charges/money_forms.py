"""Forms and filters of the money pages (FEE-3, FEE-5). Forms parse input only; the services
of ``charges.money`` check every rule and right."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.charges.models import (
    CustomerPayment,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    PaymentSource,
)
from aftersales.core.forms import StyledForm
from aftersales.service.models import ServiceOrder

AMOUNT_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0.01", "autocomplete": "off"}


def amount_field(label=None, **kwargs):
    # The services say what is wrong with the amount (above zero, not more than owed).
    return forms.DecimalField(
        label=label or _("Amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs=AMOUNT_ATTRS),
        **kwargs,
    )


class CollectForm(StyledForm):
    """FEE-3: what the technician takes on site; the amount starts at what is owed."""

    amount = amount_field()
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    payer = forms.CharField(
        label=_("Payer's name"),
        max_length=100,
        required=False,
        help_text=_("Who paid, as the receipt names them."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RegisterForm(StyledForm):
    """FEE-5: money that reached finance, with when it arrived."""

    order = forms.CharField(
        label=_("Service order no."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    amount = amount_field()
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    received_at = forms.DateTimeField(
        label=_("Money arrived at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the money arrived, not now: the 12-hour notice counts from it."),
    )
    payer = forms.CharField(label=_("Payer's name"), max_length=100, required=False)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The bank or payment reference."),
    )
    notify = forms.BooleanField(label=_("Tell the technician now"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_order(self) -> ServiceOrder:
        text = self.cleaned_data["order"].strip()
        found = ServiceOrder.objects.filter(number__iexact=text).first()
        if found is None and text.isdigit():
            found = ServiceOrder.objects.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError(_("No service order has this no."))
        return found


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandoverForm(StyledForm):
    """FEE-3: the receipts the technician hands over and the money finance counted."""

    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=User.objects.all(), widget=forms.HiddenInput
    )
    payments = forms.ModelMultipleChoiceField(
        label=_("Receipts"),
        queryset=CustomerPayment.objects.filter(source=PaymentSource.ON_SITE),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the receipts the money is for.")},
    )
    counted_total = amount_field(label=_("Counted total (CNY)"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class InvoiceRequestForm(StyledForm):
    title = forms.CharField(label=_("Invoice title (buyer)"), max_length=200)
    tax_number = forms.CharField(
        label=_("Taxpayer no."),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    amount = amount_field()


class InvoiceIssueForm(StyledForm):
    number = forms.CharField(
        label=_("Invoice no."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class PaymentFilter(django_filters.FilterSet):
    """Payments by source, method, whether the technician was told (and late), date."""

    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=PaymentSource.choices, empty_label=_("All")
    )
    method = django_filters.ChoiceFilter(
        label=_("Method"), choices=PaymentMethod.choices, empty_label=_("All")
    )
    notified = django_filters.ChoiceFilter(
        label=_("Technician told"), choices=YES_NO, empty_label=_("All"), method="by_notified"
    )
    late = django_filters.ChoiceFilter(
        label=_("Told late (FEE-5)"), choices=YES_NO, empty_label=_("All"), method="by_late"
    )
    received_from = django_filters.DateFilter(
        label=_("Received from"),
        field_name="received_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        label=_("Received to"),
        field_name="received_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    number = django_filters.CharFilter(label=_("Receipt or order no."), method="by_number")

    class Meta:
        model = CustomerPayment
        fields = ["source", "method"]

    def by_notified(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(notified_at__isnull=value == "no")
        return queryset

    def by_late(self, queryset, name, value):
        """Told after the due time, or not told and the due time has passed."""
        late = Q(notified_at__gt=F("notify_due_at")) | Q(
            notified_at__isnull=True, voided_at__isnull=True, notify_due_at__lt=timezone.now()
        )
        if value == "yes":
            return queryset.filter(notify_due_at__isnull=False).filter(late)
        if value == "no":
            return queryset.exclude(notify_due_at__isnull=False, pk__in=queryset.filter(late))
        return queryset

    def by_number(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(order__number__icontains=value))


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=InvoiceStatus.choices, empty_label=_("All")
    )
    q = django_filters.CharFilter(label=_("Title, invoice or order no."), method="search")

    class Meta:
        model = Invoice
        fields = ["status"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(number__icontains=value)
            | Q(order__number__icontains=value)
        )
