"""API of the field work (SVC-3, SVC-5) under /api/fieldwork/: the checklist, the on-site
visits and the take-back hand-overs of the orders in the caller's reach.

Reading needs the right to view service orders; every write goes through the services,
which allow the order's technician or a dispatcher (403 otherwise, and outside reach).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.core.dataurl import decode_image_text
from aftersales.fieldwork import services
from aftersales.fieldwork.models import ChecklistItem, SiteVisit, TakeBack, VisitCheck
from aftersales.service.models import ServiceOrder

VIEW_ORDERS = "service.view_serviceorder"
OUTSIDE_REACH = gettext_lazy("This order belongs to another organisation unit outside your reach.")


class ViewsOrders(permissions.BasePermission):
    """People who may view service orders; a denial names the right."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.has_perm(VIEW_ORDERS):
            raise exceptions.PermissionDenied(
                _("Your roles do not include the right “%(perm)s”.") % {"perm": VIEW_ORDERS}
            )
        return True


# --- serializers ---------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    plan_modes = serializers.ListField(
        source="mode_list",
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy("The solution plans the item is checked for."),
    )

    class Meta:
        model = ChecklistItem
        fields = ["id", "text", "plan_modes", "required", "rank"]
        read_only_fields = fields


class VisitCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitCheck
        fields = ["id", "item", "item_text", "ticked_by", "ticked_at"]
        read_only_fields = fields


class SiteVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = SiteVisit
        fields = [
            "id",
            "order",
            "technician",
            "checked_in_at",
            "checked_out_at",
            "note",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


class TakeBackSerializer(serializers.ModelSerializer):
    technician_signature = serializers.SerializerMethodField()
    customer_signature = serializers.SerializerMethodField()
    return_signature = serializers.SerializerMethodField()

    class Meta:
        model = TakeBack
        fields = [
            "id",
            "order",
            "number",
            "items",
            "serial_numbers",
            "condition",
            "promised_return_on",
            "technician",
            "taken_at",
            "technician_signature",
            "customer_signature",
            "signer_name",
            "returned_at",
            "returned_by",
            "return_note",
            "return_signature",
            "return_signer_name",
        ]
        read_only_fields = fields

    def _url(self, take_back, which: str, field) -> str | None:
        if not field:
            return None
        path = reverse("fieldwork:take_back_signature", args=[take_back.pk, which])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_technician_signature(self, obj) -> str | None:
        """Where to fetch the image (reach is checked there too)."""
        return self._url(obj, "technician", obj.technician_signature)

    def get_customer_signature(self, obj) -> str | None:
        return self._url(obj, "customer", obj.customer_signature)

    def get_return_signature(self, obj) -> str | None:
        return self._url(obj, "return", obj.return_signature)


class ChecklistRowSerializer(serializers.Serializer):
    item = ChecklistItemSerializer()
    ticked = VisitCheckSerializer(allow_null=True)


class FieldworkSerializer(serializers.Serializer):
    """The field work of one order."""

    order = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    status = serializers.CharField(source="order.status")
    plan_mode = serializers.CharField(source="order.plan_mode")
    checklist = ChecklistRowSerializer(many=True)
    missing_required = ChecklistItemSerializer(many=True)
    visits = SiteVisitSerializer(many=True)
    take_backs = TakeBackSerializer(many=True)


def _fieldwork(order: ServiceOrder) -> dict:
    ticks = {
        c.item_id: c for c in VisitCheck.objects.filter(order=order).select_related("ticked_by")
    }
    items = services.checklist_for(order)
    return {
        "order": order,
        "checklist": [{"item": i, "ticked": ticks.get(i.pk)} for i in items],
        "missing_required": [i for i in items if i.required and i.pk not in ticks],
        "visits": SiteVisit.objects.filter(order=order).order_by("-checked_in_at", "-pk"),
        "take_backs": TakeBack.objects.filter(order=order).order_by("-taken_at", "-pk"),
    }


class TickSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=200,
        help_text=gettext_lazy("Ids of the checklist items ticked."),
    )


class CheckInSerializer(serializers.Serializer):
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )


class CheckOutSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _image(value):
    try:
        return decode_image_text(value)
    except ValueError as exc:
        raise serializers.ValidationError(_("Send the image as a data URL or base64.")) from exc


class TakeBackInputSerializer(serializers.Serializer):
    """SVC-3: the hand-over, signed by the technician and the customer."""

    items = serializers.CharField(max_length=2000)
    serial_numbers = serializers.CharField(max_length=300, required=False, allow_blank=True)
    condition = serializers.CharField(max_length=2000)
    promised_return_on = serializers.DateField(
        help_text=gettext_lazy("The completion date promised to the customer.")
    )
    technician_signature = serializers.CharField(
        help_text=gettext_lazy("The technician's signature: PNG or JPEG, data URL or base64.")
    )
    customer_signature = serializers.CharField(
        help_text=gettext_lazy("The customer's signature: PNG or JPEG, data URL or base64.")
    )
    signer_name = serializers.CharField(max_length=100)

    validate_technician_signature = staticmethod(_image)
    validate_customer_signature = staticmethod(_image)


class ReturnInputSerializer(serializers.Serializer):
    """SVC-3: the part or product is back with the customer, who signs for it."""

    customer_signature = serializers.CharField(
        help_text=gettext_lazy("The customer's signature: PNG or JPEG, data URL or base64.")
    )
    signer_name = serializers.CharField(max_length=100)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    validate_customer_signature = staticmethod(_image)


# --- viewsets ---------------------------------------------------------------------------


class FieldworkOrderViewSet(viewsets.GenericViewSet):
    """The field work of each order in reach; writes through the actions below."""

    permission_classes = [ViewsOrders]
    serializer_class = FieldworkSerializer
    queryset = ServiceOrder.objects.none()  # for the schema; get_object is reach-limited

    def get_object(self):
        """An order outside reach is a 403 that says why, not a 404."""
        pk = self.kwargs["pk"]
        if not str(pk).isdigit() or not ServiceOrder.objects.filter(pk=pk).exists():
            raise exceptions.NotFound()
        order = ServiceOrder.objects.visible_to(self.request.user).filter(pk=pk).first()
        if order is None:
            raise exceptions.PermissionDenied(OUTSIDE_REACH)
        return order

    def _order_to_work(self) -> ServiceOrder:
        """The order, if the caller is its technician or a dispatcher: a 403 before the body
        is read, not field errors (SVC-3, SVC-5)."""
        order = self.get_object()
        services.require_actor(self.request.user, order)
        return order

    def _answer(self, order: ServiceOrder, status: int = 200) -> Response:
        order.refresh_from_db()
        data = FieldworkSerializer(_fieldwork(order), context={"request": self.request}).data
        return Response(data, status=status)

    @extend_schema(responses={200: FieldworkSerializer})
    def retrieve(self, request, pk=None):
        """The order's checklist (with what is ticked and what is still required before
        check-in), its on-site visits and its take-back hand-overs."""
        return self._answer(self.get_object())

    @extend_schema(request=TickSerializer, responses={200: FieldworkSerializer})
    @action(detail=True, methods=["post"], url_path="checklist")
    def checklist(self, request, pk=None):
        """SVC-5: tick checklist items before departure (ticks are not taken back)."""
        order = self._order_to_work()
        data = TickSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tick_checklist(
            actor=request.user, order=order, item_ids=data.validated_data["items"]
        )
        return self._answer(order)

    @extend_schema(request=CheckInSerializer, responses={201: SiteVisitSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """SVC-3: arrival on site; refused until the required checklist items are ticked.
        The order's status does not change."""
        order = self._order_to_work()
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.check_in(actor=request.user, order=order, **data.validated_data)
        return Response(SiteVisitSerializer(visit).data, status=201)

    @extend_schema(request=CheckOutSerializer, responses={200: SiteVisitSerializer})
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        """SVC-3: leaving the site, with a note; needs the open visit."""
        order = self._order_to_work()
        data = CheckOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.check_out(actor=request.user, order=order, **data.validated_data)
        return Response(SiteVisitSerializer(visit).data)

    @extend_schema(request=TakeBackInputSerializer, responses={201: TakeBackSerializer})
    @action(detail=True, methods=["post"], url_path="take-backs")
    def take_backs(self, request, pk=None):
        """SVC-3: the take-back hand-over, signed by both."""
        order = self._order_to_work()
        data = TakeBackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        take_back = services.record_take_back(
            actor=request.user, order=order, **data.validated_data
        )
        return Response(TakeBackSerializer(take_back, context={"request": request}).data, 201)


def _in_reach(queryset, user):
    return queryset.filter(order__in=ServiceOrder.objects.visible_to(user).values("pk"))


class ChecklistItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """SVC-5: the active pre-visit checklist (configured in the admin site)."""

    permission_classes = [ViewsOrders]
    serializer_class = ChecklistItemSerializer
    queryset = ChecklistItem.objects.active().order_by("rank", "pk")
    pagination_class = None
    filter_backends = []


class SiteVisitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """SVC-3: on-site visits of the orders in reach, latest first."""

    permission_classes = [ViewsOrders]
    serializer_class = SiteVisitSerializer
    queryset = SiteVisit.objects.none()
    filterset_fields = ["order", "technician"]
    ordering_fields = ["checked_in_at"]

    def get_queryset(self):
        return _in_reach(SiteVisit.objects.all(), self.request.user).order_by(
            "-checked_in_at", "-pk"
        )


class TakeBackViewSet(
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """SVC-3: take-back hand-overs of the orders in reach; the return is an action."""

    permission_classes = [ViewsOrders]
    serializer_class = TakeBackSerializer
    queryset = TakeBack.objects.none()
    filterset_fields = ["order", "technician"]
    search_fields = ["number", "items", "serial_numbers"]
    ordering_fields = ["taken_at", "number"]

    def get_queryset(self):
        return _in_reach(TakeBack.objects.all(), self.request.user).order_by("-taken_at", "-pk")

    def get_object(self):
        pk = self.kwargs["pk"]
        if not str(pk).isdigit() or not TakeBack.objects.filter(pk=pk).exists():
            raise exceptions.NotFound()
        take_back = self.get_queryset().filter(pk=pk).first()
        if take_back is None:
            raise exceptions.PermissionDenied(OUTSIDE_REACH)
        return take_back

    @extend_schema(request=ReturnInputSerializer, responses={200: TakeBackSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def record_return(self, request, pk=None):
        """SVC-3: the repaired part or product is back with the customer, who signs."""
        take_back = self.get_object()
        services.require_actor(request.user, take_back.order)
        data = ReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        returned = services.record_return(
            actor=request.user, take_back=take_back, **data.validated_data
        )
        return Response(TakeBackSerializer(returned, context={"request": request}).data)


def register(router) -> None:
    router.register("fieldwork/orders", FieldworkOrderViewSet, basename="fieldwork-order")
    router.register(
        "fieldwork/checklist-items", ChecklistItemViewSet, basename="fieldwork-checklist-item"
    )
    router.register("fieldwork/visits", SiteVisitViewSet, basename="fieldwork-visit")
    router.register("fieldwork/take-backs", TakeBackViewSet, basename="fieldwork-take-back")
