"""Service-order pages: the work queue, intake, the order with its next steps, my orders.

Thin views: find the order within reach, validate a form, call one service, render or
redirect. The services check every rule and write the audit trail.
"""

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.accounts.models import User
from aftersales.audit.services import record_access
from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service import (
    order_page,
    referral_views,
    sanbao,
    services,
    sla,
    voucher,
    workflow,
)
from aftersales.service.filtersets import ServiceOrderFilter
from aftersales.service.forms import (
    CompleteForm,
    EmptyForm,
    IntakeForm,
    MergeForm,
    NoteForm,
    PlanForm,
    ReasonForm,
    ReassignForm,
    TechnicianForm,
)
from aftersales.service.models import FaultType, ServiceOrder, queue_order

ORDER_RELATED = (
    "customer",
    "unit",
    "unit__product_model",
    "technician",
    "org_unit",
    "fault_type",
)


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perm}
        )


def _order_for(request, pk: int) -> ServiceOrder:
    """The order if it exists, the user may view orders and it is within reach; else 403."""
    _require_perm(request.user, "service.view_serviceorder")
    # One query when the order is in reach (issue 7); the 404/403 choice costs one more.
    # Only the relations every page shows are joined: PostgreSQL plans a query of twelve
    # joins in 12-25 ms, twenty times what the rows cost; the rest are read below or, when
    # set (an escalation, a merge, a policy), by one small lookup each.
    order = (
        ServiceOrder.objects.visible_to(request.user)
        .select_related(*ORDER_RELATED)
        .filter(pk=pk)
        .order_by()
        .first()
    )
    if order is None:
        get_object_or_404(ServiceOrder.objects.only("pk"), pk=pk)
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )
    _read_people(order)
    _read_policy(order)
    return order


def _read_policy(order: ServiceOrder) -> None:
    """The order's SLA policy from this process's cache of the active ones (sla.py): the
    page names it without a query (issue 7); one no longer active is read when shown."""
    if order.sla_policy_id is None:
        return
    for policy in sla.active_policies():
        if policy.pk == order.sla_policy_id:
            order.sla_policy = policy
            return


def _read_people(order: ServiceOrder) -> None:
    """Who received and who forwarded the order: one query for both (the page names them)."""
    wanted = {order.received_by_id, order.forwarded_by_id} - {None}
    if not wanted:
        return
    people = User.objects.in_bulk(wanted)
    if order.received_by_id in people:
        order.received_by = people[order.received_by_id]
    if order.forwarded_by_id in people:
        order.forwarded_by = people[order.forwarded_by_id]


# The work queue's columns (issue 7: a page selects and builds only what its rows show).
LIST_RELATED = ("customer", "unit", "technician")
LIST_COLUMNS = (
    "number",
    "received_at",
    "order_type",
    "status",
    "service_kind",
    "contact_name",
    "contact_phone",
    "next_due_at",
    "sla_breached",
    "customer__name",
    "unit__serial_number",
    # str(technician)
    "technician__display_name",
    "technician__first_name",
    "technician__last_name",
    "technician__username",
)


def _short_time(local) -> str:
    """|date:"m-d H:i" of a time already in the current time zone."""
    return f"{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def _labels(field: str) -> dict:
    """get_<field>_display as a map, in the current language."""
    return {value: str(label) for value, label in ServiceOrder._meta.get_field(field).flatchoices}


def queue_rows(orders, now, soon) -> list[dict]:
    """The work queue's rows, worked out in Python (issue 7: per-row template tags, display
    methods and includes were most of the page's time). The status badge is the shared
    partial's, rendered once per status on the page."""
    types, kinds = _labels("order_type"), _labels("service_kind")
    badges = {}
    rows = []
    for order in orders:
        if order.status not in badges:
            badges[order.status] = render_to_string("service/_status_badge.html", {"order": order})
        received = order.received_at and timezone.localtime(order.received_at)
        due, due_state, due_text = order.next_due_at, "", ""
        if order.is_open and due:
            due_state = "overdue" if due < now else "soon" if due < soon else "later"
            due_text = _short_time(timezone.localtime(due))
        customer = order.customer.name
        technician = order.technician
        rows.append(
            {
                "url": reverse("service:order_detail", args=[order.pk]),
                "number": order.number,
                "received_short": _short_time(received) if received else "",
                "received": f"{received.year:04d}-{_short_time(received)}" if received else "",
                "type": types.get(order.order_type, order.order_type),
                "customer": customer,
                "contact": order.contact_name if order.contact_name != customer else None,
                "phone": order.contact_phone,
                "serial": order.unit.serial_number if order.unit else None,
                "badge": badges[order.status],
                "breached": order.sla_breached,
                "due_state": due_state,
                "due": due_text,
                "technician": str(technician) if technician else None,
                "service_kind": kinds.get(order.service_kind, order.service_kind),
            }
        )
    return rows


class OrderListView(ReachListView):
    """The work queue: orders in reach, the most urgent first — overdue, then due soonest
    (a new unassigned order's dispatch limit is among them), then the rest oldest first."""

    model = ServiceOrder
    permission_required = "service.view_serviceorder"
    filterset_class = ServiceOrderFilter
    template_name = "service/order_list.html"
    select_related = LIST_RELATED

    def get_queryset(self):
        return super().get_queryset().only(*LIST_COLUMNS).order_by(*queue_order())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = self.request.user.has_perm("service.add_serviceorder")
        now = timezone.now()
        ctx["now"] = now
        ctx["soon"] = now + dt.timedelta(hours=getattr(settings, "AFTERSALES_DUE_SOON_HOURS", 4))
        ctx["rows"] = queue_rows(ctx["page_obj"], now, ctx["soon"])
        return ctx


def _intake_initial(request) -> dict:
    """?customer=<pk> and ?unit=<pk> prefill the form (only with records in reach)."""
    initial = {}
    user = request.user
    unit_pk, customer_pk = request.GET.get("unit", ""), request.GET.get("customer", "")
    if unit_pk.isdigit():
        unit = Unit.objects.visible_to(user).filter(pk=unit_pk).first()
        if unit is not None:
            initial.update(unit=unit.pk, customer=unit.owner_id)
    if customer_pk.isdigit() and "customer" not in initial:
        customer = Customer.objects.visible_to(user).filter(pk=customer_pk).first()
        if customer is not None:
            initial["customer"] = customer.pk
    return initial


def _intake_lookup(user, q: str) -> dict:
    """REQ-2: customers by name, no., phone or contact, and units by serial, as the agent types."""
    from django.db.models import Prefetch

    from aftersales.customers.filtersets import CustomerFilter

    q = (q or "").strip()[:100]
    if len(q) < 2:
        return {"q": q, "customers": [], "units": []}
    units_in_reach = Unit.objects.visible_to(user).select_related("product_model")
    customers = CustomerFilter(
        {"q": q}, queryset=Customer.objects.visible_to(user).filter(is_active=True)
    ).qs.order_by("code")[:10]
    customers = list(
        customers.prefetch_related(
            Prefetch("units", queryset=units_in_reach.order_by("serial_number"))
        )
    )
    units = list(
        units_in_reach.select_related("owner")
        .filter(serial_number__icontains=q, owner__is_active=True)
        .order_by("serial_number")[:10]
    )
    return {"q": q, "customers": customers, "units": units}


@login_required
def order_lookup(request):
    """The intake page's search results (htmx fragment)."""
    _require_perm(request.user, "service.add_serviceorder")
    return render(
        request, "service/_intake_lookup.html", _intake_lookup(request.user, request.GET.get("q"))
    )


def _received_day(value) -> dt.date:
    """The day of a "time received" as the form sends it (local wall clock); today if none."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return timezone.localdate()


def _intake_sanbao(user, unit_pk, fault_pk, received) -> dict:
    """EXC-5: the 三包 remedies of the chosen unit (in reach) on the day received, for the
    chosen fault type."""
    unit = None
    if str(unit_pk or "").isdigit():
        unit = Unit.objects.visible_to(user).filter(pk=unit_pk).first()
    fault = None
    if str(fault_pk or "").isdigit():
        fault = FaultType.objects.filter(pk=fault_pk, is_active=True).first()
    if unit is None:
        return {"sanbao": None, "sanbao_unit": None}
    return {
        "sanbao": sanbao.remedies(unit, _received_day(received), fault),
        "sanbao_unit": unit,
    }


@login_required
def order_create(request):
    """REQ-1, REQ-2: find the customer (and unit), then record the request with its photos
    and files (kept with the order in one go, or not at all).

    EXC-5: ``?part=sanbao&unit=…&fault_type=…&received_at=…`` answers the 三包 panel alone
    (htmx refreshes it when the unit, the fault type or the time received changes)."""
    _require_perm(request.user, "service.add_serviceorder")
    if request.method == "GET" and request.GET.get("part") == "sanbao":
        get = request.GET
        return render(
            request,
            "service/_sanbao.html",
            _intake_sanbao(
                request.user, get.get("unit"), get.get("fault_type"), get.get("received_at")
            ),
        )
    initial = _intake_initial(request)
    form = IntakeForm(
        request.POST or None, request.FILES or None, user=request.user, initial=initial
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            order = services.receive_order(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
            if "confirm_duplicate" in form.errors:
                data = form.cleaned_data
                duplicates = services.intake_duplicates(
                    actor=request.user,
                    customer=data["customer"],
                    unit=data.get("unit"),
                    contact_phone=data.get("contact_phone", ""),
                )
        else:
            messages.success(
                request, _("Service order %(number)s was received.") % {"number": order.number}
            )
            return redirect("service:order_detail", pk=order.pk)
    source = form.data if form.is_bound else initial
    context = {
        "form": form,
        "duplicates": duplicates,
        "customer": form.chosen_customer,
        "lookup": _intake_lookup(request.user, request.GET.get("q")),
        **_intake_sanbao(
            request.user,
            source.get("unit"),
            source.get("fault_type"),
            source.get("received_at") or form["received_at"].initial,
        ),
    }
    return render(request, "service/order_form.html", context)


# action → (form, service call). Every transition of the workflow has one.
ACTIONS = {
    "dispatch": TechnicianForm,
    "reassign": ReassignForm,
    "contact": NoteForm,
    "plan": PlanForm,
    "start": EmptyForm,
    "wait_parts": ReasonForm,
    "wait_customer": ReasonForm,
    "resume": EmptyForm,
    "complete": CompleteForm,
    "escalate": ReasonForm,
    "merge": MergeForm,
    "close": EmptyForm,
    "cancel": ReasonForm,
    "reopen": ReasonForm,
}
assert set(ACTIONS) == set(workflow.TRANSITIONS), "every transition has a form"

# action → (button label, icon, button style, confirmation question or "")
ACTION_BUTTONS = {
    "dispatch": (gettext_lazy("Dispatch"), "send", "primary", ""),
    "reassign": (gettext_lazy("Reassign"), "arrow-left-right", "outline-primary", ""),
    "contact": (gettext_lazy("Customer contacted"), "telephone", "primary", ""),
    "plan": (gettext_lazy("Record the plan"), "clipboard-check", "primary", ""),
    "start": (gettext_lazy("Start work"), "play-fill", "primary", ""),
    "wait_parts": (gettext_lazy("Wait for parts"), "box-seam", "outline-warning", ""),
    "wait_customer": (
        gettext_lazy("Wait for the customer"),
        "hourglass-split",
        "outline-warning",
        "",
    ),
    "resume": (gettext_lazy("Resume work"), "play-fill", "primary", ""),
    "complete": (gettext_lazy("Complete"), "check2-circle", "success", ""),
    "escalate": (gettext_lazy("Escalate to HQ"), "arrow-up-circle", "outline-secondary", ""),
    "merge": (gettext_lazy("Merge as duplicate"), "union", "outline-secondary", ""),
    "close": (
        gettext_lazy("Close"),
        "lock",
        "success",
        gettext_lazy("Close this order?"),
    ),
    "cancel": (
        gettext_lazy("Cancel the order"),
        "x-circle",
        "outline-danger",
        gettext_lazy("Cancel this order?"),
    ),
    "reopen": (gettext_lazy("Reopen"), "arrow-counterclockwise", "outline-secondary", ""),
}


# Steps whose forms read lists (the dispatch candidates and their load, the customer's open
# orders): built when their panel is opened, not with every order page (issue 7).
LOADED_ON_OPEN = frozenset({"dispatch", "reassign", "merge"})


def _action_form(action: str, order: ServiceOrder, data=None, files=None):
    form_class = ACTIONS[action]
    return form_class(data, files, order=order, auto_id=f"id_{action}_%s")


def _action_panel(action: str, form, failed: bool = False) -> dict:
    """What the page shows of one step: its button and, unless it is loaded when opened
    (``form`` None), its form."""
    label, icon, style, confirm = ACTION_BUTTONS[action]
    return {
        "action": action,
        "form": form,
        "label": label,
        "icon": icon,
        "style": style,
        "confirm": confirm,
        "has_fields": bool(form.fields) if form is not None else bool(ACTIONS[action].base_fields),
        "failed": failed,
    }


def _detail(
    request,
    order: ServiceOrder,
    failed: tuple[str, object] | None = None,
    attachment_errors: list[str] | None = None,
    referral_form=None,
    answer_failed: tuple[int, object] | None = None,
):
    """The order page; ``failed`` is (action, bound form) of a refused action,
    ``attachment_errors`` the files an upload refused (REQ-2), ``referral_form`` a refused
    referral and ``answer_failed`` (referral id, bound form) a refused answer (REQ-6).

    Built inside ``order_page.building``: the panels skip the queries of the order's lists
    that have no row and share the charge sheet (issue 7)."""
    with order_page.building(order):
        return _render_detail(
            request, order, failed, attachment_errors, referral_form, answer_failed
        )


def _render_detail(request, order, failed, attachment_errors, referral_form, answer_failed):
    available = workflow.actions_for(order, request.user)
    failed_action, failed_form = failed or (None, None)
    action_panels = []
    for action in available:
        if action == failed_action:
            action_panels.append(_action_panel(action, failed_form, failed=True))
        elif action in LOADED_ON_OPEN:
            action_panels.append(_action_panel(action, None))
        else:
            action_panels.append(_action_panel(action, _action_form(action, order)))
    # A refused action that is not offered now (the state moved on): say why at the top.
    refused = None
    if failed_form is not None and failed_action not in available:
        refused = [str(e) for e in failed_form.non_field_errors()] + [
            f"{failed_form.fields[name].label}: {e}"
            for name, errors in failed_form.errors.items()
            if name in failed_form.fields
            for e in errors
        ]
    return render(
        request,
        "service/order_detail.html",
        {
            "order": order,
            # EXC-5: what the owner may ask for under 三包 on the day received (the order
            # itself is not counted among the earlier repairs).
            "sanbao": sanbao.remedies(
                order.unit,
                timezone.localtime(order.received_at).date(),
                order.fault_type,
                exclude_order_id=order.pk,
            )
            if order.unit_id
            else None,
            "actions": action_panels,
            "refused": refused,
            "clocks": order.clocks.order_by("started_at", "due_at"),
            "now": timezone.now(),
            "attachments": order.attachments.select_related("uploaded_by")
            if order_page.may_have(order, "attachments")
            else order.attachments.none(),
            "may_attach": services.may_add_attachment(request.user, order),
            "attachment_errors": attachment_errors,
            "attachment_accept": ",".join(sorted(set(services.ATTACHMENT_TYPES.values()))),
            "attachment_max_mb": services.attachment_max_bytes() // (1024 * 1024),
            "attachment_max_count": services.MAX_ATTACHMENTS,
            **referral_views.order_page_context(
                request, order, referral_form=referral_form, answer_failed=answer_failed
            ),
        },
        status=400 if attachment_errors or referral_form or answer_failed else 200,
    )


@login_required
def order_detail(request, pk: int):
    return _detail(request, _order_for(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def order_action(request, pk: int, action: str):
    """One workflow step: the action's form (GET: loaded into the order page when its panel
    is opened, or a page of its own), then its one service (POST)."""
    if action not in ACTIONS:
        raise Http404(action)
    order = _order_for(request, pk)
    # The person's right to the step first (ORG-2): a 403, not a form error, when it is missing.
    workflow.require_actor(order, action, request.user)
    if request.method == "GET":
        return _step_form(request, order, action)
    form = _action_form(action, order, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.perform(action, actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Order %(number)s was %(action)s.")
                % {"number": order.number, "action": workflow.action_label(action)},
            )
            return redirect("service:order_detail", pk=order.pk)
    return _detail(request, order, failed=(action, form))


def _step_form(request, order: ServiceOrder, action: str):
    """The form of a step open to the person now; a 403 that says why otherwise."""
    if action not in workflow.actions_for(order, request.user):
        raise PermissionDenied(
            _("“%(action)s” is not a step of order %(number)s now.")
            % {"action": workflow.action_label(action), "number": order.number}
        )
    panel = _action_panel(action, _action_form(action, order))
    return form_on_demand(request, order, "service/_action_panel.html", {"a": panel})


def form_on_demand(request, order: ServiceOrder, fragment: str, context: dict):
    """A form of the order page loaded when its panel opens (issue 7): the ``fragment``
    alone for htmx, else the fragment on a page of its own (a browser without script)."""
    context = {**context, "order": order, "fragment": fragment}
    return render(request, fragment if request.htmx else "service/step_form.html", context)


@login_required
def my_orders(request):
    """The technician's phone view: their open orders, next appointment first."""
    _require_perm(request.user, "service.handle_serviceorder")
    orders = (
        ServiceOrder.objects.visible_to(request.user)
        .open()
        .filter(technician=request.user)
        .select_related("customer", "unit__product_model")
        .order_by(F("appointment_at").asc(nulls_last=True), "received_at", "pk")
    )
    today = timezone.localdate()
    orders = list(orders)
    todays = [
        o for o in orders if o.appointment_at and timezone.localdate(o.appointment_at) == today
    ]
    others = [o for o in orders if o not in todays]
    return render(
        request,
        "service/my_orders.html",
        {"orders": orders, "todays": todays, "others": others, "now": timezone.now()},
    )


# --- SVC-4: the voucher and the customer's signature ---------------------------------------
# Uploaded files live outside the web root; these views are the only way to them, and each
# goes through _order_for, so reach is checked exactly as on the order page (403 outside).


@login_required
@never_cache
def order_voucher(request, pk: int):
    """SVC-4: the service voucher to print — a work sheet to sign before completion, the
    signed voucher after."""
    order = _order_for(request, pk)
    # A file with the customer's name, phone and address leaves the system (CUS-2).
    record_access(request, "print", order, what=_("service voucher (PDF)"))
    return FileResponse(
        io.BytesIO(voucher.render_voucher(order)),
        content_type="application/pdf",
        filename=f"{order.number}.pdf",
    )


def _stored_file(field) -> FileResponse:
    """An order's uploaded image, inline, with its type taken from the stored name (the
    service accepted only PNG or JPEG, judged by content, and named the file after it)."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, filename=field.name.rsplit("/", 1)[-1])


@login_required
@never_cache
def order_signature(request, pk: int):
    """SVC-4: the signature the customer drew on completion."""
    return _stored_file(_order_for(request, pk).signature)


@login_required
@never_cache
def order_paper_voucher(request, pk: int):
    """SVC-4: the scan of the paper voucher the customer signed."""
    order = _order_for(request, pk)
    response = _stored_file(order.paper_voucher)
    record_access(request, "download", order, what=_("scanned paper voucher"))
    return response


# --- SVC-6/7: the manager's overview of time limits -----------------------------------------


@login_required
def sla_overview(request):
    """Open orders overdue, due soon and breached per handling unit, breaches per rule over
    the last 30 days, and the overdue orders with their escalation level — in reach, four
    queries whatever the number of orders."""
    from django.db.models import Count, Max, Q

    from aftersales.service import sla
    from aftersales.service.models import OPEN_STATUSES, OrderClock

    _require_perm(request.user, "service.view_sla_overview")
    now = timezone.now()
    in_reach = ServiceOrder.objects.visible_to(request.user)
    open_orders = in_reach.filter(status__in=OPEN_STATUSES)
    by_unit = list(
        open_orders.values("org_unit__code", "org_unit__name")
        .annotate(open=Count("pk"), **sla.clock_counts(now))
        .order_by("-overdue", "-breached", "org_unit__code")
    )
    since = now - dt.timedelta(days=30)
    by_rule = list(
        OrderClock.objects.filter(order__in=in_reach, due_at__gte=since, due_at__lt=now)
        .values("rule_id", "name")
        .annotate(
            due=Count("pk"),
            breached=Count("pk", filter=Q(breached=True)),
        )
        .order_by("rule_id", "name")
    )
    for row in by_rule:
        row["met_share"] = (
            round(100 * (row["due"] - row["breached"]) / row["due"]) if row["due"] else None
        )
    overdue = (
        open_orders.filter(next_due_at__lt=now)
        .select_related("customer", "technician", "org_unit")
        .annotate(level=Max("clocks__escalation_level"))
        .order_by("next_due_at", "pk")[:50]
    )
    return render(
        request,
        "service/sla_overview.html",
        {"by_unit": by_unit, "by_rule": by_rule, "overdue": overdue, "now": now, "since": since},
    )


# --- REQ-2: photos and attachments ---------------------------------------------------------
# Like the signature, attachments live outside the web root and are served only through
# _order_for (403 outside reach).


@login_required
@require_POST
def order_attachments(request, pk: int):
    """REQ-2: add photos or PDF files to the order; each goes through the service, the
    refused ones are listed on the order page and the accepted ones are kept."""
    order = _order_for(request, pk)
    if not services.may_add_attachment(request.user, order):
        raise PermissionDenied(
            _("Only the order's technician, intake or dispatch may add photos and files.")
        )
    files = request.FILES.getlist("files")
    caption = request.POST.get("caption", "")
    refused: list[str] = []
    added = 0
    if not files:
        refused.append(_("Choose one or more photos or PDF files."))
    max_bytes = services.attachment_max_bytes()
    for upload in files:
        try:
            # One byte past the limit is enough for the service to refuse an oversized file.
            content = upload.read(max_bytes + 1)
            services.add_attachment(
                actor=request.user, order=order, content=content, name=upload.name, caption=caption
            )
        except ServiceError as exc:
            refused.extend(f"{upload.name}: {m}" for m in exc.messages)
        else:
            added += 1
    if added:
        messages.success(
            request,
            _("%(count)s file(s) added to order %(number)s.")
            % {"count": added, "number": order.number},
        )
    if refused:
        return _detail(request, order, attachment_errors=refused)
    return redirect(f"{order.get_absolute_url()}#attachments")


@login_required
@never_cache
def order_attachment(request, pk: int, attachment_id: int):
    """REQ-2: one photo or file of the order, inline, with the type the service judged from
    its content; nosniff so the browser never guesses another."""
    order = _order_for(request, pk)
    attachment = get_object_or_404(order.attachments, pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        filename=attachment.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
