"""Pages of the customer's money (FEE-3, FEE-5, FIN-2): collection on site with the receipt,
finance's payments with the 12-hour notice, the technician's cash and its hand-over, and
the invoices.

Thin views: find the object within reach (403 outside, with the reason), validate a form,
call one service of ``charges.money``, redirect with a message. A refused input is shown on
the page the person was on, with status 400. Lists read a fixed number of queries.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Q, Value, When
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.accounts.models import User
from aftersales.audit.services import record_access
from aftersales.charges import money
from aftersales.charges.models import CashHandover, CustomerPayment, Invoice, InvoiceStatus
from aftersales.charges.money_forms import (
    CollectForm,
    HandoverForm,
    InvoiceFilter,
    InvoiceIssueForm,
    InvoiceRequestForm,
    PaymentFilter,
    ReasonForm,
    RegisterForm,
)
from aftersales.charges.sheet import charge_sheet
from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import style_filter_form
from aftersales.core.permissions import require_any_perm
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_PAYMENTS = ("charges.view_customerpayment", money.COLLECT, money.REGISTER)
VIEW_HANDOVERS = "charges.view_cashhandover"
VIEW_INVOICES = "charges.view_invoice"
PAGE_SIZE = 50
PAYMENT_RELATED = ("order__customer", "order__technician", "received_by", "handover")


def _order_for(request, pk: int) -> ServiceOrder:
    order = get_object_or_404(ServiceOrder.objects.select_related("customer", "technician"), pk=pk)
    require_order_reach(request.user, order.pk)
    return order


def _sees_own_only(user) -> bool:
    """A technician sees the receipts they wrote and the payments of their orders; finance
    and the order desk see every payment in reach."""
    return user.has_perm(money.COLLECT) and not user.has_perm(money.REGISTER)


def _payments_for(user):
    found = CustomerPayment.objects.filter(
        order__in=ServiceOrder.objects.visible_to(user).values("pk")
    )
    if _sees_own_only(user):
        found = found.filter(Q(received_by=user) | Q(order__technician=user))
    return found


def _payment_for(request, pk: int) -> CustomerPayment:
    payment = get_object_or_404(
        CustomerPayment.objects.select_related(*PAYMENT_RELATED, "voided_by"), pk=pk
    )
    require_order_reach(request.user, payment.order_id)
    if _sees_own_only(request.user) and request.user.pk not in (
        payment.received_by_id,
        payment.order.technician_id,
    ):
        raise PermissionDenied(_("This payment is not on one of your orders."))
    return payment


def _annotate(payments, now=None):
    now = now or timezone.now()
    for p in payments:
        p.notice = money.notice_state(p, now)
        p.notice_label = money.NOTICE_LABELS[p.notice]
    return payments


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


# --- FEE-3: collection on site ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collect(request, order_pk: int):
    """FEE-3: the technician on the phone takes the customer's money; the amount starts at
    what is owed; the receipt follows."""
    require_any_perm(request.user, money.COLLECT)
    order = _order_for(request, order_pk)
    if not money.may_collect(request.user, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may collect payment."))
    sheet = charge_sheet(order)
    if request.method == "POST":
        form = CollectForm(request.POST)
        if form.is_valid():
            try:
                payment = money.collect_on_site(
                    actor=request.user, order=order, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Receipt %(number)s: %(amount)s received on %(order)s.")
                    % {
                        "number": payment.number,
                        "amount": f"¥{payment.amount:.2f}",
                        "order": order.number,
                    },
                )
                return redirect("charges:payment_detail", pk=payment.pk)
    else:
        form = CollectForm(initial={"amount": max(sheet.outstanding, money.ZERO)})
    return render(
        request,
        "charges/money/collect.html",
        {"order": order, "sheet": sheet, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- payments ---------------------------------------------------------------------------------


@login_required
def payment_list(request):
    """Finance: every payment in reach, filtered; a technician: their own receipts and the
    payments of their orders. FEE-5 lateness is shown on each."""
    require_any_perm(request.user, *VIEW_PAYMENTS)
    found = _payments_for(request.user).select_related(*PAYMENT_RELATED)
    filterset = PaymentFilter(request.GET or None, queryset=found.order_by("-received_at", "-pk"))
    style_filter_form(filterset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _annotate(page.object_list)
    return render(
        request,
        "charges/money/payment_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "own_only": _sees_own_only(request.user),
            "can_register": request.user.has_perm(money.REGISTER),
            "querystring_without_page": _querystring(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_register(request):
    """FEE-5: finance records money that arrived, against the order (``?order=<id>``)."""
    require_any_perm(request.user, money.REGISTER)
    order = None
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            order = form.cleaned_data["order"]
            require_order_reach(request.user, order.pk)
            data = {k: v for k, v in form.cleaned_data.items() if k != "order"}
            try:
                payment = money.register_payment(actor=request.user, order=order, **data)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Payment %(number)s of %(amount)s registered on %(order)s.")
                    % {
                        "number": payment.number,
                        "amount": f"¥{payment.amount:.2f}",
                        "order": order.number,
                    },
                )
                return redirect("charges:payment_detail", pk=payment.pk)
    else:
        initial = {}
        raw = request.GET.get("order", "")
        if raw.isdigit():
            order = _order_for(request, int(raw))
            initial = {
                "order": order.number,
                "amount": max(charge_sheet(order).outstanding, money.ZERO),
            }
        form = RegisterForm(initial=initial)
    return render(
        request,
        "charges/money/payment_form.html",
        {"form": form, "order": order, "hours": money.notice_hours()},
        status=400 if request.method == "POST" else 200,
    )


def _detail_page(request, payment, *, void_form=None, refused=None):
    _annotate([payment])
    user = request.user
    return render(
        request,
        "charges/money/payment_detail.html",
        {
            "payment": payment,
            "void_form": void_form or ReasonForm(),
            "refused": refused or [],
            "can_notify": user.has_perm(money.REGISTER)
            and payment.notified_at is None
            and payment.voided_at is None,
            "can_void": user.has_perm(money.REGISTER)
            and payment.voided_at is None
            and payment.handover_id is None,
        },
        status=400 if (void_form is not None or refused) else 200,
    )


@login_required
def payment_detail(request, pk: int):
    """The receipt or payment: amount, who, when, whether the technician was told (late?),
    the hand-over; finance tells the technician or voids it here."""
    require_any_perm(request.user, *VIEW_PAYMENTS)
    return _detail_page(request, _payment_for(request, pk))


@login_required
@require_POST
def payment_notify(request, pk: int):
    """FEE-5: finance tells the technician the money arrived."""
    require_any_perm(request.user, money.REGISTER)
    payment = _payment_for(request, pk)
    try:
        money.notify_technician(actor=request.user, payment=payment)
    except ServiceError as exc:
        return _detail_page(request, payment, refused=[str(m) for m in exc.messages])
    messages.success(
        request, _("The technician is told of %(number)s.") % {"number": payment.number}
    )
    return redirect("charges:payment_detail", pk=payment.pk)


@login_required
@require_POST
def payment_void(request, pk: int):
    """A wrong payment voided with the reason (not once handed over)."""
    require_any_perm(request.user, money.REGISTER)
    payment = _payment_for(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            money.void_payment(actor=request.user, payment=payment, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("%(number)s is voided.") % {"number": payment.number})
            return redirect("charges:payment_detail", pk=payment.pk)
    return _detail_page(request, payment, void_form=form)


@login_required
@never_cache
def receipt_pdf(request, pk: int):
    """FEE-3: the receipt (收据) to print or send to the customer."""
    require_any_perm(request.user, *VIEW_PAYMENTS)
    payment = _payment_for(request, pk)
    from aftersales.charges.receipt import render_receipt

    record_access(request, "print", payment)

    return FileResponse(
        io.BytesIO(render_receipt(payment)),
        content_type="application/pdf",
        filename=f"{payment.number}.pdf",
    )


# --- FEE-3: cash in hand and its hand-over ---------------------------------------------------


def _takes_cash(user) -> bool:
    return user.has_perm(money.HAND_OVER) or user.has_perm(VIEW_HANDOVERS)


def _cash_page(request, failed: HandoverForm | None = None):
    user = request.user
    now = timezone.now()
    ctx = {"now": now, "finance": _takes_cash(user), "can_take": user.has_perm(money.HAND_OVER)}
    if ctx["finance"]:
        ctx["rows"] = money.cash_in_hand_by_technician()
        chosen = None
        raw = (
            str(failed.data.get("technician", "")) if failed else request.GET.get("technician", "")
        )
        if raw.isdigit():
            chosen = User.objects.filter(pk=int(raw)).first()
        if chosen is not None:
            held = money.cash_in_hand(chosen)
            ctx["held"] = held
            ctx["form"] = failed or HandoverForm(
                initial={
                    "technician": chosen.pk,
                    "payments": [p.pk for p in held.payments],
                }
            )
            ctx["checked"] = (
                {str(v) for v in failed.data.getlist("payments")}
                if failed
                else {str(p.pk) for p in held.payments}
            )
        ctx["handovers"] = list(
            CashHandover.objects.select_related("technician", "received_by").order_by(
                "-received_at", "-pk"
            )[:20]
        )
    else:
        ctx["held"] = money.cash_in_hand(user)
        ctx["handovers"] = list(
            CashHandover.objects.filter(technician=user)
            .select_related("received_by")
            .order_by("-received_at", "-pk")[:20]
        )
    if failed is not None and "held" not in ctx:
        ctx["refused"] = [str(e) for e in failed.non_field_errors()] + [
            str(e) for errs in failed.errors.values() for e in errs
        ]
    return render(request, "charges/money/cash.html", ctx, status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def cash(request):
    """FEE-3: a technician's cash in hand; finance: who holds how much since when, and the
    hand-over — tick the receipts, type the counted total."""
    require_any_perm(request.user, money.COLLECT, money.HAND_OVER, VIEW_HANDOVERS)
    if request.method == "GET":
        return _cash_page(request)
    require_any_perm(request.user, money.HAND_OVER)
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            handover = money.hand_over_cash(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Hand-over %(number)s: %(total)s received from %(technician)s.")
                % {
                    "number": handover.number,
                    "total": f"¥{handover.total:.2f}",
                    "technician": handover.technician,
                },
            )
            return redirect("charges:handover_detail", pk=handover.pk)
    return _cash_page(request, failed=form)


@login_required
def handover_detail(request, pk: int):
    """FEE-3: one hand-over, the receipts it covers and who counted it."""
    handover = get_object_or_404(
        CashHandover.objects.select_related("technician", "received_by"), pk=pk
    )
    if handover.technician_id != request.user.pk:
        require_any_perm(request.user, VIEW_HANDOVERS, money.HAND_OVER)
    payments = list(
        handover.payments.select_related("order__customer").order_by("received_at", "pk")
    )
    return render(
        request, "charges/money/handover_detail.html", {"handover": handover, "payments": payments}
    )


# --- FEE-3: invoices --------------------------------------------------------------------------


def _invoice_page(request, failed: dict | None = None):
    user = request.user
    found = Invoice.objects.filter(
        order__in=ServiceOrder.objects.visible_to(user).values("pk")
    ).select_related("order__customer", "requested_by", "issued_by")
    filterset = InvoiceFilter(request.GET or None, queryset=found)
    style_filter_form(filterset)
    # To issue first, then the newest.
    ordered = filterset.qs.annotate(
        waiting=Case(When(status=InvoiceStatus.TO_ISSUE, then=Value(0)), default=Value(1))
    ).order_by("waiting", "-created_at", "-pk")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    failed = failed or {}
    rows = []
    for invoice in page:
        mine = failed.get("pk") == invoice.pk
        rows.append(
            {
                "invoice": invoice,
                "issue_form": failed["form"]
                if mine and failed["kind"] == "issue"
                else InvoiceIssueForm(prefix=f"i{invoice.pk}"),
                "cancel_form": failed["form"]
                if mine and failed["kind"] == "cancel"
                else ReasonForm(prefix=f"c{invoice.pk}"),
                "failed": failed.get("kind") if mine else "",
            }
        )
    refused = None
    if failed and failed["pk"] not in {r["invoice"].pk for r in rows}:
        form = failed["form"]
        refused = [str(e) for errs in form.errors.values() for e in errs]
    return render(
        request,
        "charges/money/invoice_list.html",
        {
            "filter": filterset,
            "rows": rows,
            "page_obj": page,
            "refused": refused,
            "can_issue": user.has_perm(money.ISSUE_INVOICE),
            "querystring_without_page": _querystring(request),
        },
        status=400 if failed else 200,
    )


@login_required
def invoice_list(request):
    """FEE-3: invoices of the orders in reach, those to issue first; finance issues or
    cancels them here."""
    require_any_perm(request.user, VIEW_INVOICES)
    return _invoice_page(request)


def _invoice_for(request, pk: int) -> Invoice:
    invoice = get_object_or_404(Invoice.objects.select_related("order"), pk=pk)
    require_order_reach(request.user, invoice.order_id)
    return invoice


@login_required
@require_POST
def invoice_issue(request, pk: int):
    require_any_perm(request.user, money.ISSUE_INVOICE)
    invoice = _invoice_for(request, pk)
    form = InvoiceIssueForm(request.POST, prefix=f"i{invoice.pk}")
    if form.is_valid():
        try:
            invoice = money.issue_invoice(actor=request.user, invoice=invoice, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Invoice %(number)s issued for %(order)s.")
                % {"number": invoice.number, "order": invoice.order.number},
            )
            return redirect("charges:invoice_list")
    return _invoice_page(request, failed={"pk": invoice.pk, "kind": "issue", "form": form})


@login_required
@require_POST
def invoice_cancel(request, pk: int):
    require_any_perm(request.user, money.ISSUE_INVOICE)
    invoice = _invoice_for(request, pk)
    form = ReasonForm(request.POST, prefix=f"c{invoice.pk}")
    if form.is_valid():
        try:
            money.cancel_invoice(actor=request.user, invoice=invoice, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The invoice is cancelled."))
            return redirect("charges:invoice_list")
    return _invoice_page(request, failed={"pk": invoice.pk, "kind": "cancel", "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invoice_request(request, order_pk: int):
    """FEE-3: ask for the invoice of an order — at most what was paid and not invoiced."""
    require_any_perm(request.user, money.REQUEST_INVOICE)
    order = _order_for(request, order_pk)
    room = money.invoiceable(order)
    if request.method == "POST":
        form = InvoiceRequestForm(request.POST)
        if form.is_valid():
            try:
                invoice = money.request_invoice(
                    actor=request.user, order=order, **form.cleaned_data
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Invoice of %(amount)s asked for on %(order)s; finance issues it.")
                    % {"amount": f"¥{invoice.amount:.2f}", "order": order.number},
                )
                return redirect(order.get_absolute_url())
    else:
        form = InvoiceRequestForm(
            initial={"title": order.customer.name, "amount": max(room, money.ZERO)}
        )
    invoices = list(Invoice.objects.filter(order=order).order_by("pk"))
    return render(
        request,
        "charges/money/invoice_request.html",
        {"order": order, "form": form, "room": room, "invoices": invoices},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("orders/<int:order_pk>/collect/", collect, name="collect"),
    path("orders/<int:order_pk>/invoice/", invoice_request, name="invoice_request"),
    path("payments/", payment_list, name="payment_list"),
    path("payments/new/", payment_register, name="payment_register"),
    path("payments/<int:pk>/", payment_detail, name="payment_detail"),
    path("payments/<int:pk>/notify/", payment_notify, name="payment_notify"),
    path("payments/<int:pk>/void/", payment_void, name="payment_void"),
    path("payments/<int:pk>/receipt.pdf", receipt_pdf, name="receipt_pdf"),
    path("cash/", cash, name="cash"),
    path("handovers/<int:pk>/", handover_detail, name="handover_detail"),
    path("invoices/", invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/issue/", invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/cancel/", invoice_cancel, name="invoice_cancel"),
]
