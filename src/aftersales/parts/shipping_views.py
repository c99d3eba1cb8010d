"""Pages of shipments by courier (PRT-4, FEE-4): the list, a new parcel for an order, and
the parcel's page with its steps (ship with courier and tracking no., delivered, cancel).

Thin views: find the object within reach (404 if missing, 403 outside reach, with the
reason), validate a form, call one service of ``parts.shipping``, redirect with a
message. Refused input is shown on the same page with status 400.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.core.permissions import require_any_perm
from aftersales.parts import shipping
from aftersales.parts.models import (
    LineStatus,
    PartLine,
    Shipment,
    ShipmentDirection,
    ShipmentStatus,
    Warehouse,
    WarehouseKind,
)
from aftersales.parts.shipping_forms import (
    CancelShipmentForm,
    DeliverForm,
    ShipForm,
    ShipmentForm,
)
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW = "parts.view_shipment"
ADD = "parts.add_shipment"


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ShipmentStatus.choices,
        label=gettext_lazy("Status"),
        empty_label=gettext_lazy("All"),
    )
    direction = django_filters.ChoiceFilter(
        choices=ShipmentDirection.choices,
        label=gettext_lazy("Direction"),
        empty_label=gettext_lazy("All"),
    )
    q = django_filters.CharFilter(
        method="search",
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Shipment no., tracking no. or order no."),
    )

    class Meta:
        model = Shipment
        fields = ["status", "direction", "q"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(tracking_number__icontains=value)
            | Q(order__number__icontains=value)
        )


class ShipmentListView(ReachListView):
    """PRT-4: the parcels of the orders in reach, newest first."""

    model = Shipment
    permission_required = VIEW
    filterset_class = ShipmentFilter
    template_name = "parts/shipping/shipment_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            shipping.shipments_visible_to(self.request.user)
            .select_related("order__customer", "warehouse", "technician")
            .order_by("-created_at", "-pk")
        )


# --- a new parcel --------------------------------------------------------------------------


def _warehouses(direction: str) -> list[Warehouse]:
    kinds = [WarehouseKind.CENTRAL, WarehouseKind.BRANCH]
    if direction == ShipmentDirection.RETURN:
        kinds.append(WarehouseKind.OLD_PARTS)
    return list(Warehouse.objects.filter(kind__in=kinds, is_active=True).order_by("kind", "code"))


def _candidates(order: ServiceOrder, direction: str) -> list[dict]:
    """The order's parts that may travel this way: issued lines going out; old parts owed
    and issued, unused parts coming back."""
    lines = list(
        PartLine.objects.filter(order=order)
        .exclude(status__in=[LineStatus.CANCELLED, LineStatus.REFUSED])
        .select_related("part", "slip")
        .order_by("pk")
    )
    found = []
    for line in lines:
        if direction == ShipmentDirection.RETURN:
            if (
                line.old_part_required
                and line.old_part_received_at is None
                and line.status in (LineStatus.ISSUED, LineStatus.USED)
            ):
                label = _("Old part of %(part)s") % {"part": line.part}
                found.append({"key": f"{line.pk}o", "line": line, "old_part": True, "label": label})
            if line.status == LineStatus.ISSUED:
                label = _("%(part)s, unused") % {"part": line.part}
                found.append({"key": str(line.pk), "line": line, "old_part": False, "label": label})
        elif line.status == LineStatus.ISSUED:
            found.append(
                {"key": str(line.pk), "line": line, "old_part": False, "label": str(line.part)}
            )
    return found


def _initial(order: ServiceOrder, direction: str, warehouses: list[Warehouse]) -> dict:
    """The recipient as the order knows them: the customer's contact and address, the
    technician, or the warehouse a return goes to."""
    initial = {"direction": direction, "freight_collect": direction == ShipmentDirection.RETURN}
    preferred = next((w for w in warehouses if w.org_unit_id == order.org_unit_id), None)
    if direction == ShipmentDirection.RETURN:
        preferred = next((w for w in warehouses if w.kind == WarehouseKind.OLD_PARTS), preferred)
    preferred = preferred or (warehouses[0] if warehouses else None)
    if preferred is not None:
        initial["warehouse"] = preferred.pk
    if direction == ShipmentDirection.TO_CUSTOMER:
        initial.update(
            recipient_name=order.contact_name or order.customer.name,
            recipient_phone=order.contact_phone or order.customer.phone,
            address=order.address or order.customer.address,
        )
    elif direction == ShipmentDirection.TO_TECHNICIAN and order.technician is not None:
        tech = order.technician
        unit = tech.org_unit
        initial.update(
            recipient_name=str(tech),
            recipient_phone=tech.phone,
            address=unit.address if unit else "",
        )
    elif direction == ShipmentDirection.RETURN and preferred is not None:
        unit = preferred.org_unit
        initial.update(
            recipient_name=str(preferred), recipient_phone=unit.phone, address=unit.address
        )
    return initial


@login_required
def shipment_create(request):
    """PRT-4: a parcel for one order (``?order=<id>&direction=…``)."""
    require_any_perm(request.user, ADD)
    raw = request.POST.get("order") or request.GET.get("order") or ""
    if not raw.isdigit():
        # A parcel belongs to an order: it is started from the order page's parts card.
        messages.info(request, _("Open the order and choose “Ship parts” on its parts card."))
        return redirect("parts:shipment_list")
    order = get_object_or_404(
        ServiceOrder.objects.select_related("customer", "technician__org_unit"), pk=int(raw)
    )
    require_order_reach(request.user, order.pk)
    direction = request.POST.get("direction") or request.GET.get("direction") or ""
    if direction not in ShipmentDirection.values:
        direction = ShipmentDirection.TO_CUSTOMER
    warehouses = _warehouses(direction)
    candidates = _candidates(order, direction)
    status = 200
    if request.method == "POST":
        form = ShipmentForm(request.POST, candidates=candidates, warehouses=warehouses)
        if form.is_valid():
            try:
                shipment = shipping.create_shipment(
                    actor=request.user, order=order, **form.service_arguments()
                )
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    _("Shipment %(number)s prepared for order %(order)s.")
                    % {"number": shipment.number, "order": order.number},
                )
                return redirect("parts:shipment_detail", pk=shipment.pk)
        status = 400
    else:
        form = ShipmentForm(
            initial=_initial(order, direction, warehouses),
            candidates=candidates,
            warehouses=warehouses,
        )
    return render(
        request,
        "parts/shipping/shipment_form.html",
        {
            "order": order,
            "form": form,
            "direction": direction,
            "directions": ShipmentDirection.choices,
            "is_return": direction == ShipmentDirection.RETURN,
        },
        status=status,
    )


# --- the parcel's page -----------------------------------------------------------------------


def _shipment_for(request, pk: int) -> Shipment:
    shipment = get_object_or_404(
        Shipment.objects.select_related(
            "order__customer", "order__technician", "warehouse", "technician", "shipped_by"
        ),
        pk=pk,
    )
    require_order_reach(request.user, shipment.order_id)
    return shipment


def _detail(request, shipment: Shipment, forms: dict | None = None, status: int = 200):
    user = request.user
    forms = forms or {}
    prepared = shipment.status == ShipmentStatus.PREPARED
    items = list(shipment.items.select_related("part", "line").order_by("pk"))
    cancel_reason = ""
    if shipment.status == ShipmentStatus.CANCELLED:
        entry = (
            AuditEntry.objects.filter(action="parts.shipment.cancelled", object_id=str(shipment.pk))
            .order_by("-at")
            .first()
        )
        cancel_reason = entry.note if entry else ""
    is_return = shipment.direction == ShipmentDirection.RETURN
    return render(
        request,
        "parts/shipping/shipment_detail.html",
        {
            "shipment": shipment,
            "items": items,
            "is_return": is_return,
            "cancel_reason": cancel_reason,
            "ship_form": forms.get("ship")
            or (ShipForm() if prepared and shipping.may_ship(user, shipment) else None),
            "deliver_form": forms.get("deliver")
            or (
                DeliverForm()
                if shipment.status == ShipmentStatus.SHIPPED
                and shipping.may_deliver(user, shipment)
                else None
            ),
            "cancel_form": forms.get("cancel")
            or (CancelShipmentForm() if prepared and shipping.may_cancel(user, shipment) else None),
            # PRT-3: once a return is in, the keeper receives its parts on the old-parts page.
            "receive_here": is_return
            and shipment.status == ShipmentStatus.DELIVERED
            and user.has_perm("parts.issue_partline"),
            "can_see_order": user.has_perm("service.view_serviceorder"),
        },
        status=status,
    )


@login_required
def shipment_detail(request, pk: int):
    require_any_perm(request.user, VIEW)
    return _detail(request, _shipment_for(request, pk))


def _step(request, pk: int, form_class, name: str, act, done: str):
    require_any_perm(request.user, VIEW)
    shipment = _shipment_for(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(shipment, form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, done % {"number": shipment.number})
            return redirect("parts:shipment_detail", pk=shipment.pk)
    return _detail(request, shipment, {name: form}, status=400)


@login_required
@require_POST
def shipment_ship(request, pk: int):
    """PRT-4: handed to the courier, with the courier and the tracking number."""
    return _step(
        request,
        pk,
        ShipForm,
        "ship",
        lambda s, d: shipping.mark_shipped(actor=request.user, shipment=s, **d),
        _("Shipment %(number)s shipped."),
    )


@login_required
@require_POST
def shipment_deliver(request, pk: int):
    return _step(
        request,
        pk,
        DeliverForm,
        "deliver",
        lambda s, d: shipping.mark_delivered(actor=request.user, shipment=s, note=d["note"]),
        _("Shipment %(number)s delivered."),
    )


@login_required
@require_POST
def shipment_cancel(request, pk: int):
    return _step(
        request,
        pk,
        CancelShipmentForm,
        "cancel",
        lambda s, d: shipping.cancel_shipment(actor=request.user, shipment=s, reason=d["reason"]),
        _("Shipment %(number)s cancelled."),
    )


urlpatterns = [
    path("shipments/", ShipmentListView.as_view(), name="shipment_list"),
    path("shipments/new/", shipment_create, name="shipment_create"),
    path("shipments/<int:pk>/", shipment_detail, name="shipment_detail"),
    path("shipments/<int:pk>/ship/", shipment_ship, name="shipment_ship"),
    path("shipments/<int:pk>/deliver/", shipment_deliver, name="shipment_deliver"),
    path("shipments/<int:pk>/cancel/", shipment_cancel, name="shipment_cancel"),
]
