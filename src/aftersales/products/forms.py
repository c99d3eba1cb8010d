"""Forms of the products pages; they only parse input, the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm, StyledModelForm
from aftersales.customers.models import Customer
from aftersales.products.models import ProductCategory, ProductModel, Unit


class CustomerByCodeField(forms.ModelChoiceField):
    """A customer typed by number (a select of thousands of customers helps nobody)."""

    default_error_messages = {
        "invalid_choice": _("No customer with this number within your reach."),
    }

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", forms.TextInput)
        kwargs.setdefault("label", _("Customer no."))
        super().__init__(queryset, **kwargs)


class CategoryForm(StyledModelForm):
    class Meta:
        model = ProductCategory
        fields = ["code", "name"]


class ProductModelForm(StyledModelForm):
    class Meta:
        model = ProductModel
        fields = [
            "code",
            "name",
            "category",
            "warranty_months",
            "warranty_starts_from",
            "warranty_scope",
            "is_active",
        ]
        widgets = {"warranty_scope": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self):
        pass  # the service checks the code, case-insensitively


class UnitForm(StyledModelForm):
    owner = CustomerByCodeField(Customer.objects.none())

    class Meta:
        model = Unit
        fields = [
            "serial_number",
            "product_model",
            "owner",
            "batch",
            "production_date",
            "sale_date",
            "invoice_date",
            "delivery_date",
            "installation_address",
            "notes",
        ]
        widgets = {
            "production_date": forms.DateInput,
            "sale_date": forms.DateInput,
            "invoice_date": forms.DateInput,
            "delivery_date": forms.DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Customer.objects.visible_to(user)
        models = ProductModel.objects.select_related("category")
        if self.instance.pk is None:
            models = models.filter(is_active=True)
        self.fields["product_model"].queryset = models

    def validate_unique(self):
        pass  # the service checks the serial number after normalising it

    def _post_clean(self):
        # The service validates the whole unit; the model's own checks run there.
        pass


class ExtendedWarrantyForm(StyledForm):
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=120, required=False)
    end_date = forms.DateField(label=_("or until"), required=False, widget=forms.DateInput)
    start_date = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=forms.DateInput,
        help_text=_("Empty: the day after the latest warranty ends."),
    )
    price = forms.DecimalField(label=_("Price (CNY)"), min_value=0, max_digits=12, decimal_places=2)
    reference = forms.CharField(label=_("Reference no."), max_length=50, required=False)


class HandoverForm(StyledForm):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=forms.DateInput)
    received_by = forms.CharField(label=_("Received by"), max_length=100)
    explained_use = forms.BooleanField(label=_("Use explained"), required=False)
    explained_maintenance = forms.BooleanField(label=_("Maintenance explained"), required=False)
    explained_precautions = forms.BooleanField(label=_("Precautions explained"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()


class EntitlementDateForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput)


class ContractCustomerForm(StyledForm):
    customer = CustomerByCodeField(Customer.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)


class ContractForm(StyledForm):
    units = forms.ModelMultipleChoiceField(
        label=_("Units"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(label=_("Starts on"), widget=forms.DateInput)
    end_date = forms.DateField(label=_("Ends on (inclusive)"), widget=forms.DateInput)
    covered_items = forms.CharField(
        label=_("Covered items"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    visits_per_year = forms.IntegerField(
        label=_("Maintenance visits per year"), min_value=0, max_value=52, initial=1
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"), min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(owner=customer).select_related(
            "product_model"
        )
        self.fields["units"].widget.attrs["class"] = "form-check-input"


class CancelContractForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(StyledForm):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
