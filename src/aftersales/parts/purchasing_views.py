"""Pages of purchase inquiries (PRT-7): the list (open first), asking purchasing about a part
that is not an assembly, and the inquiry with purchasing's answer form and the asker's
withdraw.

Thin views: find the object within what the user may see (404 if missing, 403 otherwise),
validate a form, call one service of ``parts.purchasing``, redirect with a message.
Refused input is shown on the same page with status 400.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.core.permissions import require_any_perm
from aftersales.parts import purchasing
from aftersales.parts.models import InquiryStatus, Part, PurchaseInquiry
from aftersales.parts.purchasing_forms import AnswerForm, InquiryForm, WithdrawForm
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

READERS = ("parts.view_purchaseinquiry",)
ASK = purchasing.ASK


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=InquiryStatus.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("All"),
    )

    class Meta:
        model = PurchaseInquiry
        fields = ["status"]


class InquiryListView(ReachListView):
    """PRT-7: inquiries the user may see, open ones first, newest first."""

    model = PurchaseInquiry
    permission_required = READERS
    filterset_class = InquiryFilter
    template_name = "parts/purchasing/inquiry_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            purchasing.inquiries_visible_to(self.request.user)
            .select_related("part", "order", "asked_by", "answered_by")
            .annotate(
                waiting=Case(
                    When(status=InquiryStatus.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("waiting", "-asked_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_ask"] = self.request.user.has_perm(ASK)
        return ctx


def _digits(request, name: str) -> int | None:
    raw = request.POST.get(name) or request.GET.get(name) or ""
    return int(raw) if raw.isdigit() else None


@login_required
def inquiry_create(request):
    """PRT-7: ask purchasing (``?order=<id>&part=<id>`` pre-fill the order and the part)."""
    require_any_perm(request.user, ASK)
    order = None
    order_pk = _digits(request, "order")
    if order_pk is not None:
        order = get_object_or_404(ServiceOrder.objects.select_related("customer"), pk=order_pk)
        require_order_reach(request.user, order.pk)
    status = 200
    if request.method == "POST":
        form = InquiryForm(request.POST)
        if form.is_valid():
            try:
                inquiry = purchasing.ask_purchasing(
                    actor=request.user, order=order, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Inquiry %(number)s sent to purchasing.") % {"number": inquiry.number},
                )
                return redirect("parts:inquiry_detail", pk=inquiry.pk)
        status = 400
    else:
        initial = {}
        part_pk = _digits(request, "part")
        if part_pk is not None:
            part = Part.objects.filter(pk=part_pk).first()
            if part is not None:
                initial["part"] = f"{part.code} {part.name}"
        form = InquiryForm(initial=initial)
    return render(
        request,
        "parts/purchasing/inquiry_form.html",
        {"form": form, "order": order},
        status=status,
    )


def _inquiry_for(request, pk: int) -> PurchaseInquiry:
    inquiry = get_object_or_404(
        PurchaseInquiry.objects.select_related(
            "part", "order__customer", "asked_by", "answered_by"
        ),
        pk=pk,
    )
    if not purchasing.inquiries_visible_to(request.user).filter(pk=inquiry.pk).exists():
        if inquiry.order_id:
            require_order_reach(request.user, inquiry.order_id)
        raise PermissionDenied(_("This inquiry is someone else's, outside your reach."))
    return inquiry


def _detail(request, inquiry: PurchaseInquiry, forms: dict | None = None, status: int = 200):
    user = request.user
    forms = forms or {}
    is_open = inquiry.status == InquiryStatus.OPEN
    reason = ""
    if inquiry.status == InquiryStatus.WITHDRAWN:
        entry = (
            AuditEntry.objects.filter(action="parts.inquiry.withdrawn", object_id=str(inquiry.pk))
            .order_by("-at")
            .first()
        )
        reason = entry.note if entry else ""
    return render(
        request,
        "parts/purchasing/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "withdraw_reason": reason,
            "answer_form": forms.get("answer")
            or (AnswerForm() if is_open and user.has_perm(purchasing.ANSWER) else None),
            "withdraw_form": forms.get("withdraw")
            or (
                WithdrawForm()
                if is_open and inquiry.asked_by_id == user.pk and user.has_perm(ASK)
                else None
            ),
            "can_see_order": user.has_perm("service.view_serviceorder"),
        },
        status=status,
    )


@login_required
def inquiry_detail(request, pk: int):
    require_any_perm(request.user, *READERS)
    return _detail(request, _inquiry_for(request, pk))


@login_required
@require_POST
def inquiry_answer(request, pk: int):
    """PRT-7: purchasing answers yes (supplier, cost, date) or no."""
    require_any_perm(request.user, purchasing.ANSWER)
    inquiry = _inquiry_for(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            purchasing.answer_inquiry(actor=request.user, inquiry=inquiry, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Inquiry %(number)s answered.") % {"number": inquiry.number}
            )
            return redirect("parts:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, {"answer": form}, status=400)


@login_required
@require_POST
def inquiry_withdraw(request, pk: int):
    require_any_perm(request.user, ASK, purchasing.ANSWER)
    inquiry = _inquiry_for(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            purchasing.withdraw_inquiry(
                actor=request.user, inquiry=inquiry, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Inquiry %(number)s withdrawn.") % {"number": inquiry.number}
            )
            return redirect("parts:inquiry_detail", pk=inquiry.pk)
    return _detail(request, inquiry, {"withdraw": form}, status=400)


urlpatterns = [
    path("inquiries/", InquiryListView.as_view(), name="inquiry_list"),
    path("inquiries/new/", inquiry_create, name="inquiry_create"),
    path("inquiries/<int:pk>/", inquiry_detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/answer/", inquiry_answer, name="inquiry_answer"),
    path("inquiries/<int:pk>/withdraw/", inquiry_withdraw, name="inquiry_withdraw"),
]
