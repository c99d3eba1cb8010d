"""API of web repair requests (REQ-1, REQ-4): the intake queue for staff, and the public
endpoint that takes a request like the web form does (rate limit, honeypot)."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts.models import OrgUnit
from aftersales.core.ratelimit import client_ip
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service import services
from aftersales.service.api import ServiceOrderSerializer
from aftersales.service.models import OrderType, WebRequest, WebRequestStatus
from aftersales.service.public import SUBMIT_LIMIT, decoy_number
from aftersales.service.request_views import PERMISSION, overdue_cutoff


class TakesWebRequests(permissions.BasePermission):
    """Intake staff only (``service.add_serviceorder``); a denial names the right."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.has_perm(PERMISSION):
            raise exceptions.PermissionDenied(
                _("Your roles do not include the right “%(perm)s”.") % {"perm": PERMISSION}
            )
        return True


class WebRequestSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField(
        help_text=gettext_lazy("REQ-4: new and waiting longer than half a working day.")
    )

    class Meta:
        model = WebRequest
        fields = [
            "id",
            "number",
            "status",
            "name",
            "phone",
            "address",
            "serial_number",
            "product_text",
            "order_type",
            "description",
            "via_qr",
            "client_ip",
            "order",
            "handled_by",
            "handled_at",
            "reject_reason",
            "created_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        """REQ-4, in working hours as on the page; the cutoff is computed once per response
        (the list's rows share the serializer context)."""
        if "overdue_cutoff" not in self.context:
            self.context["overdue_cutoff"] = overdue_cutoff(timezone.now())
        return (
            obj.status == WebRequestStatus.NEW and obj.created_at < self.context["overdue_cutoff"]
        )


class AcceptSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy(
            "REQ-9: file the order even though open orders exist for the same unit or phone."
        ),
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WebRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Web repair requests (官网报修单): the intake queue, oldest first (REQ-4)."""

    serializer_class = WebRequestSerializer
    permission_classes = [TakesWebRequests]
    filterset_fields = ["status", "order_type", "via_qr"]
    search_fields = ["number", "name", "phone", "serial_number"]
    ordering_fields = ["created_at", "number"]
    queryset = WebRequest.objects.select_related("order", "handled_by").order_by("created_at", "pk")

    @extend_schema(request=AcceptSerializer, responses={201: ServiceOrderSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept as a service order for a customer on file (received when it was sent)."""
        web_request = self.get_object()
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.accept_web_request(
            actor=request.user, request_obj=web_request, **data.validated_data
        )
        return Response(ServiceOrderSerializer(order, context={"request": request}).data, 201)

    @extend_schema(request=RejectSerializer, responses={200: WebRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with the reason."""
        web_request = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rejected = services.reject_web_request(
            actor=request.user, request_obj=web_request, reason=data.validated_data["reason"]
        )
        return Response(WebRequestSerializer(rejected).data)


# --- public --------------------------------------------------------------------------------


class PublicRepairRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    product_text = serializers.CharField(max_length=100, required=False, allow_blank=True)
    serial_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    order_type = serializers.ChoiceField(choices=OrderType.choices, default=OrderType.REPAIR)
    description = serializers.CharField(max_length=2000)
    via_qr = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("True when the form was opened from the product's QR code."),
    )
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=gettext_lazy("Leave empty: a trap for robots."),
    )


class PublicRepairResultSerializer(serializers.Serializer):
    number = serializers.CharField(
        help_text=gettext_lazy("The request number; with the phone it opens the status page.")
    )


class PublicRepairRequestView(APIView):
    """REQ-1: the public sends a repair request (no login; rate-limited per address)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="public_repair_requests_create",
        request=PublicRepairRequestSerializer,
        responses={
            201: PublicRepairResultSerializer,
            400: OpenApiResponse(description="Field errors."),
            413: OpenApiResponse(description="The request body is too large."),
            429: OpenApiResponse(description="Too many requests from this address."),
        },
        auth=[],
    )
    def post(self, request):
        ip = client_ip(request)
        if SUBMIT_LIMIT.exceeded(ip):
            raise exceptions.Throttled(
                wait=SUBMIT_LIMIT.retry_after(),
                detail=_("Too many requests from your network. Please try again later."),
            )
        data = PublicRepairRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.pop("website", ""):
            # A robot: the usual answer, nothing stored.
            SUBMIT_LIMIT.hit(ip)
            return Response({"number": decoy_number()}, status=201)
        web_request = services.submit_web_request(**values, client_ip=ip or None)
        SUBMIT_LIMIT.hit(ip)
        return Response({"number": web_request.number}, status=201)


def register(router) -> None:
    router.register("web-requests", WebRequestViewSet, basename="webrequest")


urlpatterns = [
    path(
        "public/repair-requests/",
        PublicRepairRequestView.as_view(),
        name="public-repair-requests",
    ),
]
