"""REQ-6, SVC-7: questions referred to the person responsible — the card on the order page,
the two writes (refer, answer) and the list of questions waiting for a reply.

Thin views: the services check every rule and write the audit trail.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.core.exceptions import ServiceError
from aftersales.service import order_page, services
from aftersales.service.forms import AnswerForm, ReferralForm
from aftersales.service.models import Referral, ServiceOrder


def _answer_form(referral, data=None):
    return AnswerForm(data, auto_id=f"id_answer_{referral.pk}_%s")


def order_page_context(request, order: ServiceOrder, *, referral_form=None, answer_failed=None):
    """The order page's questions card: the questions, a form to refer one (for those who
    may), and an answer form on each open question the viewer may answer."""
    user = request.user
    referrals = (
        list(order.referrals.select_related("referred_to", "referred_by", "answered_by", "clock"))
        if order_page.may_have(order, "referrals")
        else []
    )
    failed_id, failed_form = answer_failed or (None, None)
    for referral in referrals:
        referral.answer_form = None
        if referral.is_open and services.may_answer(user, referral):
            referral.answer_form = (
                failed_form if referral.pk == failed_id else _answer_form(referral)
            )
    may_refer = user.has_perm(services.REFER_PERMISSION) and not any(r.is_open for r in referrals)
    # The form itself (its list of people) is loaded when the card's details are opened
    # (issue 7); a refused one is shown here with its errors.
    return {
        "referrals": referrals,
        "may_refer": may_refer or referral_form is not None,
        "referral_form": referral_form,
        "referral_failed": referral_form is not None and referral_form.is_bound,
    }


def _refer_form(request, order: ServiceOrder):
    """GET of the referral address: the form, loaded into the order page's card, or a page
    of its own."""
    from aftersales.service.views import form_on_demand

    form = ReferralForm(order=order, actor=request.user, auto_id="id_refer_%s")
    return form_on_demand(request, order, "service/_refer_form.html", {"referral_form": form})


@login_required
@require_http_methods(["GET", "POST"])
def order_refer(request, pk: int):
    """REQ-6: refer the customer's question to the person responsible (GET: the form)."""
    from aftersales.service.views import _detail, _order_for

    order = _order_for(request, pk)
    if not request.user.has_perm(services.REFER_PERMISSION):
        raise PermissionDenied(_("Your roles do not include referring questions."))
    if request.method == "GET":
        return _refer_form(request, order)
    form = ReferralForm(request.POST, order=order, actor=request.user, auto_id="id_refer_%s")
    if form.is_valid():
        try:
            referral = services.refer_question(actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("The question was referred to %(person)s.") % {"person": referral.referred_to},
            )
            return redirect(f"{order.get_absolute_url()}#referrals")
    return _detail(request, order, referral_form=form)


@login_required
@require_POST
def referral_answer(request, pk: int, referral_id: int):
    """REQ-6: record the reply the customer was given; stops the question's clock."""
    from aftersales.service.views import _detail, _order_for

    order = _order_for(request, pk)
    referral = get_object_or_404(order.referrals, pk=referral_id)
    if not services.may_answer(request.user, referral):
        raise PermissionDenied(
            _("Only the person the question was referred to, or dispatch, may answer it.")
        )
    form = _answer_form(referral, request.POST)
    if form.is_valid():
        try:
            services.answer_question(actor=request.user, referral=referral, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The reply is recorded."))
            return redirect(f"{order.get_absolute_url()}#referrals")
    return _detail(request, order, answer_failed=(referral.pk, form))


@login_required
def referral_list(request):
    """REQ-6: the questions waiting for a reply — the ones referred to me first; dispatch
    also sees every open question within reach. Oldest due first; constant queries."""
    user = request.user
    if not user.has_perm("service.view_serviceorder"):
        raise PermissionDenied(_("Your roles do not include viewing service orders."))
    show_all = user.has_perm("service.dispatch_serviceorder")
    if show_all:
        scope = Q(order__in=ServiceOrder.objects.visible_to(user).values("pk"))
    else:
        scope = Q(referred_to=user) | Q(referred_by=user)
    questions = (
        Referral.objects.filter(scope, answered_at__isnull=True)
        .select_related("order__customer", "referred_to", "referred_by", "clock")
        .order_by("clock__due_at", "referred_at", "pk")
    )
    return render(
        request,
        "service/referral_list.html",
        {"questions": questions[:200], "show_all": show_all, "now": timezone.now()},
    )
