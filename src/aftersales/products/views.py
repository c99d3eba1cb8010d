"""Pages for product models, units, warranty, contracts, handovers and the import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.reach import require_reach
from aftersales.audit.services import record_access
from aftersales.core.listing import ReachListView
from aftersales.products import importer, services
from aftersales.products.entitlement import entitlement
from aftersales.products.filtersets import ProductModelFilter, UnitFilter, with_cover
from aftersales.products.forms import (
    CancelContractForm,
    CategoryForm,
    ContractCustomerForm,
    ContractForm,
    EntitlementDateForm,
    ExtendedWarrantyForm,
    HandoverForm,
    ImportForm,
    ProductModelForm,
    UnitForm,
)
from aftersales.products.models import (
    MaintenanceContract,
    ProductCategory,
    ProductModel,
    Unit,
)


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perm}
        )


def _unit_in_reach(request, pk: int) -> Unit:
    """The unit, or a 403 that says it is outside the person's reach (never a 404 for it)."""
    unit = get_object_or_404(Unit.objects.select_related("product_model__category", "owner"), pk=pk)
    require_reach(request.user, unit, Unit.objects)
    return unit


# --- product models ------------------------------------------------------------------


class ProductModelListView(ReachListView):
    model = ProductModel
    permission_required = "products.view_productmodel"
    filterset_class = ProductModelFilter
    template_name = "products/model_list.html"
    paginate_by = 50

    def get_queryset(self):
        return ProductModel.objects.select_related("category")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = ProductCategory.objects.all()
        return ctx


@login_required
def model_edit(request, pk: int | None = None):
    product_model = get_object_or_404(ProductModel, pk=pk) if pk else None
    _need(request, "products.change_productmodel" if product_model else "products.add_productmodel")
    form = ProductModelForm(request.POST or None, instance=product_model)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_product_model(
                actor=request.user, product_model=product_model, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The product model was saved."))
            return redirect("products:model_list")
    return render(
        request, "products/model_form.html", {"form": form, "product_model": product_model}
    )


@login_required
def category_edit(request, pk: int | None = None):
    category = get_object_or_404(ProductCategory, pk=pk) if pk else None
    _need(
        request,
        "products.change_productcategory" if category else "products.add_productcategory",
    )
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("products:model_list")
    return render(request, "products/category_form.html", {"form": form, "category": category})


# --- units ---------------------------------------------------------------------------


class UnitListView(ReachListView):
    model = Unit
    permission_required = "products.view_unit"
    filterset_class = UnitFilter
    template_name = "products/unit_list.html"
    select_related = ["product_model", "owner"]

    def get_queryset(self):
        return with_cover(super().get_queryset())


@login_required
def unit_detail(request, pk: int):
    _need(request, "products.view_unit")
    unit = _unit_in_reach(request, pk)
    warranties = list(unit.warranties.all())
    contracts = list(unit.contracts.all())
    today = timezone.localdate()
    now = entitlement(unit, today, warranties=warranties, contracts=contracts)
    date_form = EntitlementDateForm(request.GET or None)
    checked = None
    if "date" in request.GET and date_form.is_valid():
        checked = entitlement(
            unit, date_form.cleaned_data["date"], warranties=warranties, contracts=contracts
        )
    user = request.user
    ctx = {
        "unit": unit,
        "now": now,
        "today": today,
        "date_form": date_form,
        "checked": checked,
        "warranties": sorted(warranties, key=lambda w: w.start_date),
        "contracts": contracts,
        "handovers": unit.handovers.select_related("salesperson"),
        "service_records": unit.service_records.all(),
        "can_change": user.has_perm("products.change_unit"),
        "can_extend": user.has_perm("products.add_warranty"),
        "can_contract": user.has_perm("products.add_maintenancecontract"),
        "can_cancel": user.has_perm("products.change_maintenancecontract"),
        "can_handover": user.has_perm("products.add_deliveryhandover"),
        "warranty_form": ExtendedWarrantyForm(),
        "handover_form": HandoverForm(),
    }
    return render(request, "products/unit_detail.html", ctx)


def _unit_form_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.UNIT_FIELDS}


@login_required
def unit_create(request):
    _need(request, "products.add_unit")
    initial = {}
    if request.GET.get("owner"):
        initial["owner"] = request.GET["owner"]
    form = UnitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.register_unit(actor=request.user, **_unit_form_fields(form))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Unit %(serial)s was registered.") % {"serial": unit})
            return redirect(unit)
    return render(request, "products/unit_form.html", {"form": form, "unit": None})


@login_required
def unit_edit(request, pk: int):
    _need(request, "products.change_unit")
    unit = _unit_in_reach(request, pk)
    form = UnitForm(request.POST or None, instance=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(actor=request.user, unit=unit, **_unit_form_fields(form))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The unit was saved."))
            return redirect(unit)
    return render(request, "products/unit_form.html", {"form": form, "unit": unit})


@login_required
def extended_warranty_add(request, pk: int):
    _need(request, "products.add_warranty")
    unit = _unit_in_reach(request, pk)
    form = ExtendedWarrantyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_extended_warranty(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The extended warranty was added."))
            return redirect(unit)
    return render(request, "products/extended_warranty_form.html", {"form": form, "unit": unit})


@login_required
def handover_add(request, pk: int):
    _need(request, "products.add_deliveryhandover")
    unit = _unit_in_reach(request, pk)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delivery_handover(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The handover was recorded."))
            return redirect(unit)
    return render(request, "products/handover_form.html", {"form": form, "unit": unit})


# --- maintenance contracts ------------------------------------------------------------


@login_required
def contract_create(request):
    """Step 1: the customer by number; step 2: tick their units and the terms."""
    _need(request, "products.add_maintenancecontract")
    customer_form = ContractCustomerForm(request.GET or None, user=request.user)
    customer = None
    if "customer" in request.GET and customer_form.is_valid():
        customer = customer_form.cleaned_data["customer"]
    form = None
    if customer is not None:
        initial = {"units": request.GET.getlist("unit")}
        form = ContractForm(request.POST or None, customer=customer, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                contract = services.create_maintenance_contract(
                    actor=request.user, customer=customer, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request, _("Contract %(number)s was created.") % {"number": contract.number}
                )
                return redirect("products:contract_detail", pk=contract.pk)
    return render(
        request,
        "products/contract_form.html",
        {"customer_form": customer_form, "customer": customer, "form": form},
    )


def _contract_in_reach(request, pk: int) -> MaintenanceContract:
    contract = get_object_or_404(MaintenanceContract.objects.select_related("customer"), pk=pk)
    require_reach(request.user, contract, MaintenanceContract.objects)
    return contract


@login_required
def contract_detail(request, pk: int):
    _need(request, "products.view_maintenancecontract")
    contract = _contract_in_reach(request, pk)
    if request.method == "GET":
        record_access(request, "view", contract)  # CUS-8: customer contracts are top secret
    form = CancelContractForm(request.POST or None)
    if request.method == "POST":
        _need(request, "products.change_maintenancecontract")
        if form.is_valid():
            try:
                services.cancel_maintenance_contract(
                    actor=request.user, contract=contract, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("The contract was cancelled."))
                return redirect("products:contract_detail", pk=contract.pk)
    return render(
        request,
        "products/contract_detail.html",
        {
            "contract": contract,
            "units": contract.units.select_related("product_model"),
            "form": form,
            "can_cancel": request.user.has_perm("products.change_maintenancecontract"),
        },
    )


# --- import ---------------------------------------------------------------------------


@login_required
def unit_import(request):
    _need(request, "products.import_units")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = importer.import_units(actor=request.user, fileobj=form.cleaned_data["file"])
        if result.ok:
            messages.success(
                request,
                _("%(n)s units were imported.") % {"n": len(result.units)},
            )
    return render(request, "products/unit_import.html", {"form": form, "result": result})


@login_required
def unit_import_template(request):
    _need(request, "products.import_units")
    response = HttpResponse(
        importer.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="units-template.xlsx"'
    return response


@login_required
def unit_qr_label(request, pk: int):
    """REQ-1: a printable label whose QR code opens the web repair form with the serial."""
    _need(request, "products.view_unit")
    unit = _unit_in_reach(request, pk)
    from aftersales.products.qr import repair_form_url, svg

    target = repair_form_url(request, unit.serial_number)
    return render(
        request, "products/unit_qr.html", {"unit": unit, "target": target, "qr_svg": svg(target)}
    )
