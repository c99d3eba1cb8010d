"""Pages of the parts catalogue, its price list and the labour rates (PRT-8, FEE-2).

Thin views: find the object, validate the form, call one service of ``parts.catalogue``,
render or redirect. A form refused (by the form or by the service) is shown again with
its errors and status 400; a missing right is a 403 that names it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.core.permissions import require_any_perm
from aftersales.parts import catalogue
from aftersales.parts.catalogue_filtersets import PartFilter
from aftersales.parts.catalogue_forms import LabourRateForm, PartForm, PriceForm
from aftersales.parts.models import LabourRate, Part, StockLevel


def _render(request, template: str, ctx: dict, form=None):
    """Render; a bound form with errors answers 400 (the input was refused)."""
    failed = form is not None and form.is_bound and bool(form.errors)
    return render(request, template, ctx, status=400 if failed else 200)


# --- the catalogue ---------------------------------------------------------------------


class PartListView(ReachListView):
    """Every part (the catalogue is company-wide) with the price in force today."""

    model = Part
    permission_required = "parts.view_part"
    filterset_class = PartFilter
    template_name = "parts/catalogue/part_list.html"
    paginate_by = 50

    def get_queryset(self):
        return catalogue.with_price_on(Part.objects.all()).order_by("code")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["today"] = timezone.localdate()
        ctx["can_see_prices"] = user.has_perm("parts.view_partprice")
        ctx["can_see_rates"] = user.has_perm("parts.view_labourrate") or user.has_perm(
            catalogue.PRICE_PERM
        )
        return ctx


def _detail(request, part: Part, price_form: PriceForm | None = None):
    user = request.user
    can_price = user.has_perm(catalogue.PRICE_PERM)
    today = timezone.localdate()
    ctx = {
        "part": part,
        "today": today,
        "models": part.compatible_models.order_by("code"),
        "can_change": user.has_perm("parts.change_part"),
        "can_price": can_price,
        "can_see_prices": user.has_perm("parts.view_partprice") or can_price,
        "can_see_stock": user.has_perm("parts.view_stocklevel"),
        "price_form": price_form or (PriceForm() if can_price else None),
    }
    if ctx["can_see_prices"]:
        ctx["price_today"] = catalogue.price_on(part, today)
        ctx["prices"] = part.prices.select_related("created_by", "updated_by").order_by(
            "-effective_from"
        )
    if ctx["can_see_stock"]:
        levels = list(
            StockLevel.objects.filter(part=part)
            .select_related("warehouse")
            .order_by("warehouse__code")
        )
        ctx["levels"] = levels
        ctx["on_hand_total"] = sum(level.on_hand for level in levels)
    return _render(request, "parts/catalogue/part_detail.html", ctx, price_form)


@login_required
def part_detail(request, pk: int):
    require_any_perm(request.user, "parts.view_part")
    return _detail(request, get_object_or_404(Part, pk=pk))


@login_required
def part_edit(request, pk: int | None = None):
    """Add a part (pk None) or change one (PRT-8)."""
    part = get_object_or_404(Part, pk=pk) if pk else None
    require_any_perm(request.user, "parts.change_part" if part else "parts.add_part")
    form = PartForm(request.POST or None, instance=part)
    if request.method == "POST" and form.is_valid():
        try:
            if part is None:
                saved = catalogue.create_part(actor=request.user, **form.cleaned_data)
            else:
                saved = catalogue.update_part(actor=request.user, part=part, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Part %(code)s was saved.") % {"code": saved.code})
            return redirect("parts:part_detail", pk=saved.pk)
    return _render(request, "parts/catalogue/part_form.html", {"form": form, "part": part}, form)


@login_required
def price_add(request, pk: int):
    """FEE-2: finance sets a new price of the part (today or later)."""
    require_any_perm(request.user, catalogue.PRICE_PERM)
    part = get_object_or_404(Part, pk=pk)
    if request.method != "POST":
        return redirect("parts:part_detail", pk=part.pk)
    form = PriceForm(request.POST)
    if form.is_valid():
        try:
            price = catalogue.set_price(actor=request.user, part=part, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("The price of %(code)s is %(price)s from %(day)s.")
                % {
                    "code": part.code,
                    "price": price.list_price,
                    "day": price.effective_from.isoformat(),
                },
            )
            return redirect("parts:part_detail", pk=part.pk)
    return _detail(request, part, price_form=form)


# --- labour rates ------------------------------------------------------------------------


@login_required
def labour_rates(request):
    """FEE-2: the labour-rate standard — rates in force today, their history, and (for
    finance) the form to set a rate."""
    user = request.user
    require_any_perm(user, "parts.view_labourrate", catalogue.PRICE_PERM)
    can_set = user.has_perm(catalogue.PRICE_PERM)
    form = None
    if request.method == "POST":
        require_any_perm(user, catalogue.PRICE_PERM)
        form = LabourRateForm(request.POST)
        if form.is_valid():
            try:
                rate = catalogue.set_labour_rate(actor=user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("The rate of %(name)s is %(rate)s from %(day)s.")
                    % {
                        "name": rate.name,
                        "rate": rate.rate,
                        "day": rate.effective_from.isoformat(),
                    },
                )
                return redirect("parts:labour_rates")
    elif can_set:
        initial = {"effective_from": timezone.localdate()}
        code = request.GET.get("code", "").strip().upper()
        current = catalogue.labour_rate_on(code, timezone.localdate()) if code else None
        if current is not None:
            initial.update(code=current.code, name=current.name, basis=current.basis)
        form = LabourRateForm(initial=initial)
    today = timezone.localdate()
    ctx = {
        "today": today,
        "current": catalogue.labour_rates_on(today),
        "history": LabourRate.objects.select_related("created_by", "updated_by").order_by(
            "code", "-effective_from"
        ),
        "form": form,
        "can_set": can_set,
    }
    return _render(request, "parts/catalogue/labour_rates.html", ctx, form)


urlpatterns: list = [
    path("catalogue/", PartListView.as_view(), name="part_list"),
    path("catalogue/new/", part_edit, name="part_create"),
    path("catalogue/<int:pk>/", part_detail, name="part_detail"),
    path("catalogue/<int:pk>/edit/", part_edit, name="part_edit"),
    path("catalogue/<int:pk>/prices/", price_add, name="price_add"),
    path("labour-rates/", labour_rates, name="labour_rates"),
]
