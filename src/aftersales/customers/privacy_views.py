"""Pages of a person's data rights (SEC-3): the download of everything held about them
(JSON or Excel), and the confirmation page that anonymises them on their request."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.accounts.reach import require_reach
from aftersales.audit.models import AccessAction
from aftersales.audit.services import record_access
from aftersales.core import excel
from aftersales.core.permissions import require_perm
from aftersales.customers import privacy
from aftersales.customers.models import Contact, Customer

FORMATS = {"json", "xlsx"}


class AnonymiseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy(
            "The person's request: when and how it came (e.g. letter of 2026-11-20)."
        ),
    )


def _customer(request, pk: int, perm: str) -> Customer:
    require_perm(request.user, perm)
    customer = get_object_or_404(Customer, pk=pk)
    require_reach(request.user, customer, Customer.objects)
    return customer


def _contact(request, pk: int, perm: str) -> Contact:
    require_perm(request.user, perm)
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=pk)
    require_reach(request.user, contact.customer, Customer.objects)
    return contact


def _download(request, data: dict, obj, fmt: str, stem: str):
    """The export as a file; logged as an export of the person's record (CUS-2)."""
    if fmt == "json":
        response = HttpResponse(privacy.as_json(data), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    else:
        response = excel.xlsx_response(privacy.as_workbook(data), f"{stem}.xlsx")
    rows = sum(len(section["rows"]) for section in data["sections"])
    record_access(
        request,
        AccessAction.EXPORT,
        obj,
        what=_("personal data (%(format)s), %(rows)s rows") % {"format": fmt.upper(), "rows": rows},
    )
    return response


def _refused(request, exc: ValidationError, customer: Customer):
    messages.error(request, " ".join(exc.messages))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_GET
def customer_personal_data(request, pk: int, fmt: str):
    """SEC-3: everything held about a customer who is a person, as JSON or Excel."""
    if fmt not in FORMATS:
        raise Http404
    customer = _customer(request, pk, privacy.EXPORT_PERSONAL_DATA)
    try:
        data = privacy.personal_data(actor=request.user, customer=customer)
    except ValidationError as exc:
        return _refused(request, exc, customer)
    stem = f"personal-data-{customer.code}-{timezone.localdate():%Y%m%d}"
    return _download(request, data, customer, fmt, stem)


@login_required
@require_GET
def contact_personal_data(request, pk: int, fmt: str):
    """SEC-3: everything held about one contact person, as JSON or Excel."""
    if fmt not in FORMATS:
        raise Http404
    contact = _contact(request, pk, privacy.EXPORT_PERSONAL_DATA)
    data = privacy.personal_data(actor=request.user, customer=contact.customer, contact=contact)
    day = timezone.localdate()
    stem = f"personal-data-{contact.customer.code}-contact-{contact.pk}-{day:%Y%m%d}"
    return _download(request, data, contact, fmt, stem)


def _confirm_page(request, customer, contact, form, status=200):
    return render(
        request,
        "customers/anonymise_confirm.html",
        {
            "customer": customer,
            "contact": contact,
            "form": form,
            "touched": privacy.preview(customer=customer, contact=contact),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_anonymise(request, pk: int):
    """SEC-3: confirm with the reason, then anonymise the person (once, for good)."""
    customer = _customer(request, pk, privacy.ANONYMISE)
    try:
        privacy.require_person(customer)
    except ValidationError as exc:
        return _refused(request, exc, customer)
    if customer.anonymised_at is not None:
        messages.info(request, _("This customer was already anonymised."))
        return redirect("customers:detail", pk=customer.pk)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.anonymise_customer(
                actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The person's data was anonymised."))
            return redirect("customers:detail", pk=customer.pk)
    return _confirm_page(request, customer, None, form, 400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def contact_anonymise(request, pk: int):
    """SEC-3: confirm with the reason, then anonymise one contact person."""
    contact = _contact(request, pk, privacy.ANONYMISE)
    if contact.anonymised_at is not None:
        messages.info(request, _("This contact was already anonymised."))
        return redirect("customers:detail", pk=contact.customer_id)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.anonymise_contact(
                actor=request.user, contact=contact, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The contact person's data was anonymised."))
            return redirect("customers:detail", pk=contact.customer_id)
    return _confirm_page(request, contact.customer, contact, form, 400 if form.is_bound else 200)
