"""API of the stock (PRT-2, PRT-8): levels and the ledger in reach, receipts, transfers,
scrap and reorder points, and stock counts — every write through ``parts.stock``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.permissions import ModelPermissions
from aftersales.parts import stock
from aftersales.parts.models import (
    Part,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMove,
    Warehouse,
)
from aftersales.parts.stock_filtersets import StockCountFilter, StockLevelFilter, StockMoveFilter

# --- output ----------------------------------------------------------------------------------


class StockLevelSerializer(serializers.ModelSerializer):
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    below_reorder_point = serializers.SerializerMethodField(
        help_text=gettext_lazy("On hand is below the reorder point (PRT-8).")
    )
    to_order = serializers.SerializerMethodField(
        help_text=gettext_lazy("Reorder point + reserve − on hand when below, else 0.")
    )

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "warehouse",
            "warehouse_code",
            "part",
            "part_code",
            "part_name",
            "on_hand",
            "reorder_point",
            "reserve",
            "below_reorder_point",
            "to_order",
        ]
        read_only_fields = fields

    def get_below_reorder_point(self, level) -> bool:
        return level.on_hand < level.reorder_point

    def get_to_order(self, level) -> int:
        if level.on_hand >= level.reorder_point:
            return 0
        return level.reorder_point + level.reserve - level.on_hand


class StockMoveSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "at",
            "kind",
            "part",
            "part_code",
            "quantity",
            "from_warehouse",
            "to_warehouse",
            "order",
            "slip",
            "line",
            "serial_numbers",
            "actor",
            "note",
        ]
        read_only_fields = fields


class StockCountLineSerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True)
    variance = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Counted − on the books; empty until counted."),
    )

    class Meta:
        model = StockCountLine
        fields = ["id", "part", "part_code", "expected", "counted", "variance"]
        read_only_fields = fields


class StockCountSerializer(serializers.ModelSerializer):
    lines = StockCountLineSerializer(many=True, read_only=True)

    class Meta:
        model = StockCount
        fields = [
            "id",
            "number",
            "warehouse",
            "status",
            "counted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
            "lines",
        ]
        read_only_fields = fields


# --- input -----------------------------------------------------------------------------------


def _quantity(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=stock.MAX_QUANTITY, **kwargs)


def _serials():
    return serializers.ListField(
        child=serializers.CharField(max_length=stock.SERIAL_MAX),
        required=False,
        default=list,
        max_length=1000,
        help_text=gettext_lazy("PRT-2: one serial number per piece of a valuable part."),
    )


def _warehouse(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all(), **kwargs)


def _part():
    return serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())


class ReceiveSerializer(serializers.Serializer):
    warehouse = _warehouse()
    part = _part()
    quantity = _quantity()
    serial_numbers = _serials()
    note = serializers.CharField(max_length=stock.NOTE_MAX, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    source = _warehouse()
    target = _warehouse()
    part = _part()
    quantity = _quantity()
    serial_numbers = _serials()
    note = serializers.CharField(max_length=stock.NOTE_MAX, required=False, allow_blank=True)


class ScrapSerializer(serializers.Serializer):
    warehouse = _warehouse()
    part = _part()
    quantity = _quantity()
    reason = serializers.CharField(max_length=stock.NOTE_MAX)
    serial_numbers = _serials()


class LimitsSerializer(serializers.Serializer):
    warehouse = _warehouse()
    part = _part()
    reorder_point = serializers.IntegerField(min_value=0, max_value=stock.MAX_QUANTITY)
    reserve = serializers.IntegerField(min_value=0, max_value=stock.MAX_QUANTITY)


class CountStartSerializer(serializers.Serializer):
    warehouse = _warehouse()
    parts = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(),
        many=True,
        required=False,
        help_text=gettext_lazy("The parts to count; left out: every part on the books there."),
    )


class CountLineInputSerializer(serializers.Serializer):
    part = _part()
    counted = serializers.IntegerField(min_value=0, max_value=stock.MAX_QUANTITY)


class CountDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(
        help_text=gettext_lazy("true: post the variances; false: reject (comment required).")
    )
    comment = serializers.CharField(max_length=stock.NOTE_MAX, required=False, allow_blank=True)


# --- views -----------------------------------------------------------------------------------


def _deny(perm: str):
    raise exceptions.PermissionDenied(
        _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
    )


class StockLevelPermissions(ModelPermissions):
    """Reading needs the view right; setting limits the change right (PRT-8)."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "limits":
            user = request.user
            if not (user and user.is_authenticated):
                return False
            if not user.has_perm("parts.change_stocklevel"):
                _deny("parts.change_stocklevel")
            return True
        return super().has_permission(request, view)


class StockLevelViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """PRT-8: on hand per location and part in reach (ORG-3); ``below=true`` gives the
    shortage list."""

    serializer_class = StockLevelSerializer
    permission_classes = [StockLevelPermissions]
    filterset_class = StockLevelFilter
    ordering_fields = ["on_hand", "part__code", "warehouse__code"]
    queryset = StockLevel.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            stock.levels_visible_to(self.request.user)
            .select_related("warehouse", "part")
            .order_by("warehouse__code", "part__code")
        )

    @extend_schema(request=LimitsSerializer, responses={200: StockLevelSerializer})
    @action(detail=False, methods=["post"], url_path="limits")
    def limits(self, request):
        """PRT-8: set the reorder point and the reserve stock of a part at a location."""
        data = LimitsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        level = stock.set_stock_limits(actor=request.user, **data.validated_data)
        return Response(StockLevelSerializer(level).data)


class StockMoveViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """PRT-8: the stock ledger in reach, newest first; receipts, transfers and scrap are
    posted through the actions (never more than on hand; valuable parts by serial)."""

    serializer_class = StockMoveSerializer
    permission_classes = [ModelPermissions]
    filterset_class = StockMoveFilter
    queryset = StockMove.objects.none()

    def get_queryset(self):
        return (
            stock.moves_visible_to(self.request.user).select_related("part").order_by("-at", "-pk")
        )

    def _post(self, request, serializer_class, service):
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "serial_numbers" in values:
            values["serials"] = values.pop("serial_numbers")
        moved = service(actor=request.user, **values)
        return Response(StockMoveSerializer(moved).data, status=201)

    @extend_schema(request=ReceiveSerializer, responses={201: StockMoveSerializer})
    @action(detail=False, methods=["post"], url_path="receive")
    def receive(self, request):
        """PRT-8: parts arrive in a warehouse (a receipt)."""
        return self._post(request, ReceiveSerializer, stock.receive_stock)

    @extend_schema(request=TransferSerializer, responses={201: StockMoveSerializer})
    @action(detail=False, methods=["post"], url_path="transfer")
    def transfer(self, request):
        """PRT-8: parts move from one warehouse to another."""
        return self._post(request, TransferSerializer, stock.transfer_stock)

    @extend_schema(request=ScrapSerializer, responses={201: StockMoveSerializer})
    @action(detail=False, methods=["post"], url_path="scrap")
    def scrap(self, request):
        """PRT-8: parts leave the stock as scrap, with the reason."""
        return self._post(request, ScrapSerializer, stock.scrap_stock)


class StockCountPermissions(permissions.BasePermission):
    """Reading: whoever counts or approves; starting, recording and submitting: the count
    right; deciding: the approval right (SEC-5). A denial names the right."""

    NEEDS = {
        "create": ["parts.add_stockcount"],
        "record_line": ["parts.add_stockcount"],
        "submit": ["parts.add_stockcount"],
        "decide": ["parts.approve_stockcount"],
    }
    READ = ["parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount"]

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = self.NEEDS.get(getattr(view, "action", None), self.READ)
        if any(user.has_perm(p) for p in needed):
            return True
        _deny(needed[0])


class StockCountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """PRT-8: stock counts of the locations in reach: start, record what was found,
    submit, and approve or reject (SEC-5: not by someone who counted)."""

    serializer_class = StockCountSerializer
    permission_classes = [StockCountPermissions]
    filterset_class = StockCountFilter
    queryset = StockCount.objects.none()

    def get_queryset(self):
        return (
            stock.counts_visible_to(self.request.user)
            .select_related("warehouse")
            .prefetch_related("lines__part")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        """A count outside the caller's reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        count = None
        if pk.isdigit():
            count = (
                StockCount.objects.select_related("warehouse")
                .prefetch_related("lines__part")
                .filter(pk=int(pk))
                .first()
            )
        if count is None:
            raise exceptions.NotFound()
        if (
            not stock.warehouses_visible_to(self.request.user)
            .filter(pk=count.warehouse_id)
            .exists()
        ):
            raise exceptions.PermissionDenied(
                _("%(place)s belongs to another organisation unit outside your reach.")
                % {"place": count.warehouse}
            )
        return count

    def _fresh(self, count: StockCount) -> Response:
        fresh = self.get_queryset().filter(pk=count.pk).first() or count
        return Response(StockCountSerializer(fresh).data)

    @extend_schema(request=CountStartSerializer, responses={201: StockCountSerializer})
    def create(self, request, *args, **kwargs):
        """PRT-8: start a count; each line takes the on hand now as what the books say."""
        data = CountStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = stock.start_count(
            actor=request.user,
            warehouse=data.validated_data["warehouse"],
            parts=data.validated_data.get("parts"),
        )
        response = self._fresh(count)
        response.status_code = 201
        return response

    @extend_schema(request=CountLineInputSerializer, responses={200: StockCountLineSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def record_line(self, request, pk=None):
        """PRT-8: what was found of a part (a part not listed joins the count)."""
        count = self.get_object()
        data = CountLineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = stock.record_counted(actor=request.user, count=count, **data.validated_data)
        return Response(StockCountLineSerializer(line).data)

    @extend_schema(request=None, responses={200: StockCountSerializer})
    @action(detail=True, methods=["post"], url_path="submit")
    def submit(self, request, pk=None):
        """PRT-8: hand the count over for approval (every line counted)."""
        count = stock.submit_count(actor=request.user, count=self.get_object())
        return self._fresh(count)

    @extend_schema(request=CountDecisionSerializer, responses={200: StockCountSerializer})
    @action(detail=True, methods=["post"], url_path="decide")
    def decide(self, request, pk=None):
        """PRT-8, SEC-5: approve (each variance posted as a count adjustment) or reject."""
        count = self.get_object()
        data = CountDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = stock.decide_count(actor=request.user, count=count, **data.validated_data)
        return self._fresh(decided)


def register(router) -> None:
    router.register("stock-levels", StockLevelViewSet, basename="stock-level")
    router.register("stock-moves", StockMoveViewSet, basename="stock-move")
    router.register("stock-counts", StockCountViewSet, basename="stock-count")
