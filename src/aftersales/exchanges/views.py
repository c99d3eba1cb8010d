"""Pages of the exchange form (EXC-1…EXC-5, SEC-5): the list with the "waiting for me"
tab, the form to fill (with the 三包 entitlement of the unit and fault), the form's page
with the approval chain and the actions the person may take, its PDF, and the exchange
ledger with its Excel export.

Thin views: find the form within reach (403 outside), validate a form, call one service
of ``exchanges.services``, redirect with a message; a refused input is shown on the page
the person was on, with status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from aftersales.audit.services import Counted, list_what, record_access
from aftersales.core.exceptions import ServiceError
from aftersales.core.forms import error_lines
from aftersales.core.permissions import require_any_perm, require_perm
from aftersales.exchanges import services, workflow
from aftersales.exchanges.forms import (
    AttachmentForm,
    CancelForm,
    CommentForm,
    FilterForm,
    FinishForm,
    LedgerFilterForm,
    LedgerForm,
    ReceiveForm,
    RefundForm,
    RequestForm,
    ReviewForm,
)
from aftersales.exchanges.models import (
    ApprovalStep,
    ExchangeAttachment,
    ExchangeRequest,
    RequestKind,
    RequestStatus,
)

PAGE_SIZE = 50


def _form_for(request, pk: int) -> ExchangeRequest:
    found = get_object_or_404(
        ExchangeRequest.objects.select_related(
            "customer",
            "unit__product_model",
            "org_unit__region",
            "order",
            "fault_type",
            "created_by",
            "received_by",
            "warehouse",
            "replacement_unit__product_model",
        ),
        pk=pk,
    )
    services.require_request_reach(request.user, found)
    return found


# --- the list ------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request):
    """EXC-1: the forms in reach, newest first; "waiting for me": the forms at a step the
    person can act on."""
    require_perm(request.user, workflow.VIEW)
    user = request.user
    tab = "waiting" if request.GET.get("tab") == "waiting" else "all"
    found = services.visible_requests(user)
    if tab == "waiting":
        found = found.filter(workflow.waiting_for(user))
    filters = FilterForm(request.GET)
    query = {"tab": tab} if tab == "waiting" else {}
    if filters.is_valid():
        data = filters.cleaned_data
        if data["kind"]:
            found = found.filter(kind=data["kind"])
            query["kind"] = data["kind"]
        if data["status"]:
            found = found.filter(status=data["status"])
            query["status"] = data["status"]
        if data["unit"]:
            found = found.filter(unit__serial_number__icontains=data["unit"].strip())
            query["unit"] = data["unit"].strip()
    found = found.select_related("customer", "unit__product_model", "org_unit").order_by(
        "-created_at", "-pk"
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    from urllib.parse import urlencode

    return render(
        request,
        "exchanges/list.html",
        {
            "page_obj": page,
            "filters": filters,
            "tab": tab,
            "may_fill": user.has_perm(workflow.ADD),
            "querystring_without_page": (urlencode(query) + "&") if query else "",
        },
    )


# --- filling the form ----------------------------------------------------------------------


def _entitlement_preview(form: RequestForm, user) -> dict | None:
    """EXC-5: the 三包 entitlement of the unit and fault in the form, for the page."""
    if not form.is_bound or not form.is_valid():
        return None
    from aftersales.products.models import Unit

    unit = (
        Unit.objects.visible_to(user)
        .filter(serial_number__iexact=form.cleaned_data["serial_number"].strip())
        .first()
    )
    if unit is None:
        return None
    return _entitlement_context(
        form.cleaned_data["kind"],
        services.entitlement_for(unit, form.cleaned_data.get("fault_type")),
    )


def _entitlement_context(kind: str, entitlement: dict) -> dict | None:
    from aftersales.service import sanbao

    if not entitlement:
        return None
    return {
        "remedies": [str(sanbao.LABELS.get(r, r)) for r in entitlement.get("remedies") or []],
        "reasons": entitlement.get("reasons") or [],
        "date": entitlement.get("date"),
        "warning": services.entitlement_warning(kind, entitlement),
    }


def _save_form(request, form: RequestForm, existing: ExchangeRequest | None):
    """Check (三包 preview), or save the draft; None when the page is shown again."""
    if not form.is_valid():
        return None
    if "check" in request.POST:
        return None
    arguments = form.resolve(request.user)
    if arguments is None:
        return None
    try:
        if existing is None:
            return services.create_request(actor=request.user, **arguments)
        return services.update_request(actor=request.user, request=existing, **arguments)
    except ServiceError as exc:
        exc_dict = getattr(exc, "error_dict", None)
        if exc_dict:
            renamed = {
                ("serial_number" if k in ("unit", "customer") else k): v
                for k, v in exc_dict.items()
            }
            renamed = {("order_number" if k == "order" else k): v for k, v in renamed.items()}
            exc = ServiceError(renamed)
        form.add_service_error(exc)
    return None


def _fill_page(request, form: RequestForm, existing: ExchangeRequest | None):
    status = 400 if form.is_bound and form.errors else 200
    entitlement = _entitlement_preview(form, request.user)
    if entitlement is None and existing is not None and not form.is_bound:
        entitlement = _entitlement_context(
            existing.kind, services.entitlement_for(existing.unit, existing.fault_type)
        )
    return render(
        request,
        "exchanges/form.html",
        {"form": form, "existing": existing, "entitlement": entitlement},
        status=status,
    )


@login_required
def request_create(request):
    """EXC-1: a new exchange, transfer or return form (a draft until submitted)."""
    require_perm(request.user, workflow.ADD)
    if request.method == "POST":
        form = RequestForm(request.POST)
        saved = _save_form(request, form, None)
        if saved is not None:
            messages.success(
                request,
                _("Form %(number)s saved as a draft: add the evidence, then submit it.")
                % {"number": saved.number},
            )
            return redirect("exchanges:detail", pk=saved.pk)
    else:
        initial = {}
        if request.GET.get("serial"):
            initial["serial_number"] = request.GET["serial"][:64]
        form = RequestForm(initial=initial)
    return _fill_page(request, form, None)


@login_required
def request_edit(request, pk: int):
    """The filler changes a draft or a returned form."""
    require_perm(request.user, workflow.CHANGE)
    existing = _form_for(request, pk)
    if not services.is_filler(request.user, existing):
        raise PermissionDenied(_("Only the person who filled the form may change it."))
    if request.method == "POST":
        form = RequestForm(request.POST)
        saved = _save_form(request, form, existing)
        if saved is not None:
            messages.success(request, _("Form %(number)s saved.") % {"number": saved.number})
            return redirect("exchanges:detail", pk=saved.pk)
    else:
        form = RequestForm(
            initial={
                "kind": existing.kind,
                "serial_number": existing.unit.serial_number,
                "order_number": existing.order.number if existing.order else "",
                "fault_type": existing.fault_type_id,
                "reason": existing.reason,
                "purchase_date": existing.purchase_date,
                "purchase_price": existing.purchase_price,
                "purchase_proof": existing.purchase_proof,
            }
        )
    return _fill_page(request, form, existing)


# --- the form's page ----------------------------------------------------------------------


def _detail_page(request, found: ExchangeRequest, failed: dict | None = None):
    failed = failed or {}
    user = request.user
    status = found.status
    review = workflow.review_for(status)
    review_refusal = services.review_refusal(user, found) if review else ""
    filler = services.is_filler(user, found)
    editable = status in workflow.EDITABLE
    received = status == RequestStatus.RECEIVED
    is_return = found.kind == RequestKind.RETURN
    replaceable = found.inspection in services.REPLACEABLE
    refunded = services.refunded(found)
    entitlement = found.entitlement or (
        services.entitlement_for(found.unit, found.fault_type) if editable else {}
    )
    finish_perm = workflow.REFUND if is_return else workflow.LEDGER
    context = {
        "exchange": found,
        "approvals": found.approvals.select_related("by"),
        "attachments": found.attachments.all(),
        "refunds": found.refunds.all(),
        "ledger_entry": getattr(found, "ledger_entry", None) if status == "done" else None,
        "entitlement": _entitlement_context(found.kind, entitlement),
        "entitlement_stored": bool(found.entitlement),
        "review": review,
        "review_label": ApprovalStep(review.step).label if review else "",
        "review_note": review_refusal if review and user.has_perm(review.perm) else "",
        "can_review": review is not None and not review_refusal,
        "can_edit": filler and editable,
        "can_submit": filler and editable and user.has_perm(workflow.ADD),
        "can_receive": status == RequestStatus.APPROVED and user.has_perm(workflow.RECEIVE),
        "can_ledger": received and not is_return and replaceable and user.has_perm(workflow.LEDGER),
        "can_refund": received
        and is_return
        and found.inspection in services.REFUNDABLE
        and user.has_perm(workflow.REFUND),
        "can_finish": received and (is_return or not replaceable) and user.has_perm(finish_perm),
        "refunded": refunded,
        "refund_left": (found.purchase_price - refunded)
        if found.purchase_price is not None
        else None,
        "has_proof": services.has_purchase_proof(found),
        "failed": next(iter(failed), ""),
        "failed_errors": [line for form in failed.values() for line in error_lines(form)],
        "attachment_form": failed.get("attach") or AttachmentForm(auto_id="id_att_%s"),
        "submit_form": failed.get("submit") or CommentForm(auto_id="id_submit_%s"),
        "review_form": failed.get("review") or ReviewForm(auto_id="id_review_%s"),
        "receive_form": failed.get("receive") or ReceiveForm(auto_id="id_receive_%s"),
        "ledger_form": failed.get("ledger") or LedgerForm(auto_id="id_ledger_%s"),
        "refund_form": failed.get("refund")
        or RefundForm(
            auto_id="id_refund_%s",
            initial={"amount": (found.purchase_price - refunded) if found.purchase_price else None},
        ),
        "finish_form": failed.get("finish") or FinishForm(auto_id="id_finish_%s"),
        "cancel_form": failed.get("cancel") or CancelForm(auto_id="id_cancel_%s"),
    }
    return render(request, "exchanges/detail.html", context, status=400 if failed else 200)


@login_required
@require_GET
def request_detail(request, pk: int):
    require_perm(request.user, workflow.VIEW)
    return _detail_page(request, _form_for(request, pk))


def _act(request, pk, key, form, call, success, *, filler_only=False):
    """Validate ``form``, run ``call(found, cleaned_data)``, redirect with ``success``.
    ``filler_only``: the filler's own step — anyone else gets the 403 before the form."""
    found = _form_for(request, pk)
    if filler_only and not services.is_filler(request.user, found):
        raise PermissionDenied(_("Only the person who filled the form may change it."))
    if form.is_valid():
        try:
            result = call(found, form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if result is not False:
                messages.success(request, success(found))
                return redirect("exchanges:detail", pk=found.pk)
    return _detail_page(request, _form_for(request, pk), {key: form})


@login_required
@require_POST
def request_submit(request, pk: int):
    """EXC-1: the filler submits the form to the regional head."""
    require_perm(request.user, workflow.ADD)
    return _act(
        request,
        pk,
        "submit",
        CommentForm(request.POST, auto_id="id_submit_%s"),
        lambda found, data: services.submit_request(
            actor=request.user, request=found, comment=data["comment"]
        ),
        lambda found: (
            _("Form %(number)s submitted to the regional head.") % {"number": found.number}
        ),
        filler_only=True,
    )


@login_required
@require_POST
def request_review(request, pk: int):
    """EXC-1, SEC-5: the step the form waits for approves, rejects or returns it."""
    require_any_perm(request.user, *workflow.REVIEW_PERMS)
    services.require_signer(request.user, _form_for(request, pk))
    calls = {
        "approve": services.approve_request,
        "reject": services.reject_request,
        "return": services.return_request,
    }
    form = ReviewForm(request.POST, auto_id="id_review_%s")
    return _act(
        request,
        pk,
        "review",
        form,
        lambda found, data: calls[data["decision"]](
            actor=request.user, request=found, comment=data["comment"], step=data["step"]
        ),
        lambda found: _("Form %(number)s: your decision is recorded.") % {"number": found.number},
    )


@login_required
@require_POST
def request_receive(request, pk: int):
    """EXC-1: the returned product is received with the form and inspected."""
    require_perm(request.user, workflow.RECEIVE)
    return _act(
        request,
        pk,
        "receive",
        ReceiveForm(request.POST, auto_id="id_receive_%s"),
        lambda found, data: services.receive_goods(actor=request.user, request=found, **data),
        lambda found: _("Goods of form %(number)s received.") % {"number": found.number},
    )


@login_required
@require_POST
def request_ledger(request, pk: int):
    """EXC-1, EXC-3: the replacement and the signed ledger row."""
    require_perm(request.user, workflow.LEDGER)
    form = LedgerForm(request.POST, auto_id="id_ledger_%s")

    def call(found, data):
        arguments = form.resolve()
        if arguments is None:
            return False
        return services.write_ledger(actor=request.user, request=found, **arguments)

    return _act(
        request,
        pk,
        "ledger",
        form,
        call,
        lambda found: (
            _("Form %(number)s done: the ledger row is signed.") % {"number": found.number}
        ),
    )


@login_required
@require_POST
def request_refund(request, pk: int):
    """EXC-2, EXC-4: a refund after the goods were received."""
    require_perm(request.user, workflow.REFUND)
    return _act(
        request,
        pk,
        "refund",
        RefundForm(request.POST, auto_id="id_refund_%s"),
        lambda found, data: services.record_refund(actor=request.user, request=found, **data),
        lambda found: _("Refund of form %(number)s recorded.") % {"number": found.number},
    )


@login_required
@require_POST
def request_finish(request, pk: int):
    require_any_perm(request.user, workflow.REFUND, workflow.LEDGER)
    return _act(
        request,
        pk,
        "finish",
        FinishForm(request.POST, auto_id="id_finish_%s"),
        lambda found, data: services.finish_request(
            actor=request.user, request=found, note=data["note"]
        ),
        lambda found: _("Form %(number)s finished.") % {"number": found.number},
    )


@login_required
@require_POST
def request_cancel(request, pk: int):
    require_perm(request.user, workflow.CHANGE)
    return _act(
        request,
        pk,
        "cancel",
        CancelForm(request.POST, auto_id="id_cancel_%s"),
        lambda found, data: services.cancel_request(
            actor=request.user, request=found, reason=data["reason"]
        ),
        lambda found: _("Form %(number)s cancelled.") % {"number": found.number},
        filler_only=True,
    )


@login_required
@require_POST
def attachment_add(request, pk: int):
    """EXC-1, EXC-2: a photo or scan as evidence or proof of purchase."""
    require_perm(request.user, workflow.CHANGE)
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_att_%s")

    def call(found, data):
        upload = data["file"]
        return services.add_attachment(
            actor=request.user,
            request=found,
            content=upload.read(services_max_bytes() + 1),
            name=upload.name,
            caption=data["caption"],
            is_purchase_proof=data["is_purchase_proof"],
        )

    return _act(
        request,
        pk,
        "attach",
        form,
        call,
        lambda found: _("File added to form %(number)s.") % {"number": found.number},
        filler_only=True,
    )


def services_max_bytes() -> int:
    from aftersales.service.services import attachment_max_bytes

    return attachment_max_bytes()


@login_required
@never_cache
def attachment_file(request, pk: int, attachment_id: int):
    """A stored attachment, only through the form's reach check."""
    require_perm(request.user, workflow.VIEW)
    found = _form_for(request, pk)
    attachment = get_object_or_404(ExchangeAttachment, pk=attachment_id, request=found)
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404() from exc
    name = attachment.file.name.rsplit("/", 1)[-1]
    kind = {"pdf": "application/pdf", "png": "image/png"}.get(name.rsplit(".", 1)[-1], "image/jpeg")
    record_access(request, "download", found, what=name)  # e.g. the purchase invoice
    return FileResponse(handle, content_type=kind, filename=name)


@login_required
@require_GET
@never_cache
def request_pdf(request, pk: int):
    """The exchange form (换货单) to print, with the approval chain."""
    from aftersales.exchanges.form_pdf import render_form

    require_perm(request.user, workflow.VIEW)
    found = _form_for(request, pk)
    record_access(request, "print", found)
    response = HttpResponse(render_form(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response


# --- the exchange ledger ------------------------------------------------------------------


@login_required
@require_GET
def ledger(request):
    """EXC-1: the exchange ledger (换货登记台账) in reach, by date; Excel export."""
    require_perm(request.user, workflow.VIEW_LEDGER)
    filters = LedgerFilterForm(request.GET)
    found = services.visible_ledger(request.user).select_related(
        "request__customer", "request__unit__product_model", "handler"
    )
    query = {}
    if filters.is_valid():
        if filters.cleaned_data["date_from"]:
            found = found.filter(entry_date__gte=filters.cleaned_data["date_from"])
            query["date_from"] = filters.cleaned_data["date_from"].isoformat()
        if filters.cleaned_data["date_to"]:
            found = found.filter(entry_date__lte=filters.cleaned_data["date_to"])
            query["date_to"] = filters.cleaned_data["date_to"].isoformat()
    found = found.order_by("-entry_date", "-pk")
    from urllib.parse import urlencode

    if request.GET.get("export") == "xlsx":
        return _ledger_xlsx(request, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchanges/ledger.html",
        {
            "page_obj": page,
            "filters": filters,
            "export_query": urlencode({**query, "export": "xlsx"}),
            "querystring_without_page": (urlencode(query) + "&") if query else "",
        },
    )


def _ledger_xlsx(request, entries):
    from aftersales.core import excel

    rows = Counted(entries.iterator(chunk_size=500))
    workbook = excel.new_workbook()
    excel.add_sheet(
        workbook,
        _("Exchange ledger"),
        [
            _("Date"),
            _("Form no."),
            _("Kind"),
            _("Customer"),
            _("Model"),
            _("Returned serial no."),
            _("Replacement serial no."),
            _("Summary"),
            _("Handler"),
            _("Signed at"),
        ],
        (
            [
                entry.entry_date,
                entry.request.number,
                entry.request.get_kind_display(),
                entry.request.customer.name,
                entry.request.unit.product_model.code,
                entry.returned_serial,
                entry.replacement_serial,
                entry.summary,
                str(entry.handler),
                timezone.localtime(entry.signed_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for entry in rows
        ),
    )
    # The ledger names the customers: a list export (CUS-2).
    record_access(request, "export", what=list_what(_("Exchange ledger"), rows.count, request))
    return excel.xlsx_response(workbook, f"exchange-ledger-{timezone.localdate():%Y%m%d}.xlsx")
