"""Pages of the parts lines of service orders (PRT-1, PRT-2, PRT-3, FIN-2, SEC-5): the
technician's request and "used" from the order page's card, finance's sign-off queue, the
keeper's issue queue and slips, the old parts due, and the technician's own parts.

Thin views: find the object within reach (403 outside, with the reason), validate a form,
call one service of ``parts.services``, redirect with a message. A refused input — by the
form or by the service — is shown on the page the person was on, with status 400.
Every list reads a fixed number of queries, whatever its length.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.core.exceptions import ServiceError
from aftersales.core.forms import error_lines
from aftersales.core.permissions import require_any_perm
from aftersales.parts import services
from aftersales.parts.line_forms import (
    IssueForm,
    PartRequestForm,
    ReceiveOldPartForm,
    SignForm,
)
from aftersales.parts.models import (
    LineStatus,
    Part,
    PartLine,
    PartSerial,
    Receivable,
    Slip,
    StockLevel,
    Warehouse,
    WarehouseKind,
)
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_LINES = "parts.view_partline"
REQUEST_LINES = "parts.add_partline"
SIGN_LINES = "parts.sign_partline"
ISSUE_LINES = "parts.issue_partline"
PAGE_SIZE = 50
LINE_RELATED = ("order__customer", "order__technician", "part", "slip", "requested_by")


def _orders_in_reach(user):
    return ServiceOrder.objects.visible_to(user)


def _order_for(request, pk: int) -> ServiceOrder:
    order = get_object_or_404(ServiceOrder.objects.select_related("technician"), pk=pk)
    require_order_reach(request.user, order.pk)
    return order


def _line_for(request, pk: int) -> PartLine:
    """The line if it exists and its order is in reach; else 404 / 403 with the reason."""
    line = get_object_or_404(
        PartLine.objects.select_related("order__technician", "part", "slip"), pk=pk
    )
    require_order_reach(request.user, line.order_id)
    return line


def _lines_in_reach(user):
    return PartLine.objects.filter(order__in=_orders_in_reach(user).values("pk"))


def _issue_warehouses() -> list[Warehouse]:
    """PRT-2: parts are issued from a warehouse (HQ first, then the branches)."""
    return list(
        Warehouse.objects.filter(
            kind__in=[WarehouseKind.CENTRAL, WarehouseKind.BRANCH], is_active=True
        ).order_by("kind", "code")
    )


def _money(value) -> str:
    return f"¥{value:.2f}"


def _charge_text(line: PartLine) -> str:
    """The computed charge in words, as the technician reads it after requesting."""
    if line.amount == 0:
        return _("free")
    if line.is_deposit:
        return _("%(amount)s as a deposit") % {"amount": _money(line.amount)}
    return _money(line.amount)


def _refused_messages(exc: ServiceError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- the order page's card: request and "used" ----------------------------------------------


def _back_to_order(order_id: int):
    return redirect(reverse("service:order_detail", args=[order_id]) + "#parts")


def _order_page(request, order: ServiceOrder, failed: dict):
    """The order page again, with the parts card showing what was refused (400)."""
    from aftersales.service import views as service_views

    request.parts_card_failed = failed
    response = service_views.order_detail(request, order.pk)
    response.status_code = 400
    return response


@login_required
@require_POST
def line_request(request, order_pk: int):
    """PRT-1: the technician asks for a part on the order, with the cause; the charge is
    computed at once and shown."""
    require_any_perm(request.user, REQUEST_LINES)
    order = _order_for(request, order_pk)
    if not services.may_request(request.user, order):
        raise PermissionDenied(_("Only the order's technician or dispatch may request parts."))
    form = PartRequestForm(request.POST, auto_id="id_part_%s")
    if form.is_valid():
        try:
            line = services.request_part(actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _(
                    "%(part)s × %(quantity)s requested (%(rule)s). Charge: %(charge)s. "
                    "Finance signs it next."
                )
                % {
                    "part": line.part,
                    "quantity": line.quantity,
                    "rule": line.get_charge_rule_display(),
                    "charge": _charge_text(line),
                },
            )
            return _back_to_order(order.pk)
    return _order_page(request, order, {"form": form})


@login_required
@require_POST
def line_use(request, pk: int):
    """The technician fitted the issued part on the order."""
    line = _line_for(request, pk)
    try:
        services.use_line(actor=request.user, line=line)
    except ServiceError as exc:
        errors = _refused_messages(exc)
        if request.POST.get("from") == "mine":
            return _my_parts_page(request, failed={"line": line.pk, "errors": errors})
        return _order_page(request, line.order, {"line": line.pk, "errors": errors})
    messages.success(request, _("%(part)s recorded as used.") % {"part": line.part})
    if request.POST.get("from") == "mine":
        return redirect("parts:my_parts")
    return _back_to_order(line.order_id)


@login_required
@require_POST
def line_agree_unpaid(request, pk: int):
    """PRT-1 f, FEE-4: the order's technician agrees that the part goes out before payment."""
    require_any_perm(request.user, REQUEST_LINES)
    line = _line_for(request, pk)
    try:
        services.agree_to_issue_unpaid(actor=request.user, line=line)
    except ServiceError as exc:
        return _order_page(request, line.order, {"line": line.pk, "errors": _refused_messages(exc)})
    messages.success(
        request,
        _("Agreed: %(part)s may be issued before the customer pays; the receivable is yours.")
        % {"part": line.part},
    )
    return _back_to_order(line.order_id)


@login_required
@require_GET
def part_lookup(request):
    """The suggestions of the request form (htmx fragment): active parts by no. or name."""
    require_any_perm(request.user, REQUEST_LINES)
    q = (request.GET.get("part") or request.GET.get("q") or "").strip()[:100]
    parts = []
    if q:
        parts = list(
            Part.objects.filter(Q(code__icontains=q) | Q(name__icontains=q), is_active=True)
            .only("code", "name", "specification")
            .order_by("code")[:20]
        )
    return render(request, "parts/lines/_part_options.html", {"parts": parts})


# --- finance signs (PRT-1, SEC-5) ------------------------------------------------------------


def _signoff_page(request, failed: tuple[int, SignForm] | None = None):
    lines = (
        _lines_in_reach(request.user)
        .filter(status=LineStatus.REQUESTED)
        .select_related(*LINE_RELATED)
        .order_by("created_at", "pk")
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    failed_pk, failed_form = failed or (None, None)
    rows = []
    for line in page:
        form = failed_form if line.pk == failed_pk else SignForm(line=line)
        rows.append({"line": line, "form": form, "failed": line.pk == failed_pk})
    refused = None
    if failed_form is not None and failed_pk not in {row["line"].pk for row in rows}:
        refused = error_lines(failed_form)
    return render(
        request,
        "parts/lines/signoff_queue.html",
        {"rows": rows, "page_obj": page, "refused": refused, "querystring_without_page": ""},
        status=400 if failed else 200,
    )


@login_required
@require_GET
def signoff_queue(request):
    """PRT-1: the lines waiting for finance's signature, oldest first."""
    require_any_perm(request.user, SIGN_LINES)
    return _signoff_page(request)


@login_required
@require_POST
def line_sign(request, pk: int):
    """SEC-5: approve (paid / unpaid; a waiver approved or not) or refuse with a comment."""
    require_any_perm(request.user, SIGN_LINES)
    line = _line_for(request, pk)
    form = SignForm(request.POST, line=line)
    if form.is_valid():
        try:
            line = services.sign_line(actor=request.user, line=line, **form.service_arguments())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if line.status == LineStatus.SIGNED:
                text = _("%(order)s · %(part)s signed. Charge: %(charge)s.") % {
                    "order": line.order.number,
                    "part": line.part,
                    "charge": _charge_text(line),
                }
            else:
                text = _("%(order)s · %(part)s refused.") % {
                    "order": line.order.number,
                    "part": line.part,
                }
            messages.success(request, text)
            return redirect("parts:signoff_queue")
    return _signoff_page(request, failed=(line.pk, form))


# --- the warehouse issues (PRT-2) ------------------------------------------------------------


def _issue_page(request, failed: tuple[int, IssueForm] | None = None):
    in_reach = _lines_in_reach(request.user).filter(status=LineStatus.SIGNED)
    # The orders waiting, the one signed longest ago first; then their lines in one query.
    waiting = (
        ServiceOrder.objects.filter(pk__in=in_reach.values("order_id"))
        .annotate(first_signed=Min("part_lines__signed_at", filter=Q(part_lines__status="signed")))
        .order_by("first_signed", "pk")
        .values_list("pk", flat=True)
    )
    page = Paginator(waiting, 20).get_page(request.GET.get("page"))
    order_ids = list(page)
    lines = list(
        in_reach.filter(order_id__in=order_ids)
        .select_related("order__customer", "order__technician", "order__org_unit", "part")
        .order_by("pk")
    )
    warehouses = _issue_warehouses()
    on_hand = {
        (level.warehouse_id, level.part_id): level.on_hand
        for level in StockLevel.objects.filter(
            part_id__in={line.part_id for line in lines}, warehouse__in=warehouses
        )
    }
    by_order: dict[int, list[PartLine]] = {pk: [] for pk in order_ids}
    for line in lines:
        by_order[line.order_id].append(line)
        line.stock = [(w, on_hand.get((w.pk, line.part_id), 0)) for w in warehouses]
    failed_pk, failed_form = failed or (None, None)
    if failed_form is not None:
        for line in failed_form.order_lines:
            line.stock = [(w, on_hand.get((w.pk, line.part_id), 0)) for w in warehouses]
    groups = []
    for order_id in order_ids:
        order_lines = by_order[order_id]
        if not order_lines:
            continue
        order = order_lines[0].order
        form = (
            failed_form
            if order_id == failed_pk
            else IssueForm(order=order, lines=order_lines, warehouses=warehouses)
        )
        groups.append({"order": order, "form": form, "failed": order_id == failed_pk})
    refused = None
    if failed_form is not None and failed_pk not in by_order:
        refused = error_lines(failed_form)
    return render(
        request,
        "parts/lines/issue_queue.html",
        {
            "groups": groups,
            "page_obj": page,
            "refused": refused,
            "warehouses": warehouses,
            "querystring_without_page": "",
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def issue_queue(request):
    """PRT-2: signed lines waiting to be issued, grouped by order."""
    require_any_perm(request.user, ISSUE_LINES)
    return _issue_page(request)


@login_required
@require_POST
def issue(request, order_pk: int):
    """PRT-2: issue the chosen signed lines of one order on one slip."""
    require_any_perm(request.user, ISSUE_LINES)
    order = get_object_or_404(ServiceOrder.objects.select_related("customer"), pk=order_pk)
    require_order_reach(request.user, order.pk)
    lines = list(
        PartLine.objects.filter(order=order, status=LineStatus.SIGNED)
        .select_related("part")
        .order_by("pk")
    )
    form = IssueForm(request.POST, order=order, lines=lines, warehouses=_issue_warehouses())
    if form.is_valid():
        try:
            slip = services.issue_lines(actor=request.user, **form.service_arguments())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Slip %(number)s issued for order %(order)s.")
                % {"number": slip.number, "order": order.number},
            )
            return redirect("parts:slip_detail", pk=slip.pk)
    return _issue_page(request, failed=(order.pk, form))


@login_required
@require_GET
def slip_detail(request, pk: int):
    """PRT-2, PRT-3: the slip to print — its number, the order, the lines with their serial
    numbers, and whether the old parts are back."""
    require_any_perm(request.user, "parts.view_slip", VIEW_LINES)
    slip = get_object_or_404(
        Slip.objects.select_related(
            "order__customer", "order__org_unit", "warehouse", "issued_to", "issued_by"
        ),
        pk=pk,
    )
    require_order_reach(request.user, slip.order_id)
    lines = list(slip.lines.select_related("part", "old_part_received_by").order_by("pk"))
    return render(
        request,
        "parts/lines/slip_detail.html",
        {
            "slip": slip,
            "lines": lines,
            "old_parts_owed": any(line.old_part_required for line in lines),
            "can_see_order": request.user.has_perm("service.view_serviceorder"),
        },
    )


# --- after the job (PRT-3) -------------------------------------------------------------------


def _sees_all_old_parts(user) -> bool:
    """The keeper and finance (and dispatch) see every line in reach; a technician their own."""
    return any(user.has_perm(p) for p in (ISSUE_LINES, SIGN_LINES, "service.dispatch_serviceorder"))


def _old_parts_page(request, failed: dict | None = None):
    user = request.user
    sees_all = _sees_all_old_parts(user)
    technician = None if sees_all else user
    due = services.old_parts_due(actor=user, technician=technician).select_related("requested_by")
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    unused = _lines_in_reach(user).filter(status=LineStatus.ISSUED)
    if technician is not None:
        unused = unused.filter(order__technician=technician)
    unused = list(unused.select_related(*LINE_RELATED).order_by("slip__issued_at", "pk"))
    can_receive = user.has_perm(ISSUE_LINES)
    failed = failed or {}
    rows = []
    for line in page:
        form = None
        if can_receive and line.status == LineStatus.USED:
            form = (
                failed["form"]
                if failed.get("receive") == line.pk
                else ReceiveOldPartForm(line=line)
            )
        rows.append({"line": line, "form": form, "failed": failed.get("receive") == line.pk})
    shown = {line.pk for line in page} | {line.pk for line in unused}
    refused = None
    if failed.get("receive") and failed["receive"] not in shown:
        refused = error_lines(failed["form"])
    elif failed.get("return") and failed["return"] not in shown:
        refused = failed["errors"]
    return render(
        request,
        "parts/lines/old_parts_due.html",
        {
            "rows": rows,
            "page_obj": page,
            "unused": unused,
            "can_receive": can_receive,
            "sees_all": sees_all,
            "now": timezone.now(),
            "failed": failed,
            "refused": refused,
            "querystring_without_page": "",
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def old_parts_due(request):
    """PRT-3, PRT-6: old parts that must come back and have not, soonest due first (overdue
    flagged), and issued parts not yet used."""
    require_any_perm(request.user, VIEW_LINES)
    return _old_parts_page(request)


@login_required
@require_POST
def old_part_receive(request, pk: int):
    """PRT-3, PRT-1 d: the keeper signs for the old part; a deposit is reversed at once."""
    require_any_perm(request.user, ISSUE_LINES)
    line = _line_for(request, pk)
    form = ReceiveOldPartForm(request.POST, line=line)
    if form.is_valid():
        try:
            line = services.receive_old_part(actor=request.user, line=line, serials=form.serials())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if line.deposit_reversed_at is not None:
                text = _(
                    "Old part of %(part)s received on %(order)s; the deposit of %(amount)s is "
                    "reversed."
                ) % {"part": line.part, "order": line.order.number, "amount": _money(line.amount)}
            else:
                text = _("Old part of %(part)s received on %(order)s.") % {
                    "part": line.part,
                    "order": line.order.number,
                }
            messages.success(request, text)
            return redirect("parts:old_parts_due")
    return _old_parts_page(request, failed={"receive": line.pk, "form": form})


@login_required
@require_POST
def line_return(request, pk: int):
    """PRT-3: an issued part not used goes back to the warehouse it came from."""
    require_any_perm(request.user, ISSUE_LINES)
    line = _line_for(request, pk)
    try:
        services.return_unused(actor=request.user, line=line)
    except ServiceError as exc:
        return _old_parts_page(
            request, failed={"return": line.pk, "errors": _refused_messages(exc)}
        )
    messages.success(
        request,
        _("%(part)s × %(quantity)s returned unused from %(order)s.")
        % {"part": line.part, "quantity": line.quantity, "order": line.order.number},
    )
    return redirect("parts:old_parts_due")


# --- the technician's own parts --------------------------------------------------------------


def _my_parts_page(request, failed: dict | None = None):
    user = request.user
    lines = (
        _lines_in_reach(user)
        .filter(Q(order__technician=user) | Q(requested_by=user))
        .select_related(*LINE_RELATED)
        .order_by("-created_at", "-pk")
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    # PRT-8: the van stock, read only if it exists (it is created with the first issue).
    van = Warehouse.objects.filter(technician=user, kind=WarehouseKind.TECHNICIAN).first()
    levels, serials = [], {}
    if van is not None:
        levels = list(
            StockLevel.objects.filter(warehouse=van, on_hand__gt=0)
            .select_related("part")
            .order_by("part__code")
        )
        for serial in PartSerial.objects.filter(warehouse=van).order_by("serial_number"):
            serials.setdefault(serial.part_id, []).append(serial.serial_number)
        for level in levels:
            level.serials = serials.get(level.part_id, [])
    receivables = list(
        Receivable.objects.filter(owner=user, settled_at__isnull=True)
        .select_related("order__customer", "line__part")
        .order_by("arose_at", "pk")
    )
    return render(
        request,
        "parts/lines/my_parts.html",
        {
            "page_obj": page,
            "van": van,
            "levels": levels,
            "receivables": receivables,
            "receivable_total": sum((r.amount for r in receivables), Decimal("0.00")),
            "now": timezone.now(),
            "failed": failed or {},
            "querystring_without_page": "",
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def my_parts(request):
    """The technician's parts lines, the parts in their own stock, and the receivables they
    allowed (FIN-2)."""
    require_any_perm(request.user, REQUEST_LINES)
    return _my_parts_page(request)


urlpatterns = [
    path("lines/request/<int:order_pk>/", line_request, name="line_request"),
    path("lines/part-lookup/", part_lookup, name="part_lookup"),
    path("lines/signoff/", signoff_queue, name="signoff_queue"),
    path("lines/issue/", issue_queue, name="issue_queue"),
    path("lines/issue/<int:order_pk>/", issue, name="issue"),
    path("lines/old-parts/", old_parts_due, name="old_parts_due"),
    path("lines/mine/", my_parts, name="my_parts"),
    path("lines/<int:pk>/use/", line_use, name="line_use"),
    path("lines/<int:pk>/agree-unpaid/", line_agree_unpaid, name="line_agree_unpaid"),
    path("lines/<int:pk>/sign/", line_sign, name="line_sign"),
    path("lines/<int:pk>/receive-old-part/", old_part_receive, name="old_part_receive"),
    path("lines/<int:pk>/return/", line_return, name="line_return"),
    path("slips/<int:pk>/", slip_detail, name="slip_detail"),
]
