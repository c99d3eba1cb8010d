"""Field-work pages (SVC-3, SVC-5): the card's buttons on the order page, the take-back
hand-over with its printable view, and the return.

Thin views: find the order within reach (as the order page does), parse the form, call
one service, redirect with a message or show the form's errors. Signature images are
served only here, after the same reach check (403 outside).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.audit.services import record_access
from aftersales.core.exceptions import ServiceError
from aftersales.fieldwork import services
from aftersales.fieldwork.forms import CheckInForm, CheckOutForm, ReturnForm, TakeBackForm
from aftersales.fieldwork.models import TakeBack
from aftersales.service.models import ServiceOrder


def _order_for(request, pk: int) -> ServiceOrder:
    """The order if it exists, the user may view orders and it is within reach; else 403."""
    if not request.user.has_perm("service.view_serviceorder"):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": "service.view_serviceorder"}
        )
    order = get_object_or_404(
        ServiceOrder.objects.select_related("customer", "unit__product_model", "technician"),
        pk=pk,
    )
    if not ServiceOrder.objects.visible_to(request.user).filter(pk=order.pk).exists():
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )
    return order


def _take_back_for(request, pk: int) -> TakeBack:
    take_back = get_object_or_404(TakeBack.objects.select_related("technician"), pk=pk)
    take_back.order = _order_for(request, take_back.order_id)
    return take_back


def _back_to_order(order: ServiceOrder):
    return redirect(reverse("service:order_detail", args=[order.pk]) + "#fieldwork")


def _refused(request, exc: ServiceError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def tick_checklist(request, pk: int):
    """SVC-5: the ticked items of the pre-visit checklist."""
    order = _order_for(request, pk)
    try:
        ticked = services.tick_checklist(
            actor=request.user, order=order, item_ids=request.POST.getlist("items")
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        if ticked:
            messages.success(
                request,
                ngettext(
                    "%(count)d checklist item ticked.",
                    "%(count)d checklist items ticked.",
                    len(ticked),
                )
                % {"count": len(ticked)},
            )
    return _back_to_order(order)


@login_required
@require_POST
def check_in(request, pk: int):
    """SVC-3: arrival on site."""
    order = _order_for(request, pk)
    form = CheckInForm(request.POST)
    form.is_valid()  # two optional texts: always valid up to their length
    try:
        visit = services.check_in(
            actor=request.user,
            order=order,
            latitude=form.cleaned_data.get("latitude"),
            longitude=form.cleaned_data.get("longitude"),
        )
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Checked in at %(time)s.") % {"time": services.local_time(visit.checked_in_at)},
        )
    return _back_to_order(order)


@login_required
@require_POST
def check_out(request, pk: int):
    """SVC-3: leaving the site, with a note."""
    order = _order_for(request, pk)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The visit note is too long."))
        return _back_to_order(order)
    try:
        visit = services.check_out(actor=request.user, order=order, **form.cleaned_data)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Checked out at %(time)s.") % {"time": services.local_time(visit.checked_out_at)},
        )
    return _back_to_order(order)


@login_required
def take_back_create(request, pk: int):
    """SVC-3: the hand-over form for what is taken to the depot, signed by both."""
    order = _order_for(request, pk)
    services.require_actor(request.user, order)
    form = TakeBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            take_back = services.record_take_back(
                actor=request.user, order=order, **form.cleaned_data
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Hand-over %(number)s was recorded.") % {"number": take_back.number},
            )
            return redirect("fieldwork:take_back_detail", pk=take_back.pk)
    return render(request, "fieldwork/take_back_form.html", {"order": order, "form": form})


@login_required
@never_cache
def take_back_detail(request, pk: int):
    """The hand-over to print (or show the customer), with both signatures."""
    take_back = _take_back_for(request, pk)
    record_access(request, "view", take_back)  # CUS-8: hand-over records are secret
    return render(
        request,
        "fieldwork/take_back_detail.html",
        {
            "take_back": take_back,
            "order": take_back.order,
            "can_return": not take_back.is_returned
            and services.may_act(request.user, take_back.order),
        },
    )


@login_required
def take_back_return(request, pk: int):
    """SVC-3: the repaired part or product goes back; the customer signs for it."""
    take_back = _take_back_for(request, pk)
    services.require_actor(request.user, take_back.order)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_return(actor=request.user, take_back=take_back, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Return of %(number)s was recorded.") % {"number": take_back.number}
            )
            return redirect("fieldwork:take_back_detail", pk=take_back.pk)
    return render(
        request,
        "fieldwork/return_form.html",
        {"take_back": take_back, "order": take_back.order, "form": form},
    )


SIGNATURE_FIELDS = {
    "technician": "technician_signature",
    "customer": "customer_signature",
    "return": "return_signature",
}


@login_required
@never_cache
def take_back_signature(request, pk: int, which: str):
    """A signature of the hand-over, only for people who reach its order."""
    if which not in SIGNATURE_FIELDS:
        raise Http404(which)
    field = getattr(_take_back_for(request, pk), SIGNATURE_FIELDS[which])
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, filename=field.name.rsplit("/", 1)[-1])
