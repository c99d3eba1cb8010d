"""Stock pages (PRT-2, PRT-8): on hand per warehouse and part, the ledger, receipts,
transfers, scrap, reorder points and the shortage list, and stock counts.

Thin views: check the right, validate a form, call one service of ``parts.stock``, render
or redirect. Refused input re-renders the form with its errors and status 400. The part
fields are text inputs a barcode scanner fills (see ``stock_forms``).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.core.permissions import require_any_perm
from aftersales.parts import stock
from aftersales.parts.models import CountStatus, MoveKind, StockCount, StockLevel, StockMove
from aftersales.parts.stock_filtersets import StockCountFilter, StockLevelFilter, StockMoveFilter
from aftersales.parts.stock_forms import (
    CountDecisionForm,
    CountLineForm,
    CountStartForm,
    LimitsForm,
    ReceiveForm,
    ScrapForm,
    TransferForm,
)

COUNT_READERS = ("parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount")


def _service_error(form, exc: ServiceError, aliases: dict | None = None) -> None:
    """A service's errors on the form's fields (the service says ``part``, the form has the
    scanned ``part_code``)."""
    aliases = aliases or {"part": "part_code"}
    if hasattr(exc, "error_dict"):
        exc = ServiceError({aliases.get(f, f): e for f, e in exc.error_dict.items()})
    form.add_service_error(exc)


# --- lists ---------------------------------------------------------------------------------


class StockLevelListView(ReachListView):
    """PRT-8: on hand per location and part, with reorder point and reserve."""

    model = StockLevel
    permission_required = "parts.view_stocklevel"
    filterset_class = StockLevelFilter
    template_name = "parts/stock/level_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            stock.levels_visible_to(self.request.user)
            .select_related("warehouse", "part")
            .order_by("warehouse__code", "part__code")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            can_move=user.has_perm("parts.add_stockmove"),
            can_limit=user.has_perm("parts.change_stocklevel"),
            can_count=any(user.has_perm(p) for p in COUNT_READERS),
        )
        return ctx


class StockMoveListView(ReachListView):
    """PRT-8: the ledger, newest first; PRT-2: a serial number's moves."""

    model = StockMove
    permission_required = "parts.view_stockmove"
    filterset_class = StockMoveFilter
    template_name = "parts/stock/move_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            stock.moves_visible_to(self.request.user)
            .select_related("part", "from_warehouse", "to_warehouse", "order", "slip", "actor")
            .order_by("-at", "-pk")
        )


class StockCountListView(ReachListView):
    """PRT-8: stock counts, newest first."""

    model = StockCount
    permission_required = COUNT_READERS
    filterset_class = StockCountFilter
    template_name = "parts/stock/count_list.html"

    def has_permission(self):
        return any(self.request.user.has_perm(p) for p in COUNT_READERS)

    def get_queryset(self):
        return (
            stock.counts_visible_to(self.request.user)
            .select_related("warehouse", "counted_by", "decided_by")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_start"] = self.request.user.has_perm("parts.add_stockcount")
        return ctx


@login_required
def shortage_list(request):
    """PRT-8: what is below its reorder point and how much to order, per location."""
    require_any_perm(request.user, "parts.view_stocklevel")
    places = stock.warehouses_visible_to(request.user).filter(is_active=True).order_by("code")
    chosen = None
    raw = request.GET.get("warehouse", "")
    if raw.isdigit():
        chosen = places.filter(pk=int(raw)).first()
    page = Paginator(stock.shortage_list(chosen, user=request.user), 100).get_page(
        request.GET.get("page")
    )
    params = {"warehouse": chosen.pk} if chosen else {}
    return render(
        request,
        "parts/stock/shortage_list.html",
        {
            "page_obj": page,
            "places": places,
            "chosen": chosen,
            "querystring_without_page": f"{urlencode(params)}&" if params else "",
        },
    )


# --- moving stock --------------------------------------------------------------------------


def _recent(user, kind: str):
    return (
        stock.moves_visible_to(user)
        .filter(kind=kind, actor=user)
        .select_related("part", "from_warehouse", "to_warehouse")
        .order_by("-at", "-pk")[:5]
    )


def _move_page(request, *, form_class, kind: str, title: str, button: str, act, keep):
    """The receive / transfer / scrap screen: scan the part, enter the quantity (and the
    serials of a valuable part), send; the locations stay chosen for the next part."""
    require_any_perm(request.user, "parts.add_stockmove")
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, user=request.user)
        if form.is_valid() and form.lookup:
            form.focus("quantity")
        elif form.is_valid():
            try:
                moved = act(form)
            except ServiceError as exc:
                _service_error(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("%(kind)s: %(part)s × %(quantity)s.")
                    % {
                        "kind": moved.get_kind_display(),
                        "part": moved.part,
                        "quantity": moved.quantity,
                    },
                )
                kept = {name: form.cleaned_data[name].pk for name in keep}
                return redirect(f"{request.path}?{urlencode(kept)}")
        else:
            status = 400
    else:
        initial = {n: request.GET[n] for n in keep if request.GET.get(n, "").isdigit()}
        form = form_class(initial=initial, user=request.user)
    part = getattr(form, "part", None)
    on_hand = None
    if part is not None and getattr(form, "cleaned_data", None):
        place = form.cleaned_data.get(keep[0])
        on_hand = stock.on_hand(place, part) if place is not None else None
    return render(
        request,
        "parts/stock/move_form.html",
        {
            "form": form,
            "title": title,
            "button": button,
            "part": part,
            "on_hand": on_hand,
            "recent": _recent(request.user, kind),
        },
        status=status,
    )


@login_required
def stock_receive(request):
    """PRT-8: parts arriving in a warehouse (a receipt)."""

    def act(form):
        data = form.cleaned_data
        return stock.receive_stock(
            actor=request.user,
            warehouse=data["warehouse"],
            part=data["part"],
            quantity=data["quantity"],
            serials=form.serials(),
            note=data.get("note", ""),
        )

    return _move_page(
        request,
        form_class=ReceiveForm,
        kind=MoveKind.RECEIPT,
        title=_("Receive parts"),
        button=_("Receive"),
        act=act,
        keep=("warehouse",),
    )


@login_required
def stock_transfer(request):
    """PRT-8: parts moving between warehouses."""

    def act(form):
        data = form.cleaned_data
        return stock.transfer_stock(
            actor=request.user,
            source=data["source"],
            target=data["target"],
            part=data["part"],
            quantity=data["quantity"],
            serials=form.serials(),
            note=data.get("note", ""),
        )

    return _move_page(
        request,
        form_class=TransferForm,
        kind=MoveKind.TRANSFER,
        title=_("Transfer parts"),
        button=_("Transfer"),
        act=act,
        keep=("source", "target"),
    )


@login_required
def stock_scrap(request):
    """PRT-8: parts leaving the stock as scrap, with the reason."""

    def act(form):
        data = form.cleaned_data
        return stock.scrap_stock(
            actor=request.user,
            warehouse=data["warehouse"],
            part=data["part"],
            quantity=data["quantity"],
            reason=data["reason"],
            serials=form.serials(),
        )

    return _move_page(
        request,
        form_class=ScrapForm,
        kind=MoveKind.SCRAP,
        title=_("Scrap parts"),
        button=_("Scrap"),
        act=act,
        keep=("warehouse",),
    )


@login_required
def stock_limits(request):
    """PRT-8: reorder point and reserve stock of a part at a location."""
    require_any_perm(request.user, "parts.change_stocklevel")
    status = 200
    level = None
    if request.method == "POST":
        form = LimitsForm(request.POST, user=request.user)
        if form.is_valid() and form.lookup:
            # The part was scanned: show its limits now, ready to change.
            level = StockLevel.objects.filter(
                warehouse=form.cleaned_data["warehouse"], part=form.part
            ).first()
            data = request.POST.copy()
            data["reorder_point"] = level.reorder_point if level else 0
            data["reserve"] = level.reserve if level else 0
            form = LimitsForm(data, user=request.user)
            form.is_valid()
            form.focus("reorder_point")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                level = stock.set_stock_limits(
                    actor=request.user,
                    warehouse=data["warehouse"],
                    part=data["part"],
                    reorder_point=data["reorder_point"],
                    reserve=data["reserve"],
                )
            except ServiceError as exc:
                _service_error(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("%(part)s at %(place)s: reorder point %(point)s, reserve %(reserve)s.")
                    % {
                        "part": level.part.code,
                        "place": level.warehouse,
                        "point": level.reorder_point,
                        "reserve": level.reserve,
                    },
                )
                return redirect(f"{request.path}?{urlencode({'warehouse': level.warehouse_id})}")
        else:
            status = 400
    else:
        raw = request.GET.get("warehouse", "")
        form = LimitsForm(initial={"warehouse": raw} if raw.isdigit() else {}, user=request.user)
    return render(
        request,
        "parts/stock/limits_form.html",
        {"form": form, "level": level},
        status=status,
    )


# --- stock counts --------------------------------------------------------------------------


def _count_for(request, pk: int) -> StockCount:
    count = get_object_or_404(StockCount.objects.select_related("warehouse"), pk=pk)
    if not stock.warehouses_visible_to(request.user).filter(pk=count.warehouse_id).exists():
        raise PermissionDenied(
            _("%(place)s belongs to another organisation unit outside your reach.")
            % {"place": count.warehouse}
        )
    return count


@login_required
def count_start(request):
    """PRT-8: begin a count of a location (every part on its books, or those named)."""
    require_any_perm(request.user, "parts.add_stockcount")
    status = 200
    if request.method == "POST":
        form = CountStartForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                count = stock.start_count(
                    actor=request.user,
                    warehouse=form.cleaned_data["warehouse"],
                    parts=form.cleaned_data["part_codes"],
                )
            except ServiceError as exc:
                _service_error(form, exc, {"parts": "part_codes"})
            else:
                messages.success(
                    request, _("Stock count %(number)s started.") % {"number": count.number}
                )
                return redirect("parts:count_detail", pk=count.pk)
        status = 400
    else:
        form = CountStartForm(user=request.user)
    return render(request, "parts/stock/count_form.html", {"form": form}, status=status)


def _count_page(
    request,
    count: StockCount,
    *,
    line_form=None,
    decision_form=None,
    errors: list[str] | None = None,
    status: int = 200,
):
    user = request.user
    counting = count.status == CountStatus.OPEN and user.has_perm("parts.add_stockcount")
    if counting and line_form is None:
        line_form = CountLineForm()
    may_decide = stock.may_decide(user, count)
    if may_decide and decision_form is None:
        decision_form = CountDecisionForm()
    lines = list(count.lines.select_related("part").order_by("part__code"))
    scanned = getattr(line_form, "part", None) if line_form is not None else None
    scanned_line = next((ln for ln in lines if scanned and ln.part_id == scanned.pk), None)
    return render(
        request,
        "parts/stock/count_detail.html",
        {
            "count": count,
            "lines": lines,
            "uncounted": sum(1 for ln in lines if ln.counted is None),
            "line_form": line_form if counting else None,
            "scanned": scanned,
            "scanned_line": scanned_line,
            "may_decide": may_decide,
            "decision_form": decision_form if may_decide else None,
            "errors": errors,
        },
        status=status,
    )


@login_required
def count_detail(request, pk: int):
    """The counting screen: scan a part, type what was found, Enter; then submit. The
    approver (not a counter, SEC-5) approves or rejects the submitted count here."""
    require_any_perm(request.user, *COUNT_READERS)
    count = _count_for(request, pk)
    if request.method != "POST":
        return _count_page(request, count)
    require_any_perm(request.user, "parts.add_stockcount")
    form = CountLineForm(request.POST)
    if not form.is_valid():
        return _count_page(request, count, line_form=form, status=400)
    if form.lookup:
        form.focus("counted")
        return _count_page(request, count, line_form=form)
    try:
        line = stock.record_counted(
            actor=request.user,
            count=count,
            part=form.cleaned_data["part"],
            counted=form.cleaned_data["counted"],
        )
    except ServiceError as exc:
        _service_error(form, exc)
        return _count_page(request, count, line_form=form, status=400)
    messages.success(
        request,
        _("%(part)s: %(counted)s counted.") % {"part": line.part.code, "counted": line.counted},
    )
    return redirect("parts:count_detail", pk=count.pk)


@login_required
@require_POST
def count_submit(request, pk: int):
    """PRT-8: hand the count over for approval (every line counted)."""
    require_any_perm(request.user, "parts.add_stockcount")
    count = _count_for(request, pk)
    try:
        stock.submit_count(actor=request.user, count=count)
    except ServiceError as exc:
        return _count_page(request, count, errors=exc.messages, status=400)
    messages.success(
        request, _("Stock count %(number)s waits for approval.") % {"number": count.number}
    )
    return redirect("parts:count_detail", pk=count.pk)


@login_required
@require_POST
def count_decide(request, pk: int):
    """PRT-8, SEC-5: approve (the variances are posted) or reject a submitted count."""
    require_any_perm(request.user, "parts.approve_stockcount")
    count = _count_for(request, pk)
    form = CountDecisionForm(request.POST)
    if form.is_valid():
        try:
            decided = stock.decide_count(
                actor=request.user,
                count=count,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Stock count %(number)s: %(status)s.")
                % {"number": decided.number, "status": decided.get_status_display()},
            )
            return redirect("parts:count_detail", pk=count.pk)
    count.refresh_from_db()
    if not stock.may_decide(request.user, count):
        # Not (or no longer) theirs to decide: say why at the top.
        errors = form.non_field_errors() or [e for errs in form.errors.values() for e in errs]
        return _count_page(request, count, errors=list(errors), status=400)
    return _count_page(request, count, decision_form=form, status=400)


urlpatterns: list = [
    path("stock/", StockLevelListView.as_view(), name="stock_list"),
    path("stock/moves/", StockMoveListView.as_view(), name="stock_moves"),
    path("stock/receive/", stock_receive, name="stock_receive"),
    path("stock/transfer/", stock_transfer, name="stock_transfer"),
    path("stock/scrap/", stock_scrap, name="stock_scrap"),
    path("stock/limits/", stock_limits, name="stock_limits"),
    path("stock/shortages/", shortage_list, name="shortage_list"),
    path("stock/counts/", StockCountListView.as_view(), name="count_list"),
    path("stock/counts/new/", count_start, name="count_start"),
    path("stock/counts/<int:pk>/", count_detail, name="count_detail"),
    path("stock/counts/<int:pk>/submit/", count_submit, name="count_submit"),
    path("stock/counts/<int:pk>/decide/", count_decide, name="count_decide"),
]
