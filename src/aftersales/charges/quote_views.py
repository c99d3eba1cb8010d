"""Pages of the charge sheet and the quotation (FEE-1, FEE-2): labour added and cancelled
from the order page's charges card, the quotation made from it, the quotation page where
the customer accepts (a drawn signature or recorded phone agreement) or declines, its PDF,
and the list of quotations in reach.

Thin views: find the object within reach (403 outside, with the reason), validate a form,
call one service of ``charges.quotes``, redirect with a message. A refused input is shown
on the page the person was on, with status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from aftersales.audit.services import record_access
from aftersales.charges import quotes
from aftersales.charges.models import LabourLine, Quotation, QuotationStatus
from aftersales.charges.quote_forms import (
    AcceptPhoneForm,
    AcceptSignatureForm,
    CancelLabourForm,
    DeclineForm,
    LabourForm,
    QuotationFilterForm,
    QuotationMakeForm,
)
from aftersales.core.exceptions import ServiceError
from aftersales.core.forms import error_lines
from aftersales.core.permissions import require_any_perm
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_QUOTATIONS = quotes.VIEW_QUOTATIONS
ADD_QUOTATIONS = quotes.ADD_QUOTATIONS
ADD_LABOUR = quotes.ADD_LABOUR
PAGE_SIZE = 50


def labour_rates(order: ServiceOrder):
    """FEE-2: the labour rates in force on the order's received day (one query)."""
    from aftersales.parts.catalogue import labour_rates_on

    return labour_rates_on(timezone.localdate(order.received_at))


def _order_for(request, pk: int) -> ServiceOrder:
    order = get_object_or_404(ServiceOrder.objects.select_related("technician"), pk=pk)
    require_order_reach(request.user, order.pk)
    return order


def _quotation_for(request, pk: int) -> Quotation:
    quotation = get_object_or_404(
        Quotation.objects.select_related(
            "order__customer", "order__technician", "order__org_unit", "recorded_by"
        ),
        pk=pk,
    )
    require_order_reach(request.user, quotation.order_id)
    return quotation


def _back_to_order(order_id: int):
    return redirect(reverse("service:order_detail", args=[order_id]) + "#charges")


def _order_page(request, order: ServiceOrder, failed: dict):
    """The order page again, the charges card showing what was refused (400)."""
    from aftersales.service import views as service_views

    request.charges_card_failed = failed
    response = service_views.order_detail(request, order.pk)
    response.status_code = 400
    return response


# --- the order page's card: labour and the quotation -------------------------------------


@login_required
@require_POST
def labour_add(request, order_pk: int):
    """FEE-1, FEE-2: labour on the order from the rate in force on its received day."""
    require_any_perm(request.user, ADD_LABOUR)
    order = _order_for(request, order_pk)
    if not quotes.may_work_charges(request.user, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may record labour."))
    form = LabourForm(request.POST, rates=labour_rates(order), auto_id="id_labour_%s")
    if form.is_valid():
        try:
            line = quotes.add_labour(actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Labour %(name)s × %(quantity)s added: ¥%(amount)s.")
                % {"name": line.rate.name, "quantity": line.quantity, "amount": line.amount},
            )
            return _back_to_order(order.pk)
    return _order_page(request, order, {"labour_form": form})


@login_required
@require_POST
def labour_cancel(request, pk: int):
    """A labour line entered by mistake is cancelled with the reason."""
    require_any_perm(request.user, ADD_LABOUR)
    line = get_object_or_404(LabourLine.objects.select_related("order__technician", "rate"), pk=pk)
    require_order_reach(request.user, line.order_id)
    form = CancelLabourForm(request.POST)
    if form.is_valid():
        try:
            quotes.cancel_labour(actor=request.user, line=line, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Labour %(name)s cancelled.") % {"name": line.rate.name})
            return _back_to_order(line.order_id)
    return _order_page(request, line.order, {"labour": line.pk, "errors": error_lines(form)})


@login_required
@require_POST
def quotation_make(request, order_pk: int):
    """FEE-2: freeze the order's charges as a quotation for the customer."""
    require_any_perm(request.user, ADD_QUOTATIONS)
    order = _order_for(request, order_pk)
    form = QuotationMakeForm(request.POST)
    if form.is_valid():
        try:
            quotation = quotes.make_quotation(actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Quotation %(number)s made: ¥%(total)s. The customer accepts it next.")
                % {"number": quotation.number, "total": quotation.total},
            )
            return redirect("charges:quotation_detail", pk=quotation.pk)
    return _order_page(request, order, {"quotation_errors": error_lines(form)})


# --- the quotation page -----------------------------------------------------------------


def _detail_page(request, quotation: Quotation, failed: dict | None = None):
    failed = failed or {}
    user = request.user
    state = quotes.quotation_state(quotation.order)
    current = state["sheet"].fingerprint == quotation.fingerprint
    can_answer = quotation.status == QuotationStatus.PENDING and user.has_perm(ADD_QUOTATIONS)
    expired = quotes.is_expired(quotation)
    return render(
        request,
        "charges/quotes/quotation_detail.html",
        {
            "quotation": quotation,
            "order": quotation.order,
            "current": current,
            "expired": expired,
            "can_answer": can_answer and current and not expired,
            "can_decline": can_answer,
            "can_remake": user.has_perm(ADD_QUOTATIONS) and not current,
            "signature_form": failed.get("signature") or AcceptSignatureForm(auto_id="id_sig_%s"),
            "phone_form": failed.get("phone") or AcceptPhoneForm(auto_id="id_phone_%s"),
            "decline_form": failed.get("decline") or DeclineForm(auto_id="id_decline_%s"),
            "failed": next(iter(failed), ""),
            "can_see_order": user.has_perm("service.view_serviceorder"),
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def quotation_detail(request, pk: int):
    """FEE-2: the frozen quotation; while pending, the customer's acceptance (signature or
    phone) or refusal."""
    require_any_perm(request.user, VIEW_QUOTATIONS)
    return _detail_page(request, _quotation_for(request, pk))


@login_required
@require_POST
def quotation_accept(request, pk: int):
    """FEE-2: the customer accepts: ``method`` is "signature" or "phone"."""
    require_any_perm(request.user, ADD_QUOTATIONS)
    quotation = _quotation_for(request, pk)
    if request.POST.get("method") == "phone":
        key, form = "phone", AcceptPhoneForm(request.POST, auto_id="id_phone_%s")
    else:
        key, form = "signature", AcceptSignatureForm(request.POST, auto_id="id_sig_%s")
    if form.is_valid():
        try:
            quotes.accept_quotation(
                actor=request.user, quotation=quotation, **form.service_arguments()
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Quotation %(number)s accepted by %(name)s.")
                % {"number": quotation.number, "name": form.cleaned_data["signer_name"]},
            )
            return redirect("charges:quotation_detail", pk=quotation.pk)
    return _detail_page(request, quotation, {key: form})


@login_required
@require_POST
def quotation_decline(request, pk: int):
    """FEE-2: the customer does not accept the quotation (with the reason)."""
    require_any_perm(request.user, ADD_QUOTATIONS)
    quotation = _quotation_for(request, pk)
    form = DeclineForm(request.POST, auto_id="id_decline_%s")
    if form.is_valid():
        try:
            quotes.decline_quotation(actor=request.user, quotation=quotation, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Quotation %(number)s declined.") % {"number": quotation.number}
            )
            return redirect("charges:quotation_detail", pk=quotation.pk)
    return _detail_page(request, quotation, {"decline": form})


@login_required
@require_GET
@never_cache
def quotation_pdf(request, pk: int):
    """FEE-2: the quotation to print or send, with the acceptance once given."""
    require_any_perm(request.user, VIEW_QUOTATIONS)
    quotation = _quotation_for(request, pk)
    record_access(request, "print", quotation)
    response = HttpResponse(quotes.render_quotation(quotation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quotation.number}.pdf"'
    return response


@login_required
@never_cache
def quotation_signature(request, pk: int):
    """The stored signature image, only through the quotation's reach check."""
    from django.http import FileResponse, Http404

    require_any_perm(request.user, VIEW_QUOTATIONS)
    quotation = _quotation_for(request, pk)
    if not quotation.signature:
        raise Http404()
    try:
        handle = quotation.signature.open("rb")
    except OSError as exc:
        raise Http404() from exc
    kind = "image/jpeg" if quotation.signature.name.endswith(".jpg") else "image/png"
    return FileResponse(handle, content_type=kind)


@login_required
@require_GET
def quotation_list(request):
    """FEE-2: the quotations of the orders in reach, newest first, by status."""
    require_any_perm(request.user, VIEW_QUOTATIONS)
    filters = QuotationFilterForm(request.GET)
    found = Quotation.objects.filter(
        order__in=ServiceOrder.objects.visible_to(request.user).values("pk")
    )
    status = ""
    if filters.is_valid():
        status = filters.cleaned_data["status"]
        if status:
            found = found.filter(status=status)
    found = found.select_related("order__customer", "order__technician").order_by(
        "-created_at", "-pk"
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "charges/quotes/quotation_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "today": timezone.localdate(),
            "querystring_without_page": f"status={status}&" if status else "",
        },
    )


urlpatterns = [
    path("quotations/", quotation_list, name="quotation_list"),
    path("quotations/<int:pk>/", quotation_detail, name="quotation_detail"),
    path("quotations/<int:pk>/pdf/", quotation_pdf, name="quotation_pdf"),
    path("quotations/<int:pk>/signature/", quotation_signature, name="quotation_signature"),
    path("quotations/<int:pk>/accept/", quotation_accept, name="quotation_accept"),
    path("quotations/<int:pk>/decline/", quotation_decline, name="quotation_decline"),
    path("orders/<int:order_pk>/quotation/", quotation_make, name="quotation_make"),
    path("orders/<int:order_pk>/labour/", labour_add, name="labour_add"),
    path("labour/<int:pk>/cancel/", labour_cancel, name="labour_cancel"),
]
