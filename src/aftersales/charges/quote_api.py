"""API of the charge sheet, labour lines and quotations (FEE-1, FEE-2).

Serializers check the shape of the input (types, lengths → 400 with field errors); the
services of ``charges.quotes`` check every rule and right (a broken rule → 400, a missing
right → 403 that says why). Reads start from the orders in reach (ORG-3).
"""

import json
from decimal import Decimal

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.audit.services import record_access
from aftersales.charges import quotes
from aftersales.charges.models import AcceptanceMethod, LabourLine, Quotation, QuotationStatus
from aftersales.charges.sheet import charge_sheet
from aftersales.core.dataurl import decode_image_text
from aftersales.core.images import MAX_IMAGE_BYTES
from aftersales.parts.line_api import NeedsOneOf
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_LABOUR = "charges.view_labourline"
ADD_LABOUR = quotes.ADD_LABOUR
VIEW_QUOTATIONS = quotes.VIEW_QUOTATIONS
ADD_QUOTATIONS = quotes.ADD_QUOTATIONS


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; an error is still JSON text."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, default=str).encode()


def _orders_in_reach(user):
    return ServiceOrder.objects.visible_to(user).values("pk")


# --- the charge sheet --------------------------------------------------------------------


class SheetLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["part", "labour"])
    id = serializers.IntegerField(help_text=gettext_lazy("The parts line's or labour line's id."))
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    rule = serializers.CharField(help_text=gettext_lazy("A parts line's PRT-1 charge rule."))
    rule_label = serializers.CharField()


class ChargeSheetSerializer(serializers.Serializer):
    order = serializers.IntegerField(source="order.pk")
    service_kind = serializers.CharField()
    parts = SheetLineSerializer(many=True)
    labour = SheetLineSerializer(many=True)
    deposits = SheetLineSerializer(
        many=True,
        help_text=gettext_lazy(
            "PRT-1 d deposits the technician owes until the old part is back: not the "
            "customer's, not in the total."
        ),
    )
    parts_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    labour_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    deposits_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    outstanding = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("Negative when the customer paid more (a refund is due)."),
    )
    fingerprint = serializers.CharField()
    quotation_state = serializers.CharField(
        help_text=gettext_lazy(
            "FEE-2: none, pending, expired, accepted, out_of_date, declined or not_needed."
        )
    )
    quotation = serializers.IntegerField(allow_null=True)
    completion_blocked = serializers.CharField(
        help_text=gettext_lazy("Why the work cannot be completed yet (FEE-2), or empty.")
    )


class ChargeSheetView(APIView):
    """FEE-1, FEE-2: the order's charge sheet as it stands now, with the quotation's state."""

    permission_classes = [NeedsOneOf]
    needed = {"*": [VIEW_QUOTATIONS, VIEW_LABOUR]}

    @extend_schema(operation_id="orders_charge_sheet", responses={200: ChargeSheetSerializer})
    def get(self, request, pk: int):
        order = get_object_or_404(ServiceOrder, pk=pk)
        require_order_reach(request.user, order.pk)
        sheet = charge_sheet(order)
        found = quotes.quotation_state(order, sheet)
        sheet.quotation_state = found["state"]
        sheet.quotation = found["quotation"].pk if found["quotation"] else None
        sheet.completion_blocked = quotes.refusal(found)
        return Response(ChargeSheetSerializer(sheet).data)


# --- labour lines ------------------------------------------------------------------------


class LabourLineSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    rate_code = serializers.CharField(source="rate.code", read_only=True)
    rate_name = serializers.CharField(source="rate.name", read_only=True)

    class Meta:
        model = LabourLine
        fields = [
            "id",
            "order",
            "order_number",
            "rate",
            "rate_code",
            "rate_name",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "cancelled_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class LabourCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    rate_code = serializers.CharField(
        max_length=30,
        help_text=gettext_lazy(
            "The labour-rate code; the rate in force on the order's received day is used."
        ),
    )
    quantity = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=gettext_lazy("Hours or items, at most two decimal places."),
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class LabourCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class LabourFilter(django_filters.FilterSet):
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    cancelled = django_filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", exclude=True, label="cancelled"
    )

    class Meta:
        model = LabourLine
        fields = ["order", "cancelled"]


class LabourLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """FEE-1, FEE-2: labour lines of the orders in reach; ``cancel`` with a reason."""

    serializer_class = LabourLineSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [VIEW_LABOUR], "create": [ADD_LABOUR], "cancel": [ADD_LABOUR]}
    filterset_class = LabourFilter
    ordering_fields = ["created_at"]
    queryset = LabourLine.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            LabourLine.objects.filter(order__in=_orders_in_reach(self.request.user))
            .select_related("order", "rate")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        """A line outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            LabourLine.objects.select_related("order__technician", "rate")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        return found

    def _answer(self, line, status=200):
        line = LabourLine.objects.select_related("order", "rate").get(pk=line.pk)
        return Response(LabourLineSerializer(line).data, status=status)

    @extend_schema(request=LabourCreateSerializer, responses={201: LabourLineSerializer})
    def create(self, request, *args, **kwargs):
        """FEE-1, FEE-2: labour on the order: the rate × quantity for paid and other
        service, nothing for free and contract service."""
        data = LabourCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = quotes.add_labour(actor=request.user, **data.validated_data)
        return self._answer(line, status=201)

    @extend_schema(request=LabourCancelSerializer, responses={200: LabourLineSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A labour line entered by mistake is cancelled with the reason (audited)."""
        line = self.get_object()
        data = LabourCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            quotes.cancel_labour(
                actor=request.user, line=line, reason=data.validated_data["reason"]
            )
        )


# --- quotations --------------------------------------------------------------------------


class QuotationSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    has_signature = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()
    # Declared: a read-only model field loses allow_blank, and the schema's enum then lacks
    # the "" of a quotation not accepted yet.
    acceptance_method = serializers.ChoiceField(
        label=Quotation._meta.get_field("acceptance_method").verbose_name,
        choices=AcceptanceMethod.choices,
        allow_blank=True,
        read_only=True,
    )

    class Meta:
        model = Quotation
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "status",
            "service_kind",
            "items",
            "parts_total",
            "labour_total",
            "total",
            "fingerprint",
            "valid_until",
            "expired",
            "note",
            "accepted_at",
            "acceptance_method",
            "signer_name",
            "has_signature",
            "consent_phone",
            "consent_note",
            "recorded_by",
            "declined_reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_signature(self, quotation) -> bool:
        return bool(quotation.signature)

    def get_expired(self, quotation) -> bool:
        return quotes.is_expired(quotation)


class QuotationCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.STR)
class ImageInputField(serializers.Field):
    """An image sent as a data URL or base64 text, or as a file in a multipart upload."""

    def to_internal_value(self, data):
        if hasattr(data, "read"):
            # One byte over the service's limit is enough for it to refuse the file.
            return data.read(MAX_IMAGE_BYTES + 1)
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Send the image as a data URL or base64."))
        try:
            return decode_image_text(data)
        except ValueError as exc:
            raise serializers.ValidationError(_("Send the image as a data URL or base64.")) from exc

    def to_representation(self, value):
        return None


@extend_schema_field(OpenApiTypes.STR)
class MethodField(serializers.ChoiceField):
    """A choice described as text: the choice set already has its name in the schema
    (AcceptanceMethodEnum, the read side), and another app's "method" field is money's."""


class QuotationAcceptSerializer(serializers.Serializer):
    method = MethodField(
        choices=AcceptanceMethod.choices,
        help_text=gettext_lazy("signature (drawn by the customer) or phone (recorded consent)."),
    )
    signer_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Who signed, or who agreed on the phone."),
    )
    signature = ImageInputField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "For method=signature: the drawn signature, a PNG or JPEG as a data URL, base64, "
            "or a file (multipart)."
        ),
    )
    consent_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    consent_note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("For method=phone: what the customer said when agreeing."),
    )


class QuotationDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text=gettext_lazy("Why the customer does not accept it.")
    )


class QuotationFilter(django_filters.FilterSet):
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    status = django_filters.MultipleChoiceFilter(choices=QuotationStatus.choices, label="status")

    class Meta:
        model = Quotation
        fields = ["order", "status"]


class QuotationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """FEE-2: quotations of the orders in reach: made from the order's charge sheet
    (create), accepted by signature or phone, declined, printed."""

    serializer_class = QuotationSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": [VIEW_QUOTATIONS],
        "create": [ADD_QUOTATIONS],
        "accept": [ADD_QUOTATIONS],
        "decline": [ADD_QUOTATIONS],
    }
    filterset_class = QuotationFilter
    search_fields = ["number", "order__number"]
    ordering_fields = ["created_at", "total"]
    queryset = Quotation.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            Quotation.objects.filter(order__in=_orders_in_reach(self.request.user))
            .select_related("order")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        pk = str(self.kwargs["pk"])
        found = (
            Quotation.objects.select_related(
                "order__customer", "order__technician", "order__org_unit", "recorded_by"
            )
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        return found

    def _answer(self, quotation, status=200):
        quotation = Quotation.objects.select_related("order").get(pk=quotation.pk)
        return Response(QuotationSerializer(quotation).data, status=status)

    @extend_schema(request=QuotationCreateSerializer, responses={201: QuotationSerializer})
    def create(self, request, *args, **kwargs):
        """FEE-2: freeze the order's charge sheet as a quotation (earlier ones superseded)."""
        data = QuotationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            quotes.make_quotation(actor=request.user, **data.validated_data), status=201
        )

    @extend_schema(request=QuotationAcceptSerializer, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """FEE-2: the customer accepts a pending, unexpired, current quotation — signature
        (drawn image and signer's name) or phone (number, who agreed, what they said; you
        are recorded as the person who took the call)."""
        quotation = self.get_object()
        data = QuotationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            quotes.accept_quotation(actor=request.user, quotation=quotation, **data.validated_data)
        )

    @extend_schema(request=QuotationDeclineSerializer, responses={200: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """FEE-2: the customer does not accept the quotation."""
        quotation = self.get_object()
        data = QuotationDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            quotes.decline_quotation(
                actor=request.user, quotation=quotation, reason=data.validated_data["reason"]
            )
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, PDFRenderer],
    )
    def pdf(self, request, pk=None):
        """FEE-2: the quotation as an A4 PDF (售后服务报价单)."""
        quotation = self.get_object()
        record_access(request, "print", quotation)
        response = HttpResponse(quotes.render_quotation(quotation), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{quotation.number}.pdf"'
        return response


def register(router) -> None:
    router.register("labour-lines", LabourLineViewSet, basename="labour-line")
    router.register("quotations", QuotationViewSet, basename="quotation")


urlpatterns = [
    path("orders/<int:pk>/charge-sheet/", ChargeSheetView.as_view(), name="order-charge-sheet"),
]
