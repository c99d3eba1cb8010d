"""API of shipments by courier (PRT-4, FEE-4): the parcels of the orders in reach; create,
and the steps ``ship`` (courier and tracking no.), ``deliver`` and ``cancel``.

Serializers check the shape of the input; ``parts.shipping`` checks every rule and right
(a broken rule → 400 with field errors, a missing right → 403 that says why).
"""

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.parts import shipping
from aftersales.parts.line_api import NeedsOneOf
from aftersales.parts.models import (
    Part,
    PartLine,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    Warehouse,
)
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW = "parts.view_shipment"
ADD = "parts.add_shipment"
CHANGE = "parts.change_shipment"


class ShipmentItemSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)

    class Meta:
        model = ShipmentItem
        fields = [
            "id",
            "part",
            "part_code",
            "part_name",
            "quantity",
            "line",
            "old_part",
            "serial_numbers",
        ]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    items = ShipmentItemSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "number",
            "direction",
            "status",
            "order",
            "order_number",
            "warehouse",
            "technician",
            "recipient_name",
            "recipient_phone",
            "address",
            "courier",
            "tracking_number",
            "freight_collect",
            "freight",
            "shipped_at",
            "shipped_by",
            "delivered_at",
            "delivered_note",
            "note",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ShipmentItemInputSerializer(serializers.Serializer):
    line = serializers.PrimaryKeyRelatedField(
        queryset=PartLine.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The order's parts line (or give the part)."),
    )
    part = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The part, when the order has one line of it that fits."),
    )
    quantity = serializers.IntegerField(min_value=1, max_value=9999)
    old_part = serializers.BooleanField(
        default=False, help_text=gettext_lazy("A return: the old part owed (PRT-3).")
    )
    serials = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        help_text=gettext_lazy("Serial numbers of a valuable part (PRT-2)."),
    )

    def validate(self, attrs):
        if attrs.get("line") is None and attrs.get("part") is None:
            raise serializers.ValidationError(gettext_lazy("Give the line or the part."))
        return attrs


class ShipmentCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    direction = serializers.ChoiceField(choices=ShipmentDirection.choices)
    warehouse = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(),
        help_text=gettext_lazy("Where the parts leave from, or where a return goes to."),
    )
    recipient_name = serializers.CharField(max_length=100, allow_blank=True)
    recipient_phone = serializers.CharField(max_length=30, allow_blank=True)
    address = serializers.CharField(max_length=300, allow_blank=True)
    technician = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Default: the order's technician."),
    )
    freight_collect = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Default: yes for a return (PRT-4), no otherwise."),
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    items = ShipmentItemInputSerializer(many=True, allow_empty=False)


class ShipmentShipSerializer(serializers.Serializer):
    courier = serializers.CharField(max_length=50, allow_blank=True)
    tracking_number = serializers.CharField(max_length=60, allow_blank=True)
    freight = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )


class ShipmentDeliverSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ShipmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices)
    direction = django_filters.ChoiceFilter(choices=ShipmentDirection.choices)
    order = django_filters.NumberFilter(field_name="order_id")
    tracking_number = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Shipment
        fields = ["status", "direction", "order", "tracking_number"]


class ShipmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """PRT-4: parcels of parts to customers and technicians and returns to the warehouse,
    with courier and tracking number."""

    serializer_class = ShipmentSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": [VIEW],
        "create": [ADD],
        "ship": [CHANGE, ADD],  # the service decides who ships which parcel
        "deliver": [VIEW],
        "cancel": [CHANGE, ADD],
    }
    filterset_class = ShipmentFilter
    search_fields = ["number", "tracking_number", "order__number"]
    ordering_fields = ["created_at", "shipped_at"]
    queryset = Shipment.objects.none()  # for the schema; get_queryset is reach-limited

    def _shipments(self):
        return Shipment.objects.select_related("order").prefetch_related("items__part")

    def get_queryset(self):
        visible = shipping.shipments_visible_to(self.request.user).values("pk")
        return self._shipments().filter(pk__in=visible).order_by("-created_at", "-pk")

    def get_object(self):
        """A parcel outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = self._shipments().filter(pk=int(pk) if pk.isdigit() else 0).first()
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        return found

    def _answer(self, shipment, status=200):
        return Response(
            ShipmentSerializer(self._shipments().get(pk=shipment.pk)).data, status=status
        )

    @extend_schema(request=ShipmentCreateSerializer, responses={201: ShipmentSerializer})
    def create(self, request, *args, **kwargs):
        """PRT-4: a parcel of the order's issued parts (or a return of old / unused parts);
        FEE-4: a parts sale ships to the customer only paid or on the technician's word."""
        data = ShipmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipment = shipping.create_shipment(actor=request.user, **data.validated_data)
        return self._answer(shipment, status=201)

    @extend_schema(request=ShipmentShipSerializer, responses={200: ShipmentSerializer})
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        """PRT-4: handed to the courier; the courier and tracking number are required."""
        shipment = self.get_object()
        if not shipping.may_ship(request.user, shipment):
            raise exceptions.PermissionDenied(
                gettext_lazy(
                    "Only the warehouse ships parts; a return is shipped by its technician."
                )
            )
        data = ShipmentShipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            shipping.mark_shipped(actor=request.user, shipment=shipment, **data.validated_data)
        )

    @extend_schema(request=ShipmentDeliverSerializer, responses={200: ShipmentSerializer})
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        """The parcel arrived (a return: the keeper then receives its parts, PRT-3)."""
        shipment = self.get_object()
        if not shipping.may_deliver(request.user, shipment):
            raise exceptions.PermissionDenied(
                gettext_lazy("Only the warehouse or the receiving technician records this.")
            )
        data = ShipmentDeliverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            shipping.mark_delivered(
                actor=request.user, shipment=shipment, note=data.validated_data["note"]
            )
        )

    @extend_schema(request=ShipmentCancelSerializer, responses={200: ShipmentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A prepared parcel that will not go; the reason is required."""
        shipment = self.get_object()
        if not shipping.may_cancel(request.user, shipment):
            raise exceptions.PermissionDenied(
                gettext_lazy("Only the warehouse or whoever prepared it may cancel it.")
            )
        data = ShipmentCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            shipping.cancel_shipment(
                actor=request.user, shipment=shipment, reason=data.validated_data["reason"]
            )
        )


def register(router) -> None:
    router.register("shipments", ShipmentViewSet, basename="shipment")
