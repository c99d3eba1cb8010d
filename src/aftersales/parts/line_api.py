"""API of the parts lines of service orders (PRT-1, PRT-2, PRT-3, FIN-2, SEC-5): the lines in
reach with their request and steps, the slips with the issue, and the receivables of parts
issued unpaid.

Serializers check the shape of the input (types, whole numbers above zero → 400 with field
errors); the services of ``parts.services`` check every rule and right (a broken rule →
400, a missing right → 403 that says why). Reads start from the orders in reach (ORG-3).
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.parts import services
from aftersales.parts.models import (
    LineStatus,
    Part,
    PartLine,
    Payment,
    Receivable,
    Slip,
    Warehouse,
    WarehouseKind,
)
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_LINES = "parts.view_partline"
REQUEST_LINES = "parts.add_partline"
SIGN_LINES = "parts.sign_partline"
ISSUE_LINES = "parts.issue_partline"


def _orders_in_reach(user):
    return ServiceOrder.objects.visible_to(user).values("pk")


class NeedsOneOf(permissions.BasePermission):
    """The view's ``needed[action]`` names the rights of each action (any one suffices); a
    denial names the first. The services check again, with the rules."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed = view.needed.get(getattr(view, "action", None) or "", view.needed["*"])
        if not needed or any(user.has_perm(p) for p in needed):
            return True
        raise exceptions.PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": needed[0]}
        )


# --- parts lines -------------------------------------------------------------------------


class PartLineSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    part_code = serializers.CharField(source="part.code", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    slip_number = serializers.CharField(source="slip.number", read_only=True, allow_null=True)
    charged = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text=gettext_lazy(
            "What the customer owes for the line now: a reversed deposit owes nothing (PRT-1 d)."
        ),
    )
    is_deposit = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("The amount is a deposit until the old part is received."),
    )

    class Meta:
        model = PartLine
        fields = [
            "id",
            "order",
            "order_number",
            "part",
            "part_code",
            "part_name",
            "quantity",
            "status",
            "user_caused",
            "evidence",
            "waiver_requested",
            "charge_rule",
            "unit_price",
            "amount",
            "charged",
            "is_deposit",
            "old_part_required",
            "requested_by",
            "signed_by",
            "signed_at",
            "sign_comment",
            "waiver_approved",
            "payment",
            "slip",
            "slip_number",
            "serial_numbers",
            "old_part_due_at",
            "old_part_received_at",
            "old_part_received_by",
            "deposit_reversed_at",
            "deposit_credit",
            "credit_approved_by",
            "credit_approved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PartLineCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOrder.objects.all(), help_text=gettext_lazy("The service order.")
    )
    part = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(), help_text=gettext_lazy("The part of the catalogue.")
    )
    quantity = serializers.IntegerField(min_value=1, max_value=9999)
    user_caused = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("Damage caused by the user (PRT-1 a): needs the evidence."),
    )
    evidence = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    waiver_requested = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Ask finance that the old part need not come back (PRT-1 c, a large part whose "
            "recovery costs too much or is worth nothing)."
        ),
    )
    issue_before_payment = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "The order's technician agrees that a charged part goes out before the customer "
            "pays; the receivable is theirs (PRT-1 f, FEE-4)."
        ),
    )


class PartLineSignSerializer(serializers.Serializer):
    approve = serializers.BooleanField(
        help_text=gettext_lazy("true: approve and sign; false: refuse (needs a comment).")
    )
    payment = serializers.ChoiceField(
        choices=Payment.choices,
        required=False,
        help_text=gettext_lazy(
            "For a charged line: paid (PRT-1 e) or unpaid — issued on the technician's word, "
            "who then owns the receivable (PRT-1 f, FIN-2)."
        ),
    )
    waiver_approved = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "For a waiver asked (PRT-1 c): approved, or not — the line then becomes a deposit."
        ),
    )
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PartLineReturnSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.filter(
            kind__in=[WarehouseKind.CENTRAL, WarehouseKind.BRANCH], is_active=True
        ),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Where the part goes back to (default: the slip's warehouse)."),
    )


class OldPartSerializer(serializers.Serializer):
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        help_text=gettext_lazy("A valuable part's old serial numbers, one per piece (PRT-2)."),
    )


class PartLineFilter(django_filters.FilterSet):
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    part = django_filters.NumberFilter(field_name="part_id", label="part")
    status = django_filters.MultipleChoiceFilter(choices=LineStatus.choices, label="status")

    class Meta:
        model = PartLine
        fields = ["order", "part", "status"]


class PartLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Parts lines of the orders in reach. Every change goes through its action: request
    (create), finance's sign-off, use, return unused, and the old part's receipt."""

    serializer_class = PartLineSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": [VIEW_LINES],
        "create": [REQUEST_LINES],
        "sign": [SIGN_LINES],
        "use": [],  # the order's technician or dispatch: the service decides
        "agree_unpaid": [REQUEST_LINES],
        "return_unused": [ISSUE_LINES],
        "receive_old_part": [ISSUE_LINES],
    }
    filterset_class = PartLineFilter
    search_fields = ["part__code", "part__name", "order__number"]
    ordering_fields = ["created_at", "signed_at", "old_part_due_at"]
    queryset = PartLine.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            PartLine.objects.filter(order__in=_orders_in_reach(self.request.user))
            .select_related("order", "part", "slip")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        """A line outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        line = PartLine.objects.select_related("order", "part", "slip").filter(
            pk=int(pk) if pk.isdigit() else 0
        )
        found = line.first()
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        return found

    def _answer(self, line, status=200):
        line = PartLine.objects.select_related("order", "part", "slip").get(pk=line.pk)
        return Response(PartLineSerializer(line).data, status=status)

    @extend_schema(request=PartLineCreateSerializer, responses={201: PartLineSerializer})
    def create(self, request, *args, **kwargs):
        """PRT-1: the technician requests a part on the order; the charge rule, unit price
        and amount are computed from the price in force on the order's received day."""
        data = PartLineCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = services.request_part(actor=request.user, **data.validated_data)
        return self._answer(line, status=201)

    @extend_schema(request=PartLineSignSerializer, responses={200: PartLineSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """PRT-1, SEC-5: finance approves (paid / unpaid; a waiver approved or not) or
        refuses with a comment; who and when are recorded."""
        line = self.get_object()
        data = PartLineSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.sign_line(
                actor=request.user,
                line=line,
                approve=data.validated_data["approve"],
                payment=data.validated_data.get("payment", ""),
                waiver_approved=data.validated_data["waiver_approved"],
                comment=data.validated_data["comment"],
            )
        )

    @extend_schema(request=None, responses={200: PartLineSerializer})
    @action(detail=True, methods=["post"], url_path="agree-unpaid")
    def agree_unpaid(self, request, pk=None):
        """PRT-1 f, FEE-4: the order's technician agrees that the charged part goes out
        before the customer pays; the receivable is then theirs. Finance can sign the line
        "unpaid" only after this."""
        line = self.get_object()
        return self._answer(services.agree_to_issue_unpaid(actor=request.user, line=line))

    @extend_schema(request=None, responses={200: PartLineSerializer})
    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        """The technician fitted the issued part on the order."""
        line = self.get_object()
        return self._answer(services.use_line(actor=request.user, line=line))

    @extend_schema(request=PartLineReturnSerializer, responses={200: PartLineSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_unused(self, request, pk=None):
        """PRT-3: an issued part not used goes back to the warehouse; its receivable is
        cancelled."""
        line = self.get_object()
        data = PartLineReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.return_unused(
                actor=request.user, line=line, warehouse=data.validated_data["warehouse"]
            )
        )

    @extend_schema(request=OldPartSerializer, responses={200: PartLineSerializer})
    @action(detail=True, methods=["post"], url_path="receive-old-part")
    def receive_old_part(self, request, pk=None):
        """PRT-3, PRT-1 d: the keeper signs for the old part; a deposit is reversed at once
        and the slip marked when all its old parts are in."""
        line = self.get_object()
        data = OldPartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.receive_old_part(
                actor=request.user, line=line, serials=data.validated_data["serial_numbers"]
            )
        )


# --- slips -------------------------------------------------------------------------------


class SlipSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    lines = PartLineSerializer(many=True, read_only=True)

    class Meta:
        model = Slip
        fields = [
            "id",
            "number",
            "kind",
            "order",
            "order_number",
            "warehouse",
            "issued_to",
            "issued_by",
            "issued_at",
            "old_part_received_at",
            "lines",
        ]
        read_only_fields = fields


class SlipIssueSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    lines = serializers.PrimaryKeyRelatedField(
        queryset=PartLine.objects.all(),
        many=True,
        allow_empty=False,
        help_text=gettext_lazy("The signed lines of the order to issue on this slip."),
    )
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    serials = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=60)),
        required=False,
        default=dict,
        help_text=gettext_lazy(
            "Line id → the serial numbers of a valuable part, one per piece (PRT-2)."
        ),
    )
    loan = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Issue on a loan slip (出借单) instead.")
    )

    def validate(self, attrs):
        order, lines = attrs["order"], attrs["lines"]
        foreign = [line.pk for line in lines if line.order_id != order.pk]
        if foreign:
            raise serializers.ValidationError(
                {"lines": _("Every line on a slip must belong to the order.")}
            )
        chosen = {line.pk for line in lines}
        serials = {}
        for key, values in attrs.get("serials", {}).items():
            if not str(key).isdigit() or int(key) not in chosen:
                raise serializers.ValidationError(
                    {"serials": _("Serial numbers are given by the id of a chosen line.")}
                )
            serials[int(key)] = values
        attrs["serials"] = serials
        return attrs


class SlipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """PRT-2: after-sales outbound and loan slips of the orders in reach, with their lines;
    ``issue`` makes one."""

    serializer_class = SlipSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": ["parts.view_slip", VIEW_LINES], "issue": [ISSUE_LINES]}
    filterset_fields = ["order", "kind", "warehouse"]
    search_fields = ["number", "order__number"]
    ordering_fields = ["issued_at", "number"]
    queryset = Slip.objects.none()  # for the schema; get_queryset is reach-limited

    def _slips(self):
        return Slip.objects.select_related("order").prefetch_related(
            Prefetch(
                "lines",
                queryset=PartLine.objects.select_related("order", "part", "slip").order_by("pk"),
            )
        )

    def get_queryset(self):
        return (
            self._slips()
            .filter(order__in=_orders_in_reach(self.request.user))
            .order_by("-issued_at", "-pk")
        )

    def get_object(self):
        pk = str(self.kwargs["pk"])
        slip = self._slips().filter(pk=int(pk) if pk.isdigit() else 0).first()
        if slip is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, slip.order_id)
        return slip

    @extend_schema(request=SlipIssueSerializer, responses={201: SlipSerializer})
    @action(detail=False, methods=["post"])
    def issue(self, request):
        """PRT-2: the keeper issues signed lines of one order on one slip, from a warehouse,
        valuable parts by serial; unpaid charged lines become the technician's receivables."""
        data = SlipIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slip = services.issue_lines(actor=request.user, **data.validated_data)
        return Response(SlipSerializer(self._slips().get(pk=slip.pk)).data, status=201)


# --- receivables -------------------------------------------------------------------------


class ReceivableSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Receivable
        fields = [
            "id",
            "order",
            "order_number",
            "line",
            "owner",
            "amount",
            "arose_at",
            "settled_at",
            "settlement",
        ]
        read_only_fields = fields


class ReceivableFilter(django_filters.FilterSet):
    owner = django_filters.NumberFilter(field_name="owner_id", label="owner")
    open = django_filters.BooleanFilter(field_name="settled_at", lookup_expr="isnull", label="open")

    class Meta:
        model = Receivable
        fields = ["owner", "open"]


class ReceivableViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """FIN-2, PRT-1 f: receivables of parts issued unpaid. Finance reads them all in reach;
    a technician only their own."""

    serializer_class = ReceivableSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": ["parts.view_receivable", REQUEST_LINES]}
    filterset_class = ReceivableFilter
    ordering_fields = ["arose_at", "amount"]
    queryset = Receivable.objects.none()  # for the schema

    def get_queryset(self):
        user = self.request.user
        found = Receivable.objects.select_related("order")
        if user.has_perm("parts.view_receivable"):
            found = found.filter(order__in=_orders_in_reach(user))
        else:
            found = found.filter(owner=user)
        return found.order_by("arose_at", "pk")


def register(router) -> None:
    router.register("part-lines", PartLineViewSet, basename="part-line")
    router.register("slips", SlipViewSet, basename="slip")
    router.register("receivables", ReceivableViewSet, basename="receivable")
