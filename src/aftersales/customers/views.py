"""Customer overview (客户状况一览表), customer file (客户档案) and their forms (CUS-1, CUS-5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.reach import require_reach
from aftersales.audit.models import AccessAction, AuditEntry
from aftersales.audit.presentation import hidden_fields, history_note, history_rows
from aftersales.audit.services import Counted, list_what, record_access
from aftersales.core import excel
from aftersales.core.listing import ReachListView
from aftersales.customers import services
from aftersales.customers.filtersets import CustomerFilter, with_key_figures
from aftersales.customers.forms import ContactForm, CustomerForm, ReasonForm
from aftersales.customers.models import Contact, Customer


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perm}
        )


def _customer_for(request, pk: int, perm: str = "customers.view_customer") -> Customer:
    """The customer if it exists, the user holds the right and it is within reach; else 403."""
    _require_perm(request.user, perm)
    customer = get_object_or_404(Customer.objects.select_related("region", "owner_unit"), pk=pk)
    require_reach(request.user, customer, Customer.objects)
    return customer


class CustomerListView(ReachListView):
    """CUS-1: one line per customer with the key figures; filter, search, export."""

    model = Customer
    permission_required = "customers.view_customer"
    filterset_class = CustomerFilter
    template_name = "customers/customer_list.html"

    def get_queryset(self):
        return with_key_figures(Customer.objects.visible_to(self.request.user)).order_by("code")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_export"] = user.has_perm("customers.export_customers")
        ctx["can_add"] = user.has_perm("customers.add_customer")
        return ctx


EXPORT_COLUMNS = [
    ("code", lambda c: c.code),
    ("name", lambda c: c.name),
    ("kind", lambda c: c.get_kind_display()),
    ("entity", lambda c: c.get_entity_display()),
    ("credit_code", lambda c: c.credit_code),
    ("service_tier", lambda c: c.service_tier),
    ("region", lambda c: str(c.region) if c.region else ""),
    ("owner_unit", lambda c: str(c.owner_unit)),
    ("phone", lambda c: c.phone),
    ("address", lambda c: c.address),
    ("relationship", lambda c: c.get_relationship_display()),
    ("credit", lambda c: c.get_credit_display()),
    ("credit_limit", lambda c: c.credit_limit),
]

FILE_COLUMNS = [
    *EXPORT_COLUMNS,
    ("email", lambda c: c.email),
    ("business_content", lambda c: c.business_content),
    ("notes", lambda c: c.notes),
]


@login_required
def customer_export(request):
    """CUS-1: the overview as an Excel file, with the same filters as the page."""
    _require_perm(request.user, "customers.view_customer")
    _require_perm(request.user, "customers.export_customers")
    queryset = with_key_figures(Customer.objects.visible_to(request.user)).order_by("code")
    filterset = CustomerFilter(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_valid() else queryset

    headers = [Customer._meta.get_field(name).verbose_name for name, _get in EXPORT_COLUMNS]
    headers += [_("Units"), _("Contacts"), Customer._meta.get_field("is_active").verbose_name]
    yes, no = _("Yes"), _("No")
    customers = Counted(rows.iterator(chunk_size=500))
    wb = excel.new_workbook()
    excel.add_sheet(
        wb,
        _("Customers"),
        headers,
        (
            [get(c) for _name, get in EXPORT_COLUMNS]
            + [c.units_count, c.contacts_count, yes if c.is_active else no]
            for c in customers
        ),
    )
    # CUS-2: one entry for the whole list, counted while it was written.
    what = list_what(_("Customer list export"), customers.count, request)
    record_access(request, AccessAction.EXPORT, what=what)
    return excel.xlsx_response(wb, f"customers-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def customer_file_export(request, pk: int):
    """CUS-1: one customer file as Excel — the file, its contacts, units and change history."""
    customer = _customer_for(request, pk)
    _require_perm(request.user, "customers.export_customers")
    field = Customer._meta.get_field
    wb = excel.new_workbook()
    file_rows = [[capfirst(field(name).verbose_name), get(customer)] for name, get in FILE_COLUMNS]
    excel.add_sheet(wb, _("Customer file"), [_("Field"), _("Value")], file_rows)
    contact_fields = ["name", "position", "phone", "email", "is_primary"]
    excel.add_sheet(
        wb,
        _("Contacts"),
        [Contact._meta.get_field(name).verbose_name for name in contact_fields],
        (
            [c.name, c.position, c.phone, c.email, _("Yes") if c.is_primary else ""]
            for c in customer.contacts.all()
        ),
    )
    excel.add_sheet(
        wb,
        _("Units"),
        [_("Serial number"), _("Model"), _("Delivery date")],
        (
            [row["unit"].serial_number, str(row["unit"].product_model), row["unit"].delivery_date]
            for row in _unit_rows(customer)
        ),
    )
    # An anonymised person's earlier values stay in the trail, not in files (SEC-3).
    hidden = hidden_fields(customer)
    excel.add_sheet(
        wb,
        _("History"),
        [_("Time"), _("By"), _("Action"), _("Changes")],
        (
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                e.actor_name,
                e.action,
                "; ".join(f"{r['label']}: {r['old'] or ''} → {r['new'] or ''}" for r in rows)
                or history_note(e, hidden(e)),
            ]
            for e, rows in (
                (e, history_rows(e, hidden(e))) for e in AuditEntry.objects.for_object(customer)
            )
        ),
    )
    record_access(request, AccessAction.EXPORT, customer, what=_("customer file (Excel)"))
    return excel.xlsx_response(wb, f"customer-{customer.code}.xlsx")


def _unit_rows(customer: Customer) -> list[dict]:
    """The units this customer owns, linked to the unit page when the products pages exist."""
    rows = []
    for unit in customer.units.select_related("product_model").order_by("serial_number"):
        try:
            url = unit.get_absolute_url()
        except (AttributeError, NoReverseMatch):
            url = ""
        rows.append({"unit": unit, "url": url})
    return rows


@login_required
def customer_detail(request, pk: int):
    """The customer file (客户档案): fields, contacts, units, history (CUS-1, CUS-3)."""
    customer = _customer_for(request, pk)
    record_access(request, AccessAction.VIEW, customer)
    user = request.user
    is_person = customer.entity == Customer.Entity.PERSON
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "units": _unit_rows(customer),
            "contact_form": ContactForm(auto_id="id_new_contact_%s"),
            "can_change": user.has_perm("customers.change_customer"),
            "can_export": user.has_perm("customers.export_customers"),
            "can_add_contact": user.has_perm("customers.add_contact")
            and customer.anonymised_at is None,
            "can_change_contact": user.has_perm("customers.change_contact"),
            "can_delete_contact": user.has_perm("customers.delete_contact"),
            # SEC-3: a person's data rights (a company's file is not personal data).
            "can_export_personal": user.has_perm("customers.export_personal_data"),
            "can_anonymise": user.has_perm("customers.anonymise_customer"),
            "is_person": is_person,
        },
    )


@login_required
def customer_create(request):
    _require_perm(request.user, "customers.add_customer")
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Customer %(code)s was filed.") % {"code": customer.code})
            # Filed from the intake page: back to it with the new customer chosen.
            if request.GET.get("for") == "order" and request.user.has_perm(
                "service.add_serviceorder"
            ):
                return redirect(f"{reverse('service:order_create')}?customer={customer.pk}")
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


@login_required
def customer_edit(request, pk: int):
    customer = _customer_for(request, pk, "customers.change_customer")
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The customer file was saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


def _set_active(request, pk: int, service, done: str):
    customer = _customer_for(request, pk, "customers.change_customer")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        service(actor=request.user, customer=customer, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_deactivate(request, pk: int):
    return _set_active(
        request, pk, services.deactivate_customer, _("The customer was deactivated.")
    )


@login_required
@require_POST
def customer_reactivate(request, pk: int):
    return _set_active(
        request, pk, services.reactivate_customer, _("The customer was reactivated.")
    )


def _contact_for(request, pk: int, perm: str) -> Contact:
    _require_perm(request.user, perm)
    contact = get_object_or_404(Contact.objects.select_related("customer"), pk=pk)
    require_reach(request.user, contact.customer, Customer.objects)
    return contact


@login_required
def contact_add(request, pk: int):
    customer = _customer_for(request, pk, "customers.add_contact")
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contact(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The contact was added."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
    )


@login_required
def contact_edit(request, pk: int):
    contact = _contact_for(request, pk, "customers.change_contact")
    if request.method == "GET":
        record_access(request, AccessAction.VIEW, contact)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("customers:detail", pk=contact.customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@login_required
@require_POST
def contact_remove(request, pk: int):
    contact = _contact_for(request, pk, "customers.delete_contact")
    customer_id = contact.customer_id
    services.remove_contact(actor=request.user, contact=contact)
    messages.success(request, _("The contact was removed."))
    return redirect("customers:detail", pk=customer_id)
