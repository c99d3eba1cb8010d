"""API of the exchange forms and the exchange ledger (EXC-1…EXC-5, SEC-5).

Serializers check the shape of the input; ``exchanges.services`` checks every rule and
right (a broken rule → 400 with field errors, a missing right → 403 that says why). Reads
start from the forms in reach (ORG-3). Choice fields are described as text with their
values listed (the choice sets' names are other apps' too).
"""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.permissions import ReachDeniedMixin
from aftersales.audit.services import record_access
from aftersales.charges.quote_api import PDFRenderer
from aftersales.customers.models import Customer
from aftersales.exchanges import services, workflow
from aftersales.exchanges.models import (
    ExchangeApproval,
    ExchangeRequest,
    Inspection,
    LedgerEntry,
    Refund,
    RefundMethod,
    RequestKind,
    RequestStatus,
)
from aftersales.parts.line_api import NeedsOneOf
from aftersales.parts.models import Warehouse
from aftersales.products.models import Unit
from aftersales.service.models import FaultType, ServiceOrder


def _values(choices) -> str:
    return ", ".join(value for value, _label in choices)


@extend_schema_field(OpenApiTypes.STR)
class TextChoiceField(serializers.ChoiceField):
    """A choice described as text in the schema (see the module's note)."""


class ExchangeApprovalSerializer(serializers.ModelSerializer):
    step = serializers.CharField(
        read_only=True, help_text=gettext_lazy("submit, regional_head, office, general_manager")
    )
    decision = serializers.CharField(
        read_only=True, help_text=gettext_lazy("submitted, approved, rejected, returned")
    )
    by_name = serializers.CharField(source="by.__str__", read_only=True)

    class Meta:
        model = ExchangeApproval
        fields = ["id", "step", "decision", "comment", "by", "by_name", "at", "round"]
        read_only_fields = fields


class ExchangeRefundSerializer(serializers.ModelSerializer):
    method = serializers.CharField(read_only=True, help_text=_values(RefundMethod.choices))

    class Meta:
        model = Refund
        fields = ["id", "amount", "method", "reference", "paid_at", "created_by"]
        read_only_fields = fields


class ExchangeRequestSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_values(RequestKind.choices))
    status = serializers.CharField(read_only=True, help_text=_values(RequestStatus.choices))
    inspection = serializers.CharField(
        read_only=True, help_text=_values(Inspection.choices) + gettext_lazy(" or empty")
    )
    unit_serial = serializers.CharField(source="unit.serial_number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    approvals = ExchangeApprovalSerializer(many=True, read_only=True)
    refunds = ExchangeRefundSerializer(many=True, read_only=True)
    refunded = serializers.SerializerMethodField()
    entitlement_warning = serializers.SerializerMethodField()

    class Meta:
        model = ExchangeRequest
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "org_unit",
            "customer",
            "customer_name",
            "unit",
            "unit_serial",
            "order",
            "fault_type",
            "reason",
            "entitlement",
            "entitlement_warning",
            "purchase_date",
            "purchase_price",
            "purchase_proof",
            "submitted_at",
            "decided_at",
            "received_at",
            "received_by",
            "warehouse",
            "inspection",
            "inspection_note",
            "replacement_unit",
            "substitute_agreed",
            "done_at",
            "cancel_reason",
            "approvals",
            "refunds",
            "refunded",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_refunded(self, exchange) -> str:
        return str(services.refunded(exchange))

    def get_entitlement_warning(self, exchange) -> str:
        return services.entitlement_warning(exchange.kind, exchange.entitlement)


class ExchangeWriteSerializer(serializers.Serializer):
    """EXC-1: the form's fields (a draft, or a returned form being completed)."""

    kind = TextChoiceField(choices=RequestKind.choices, help_text=_values(RequestKind.choices))
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    order = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOrder.objects.all(), required=False, allow_null=True, default=None
    )
    fault_type = serializers.PrimaryKeyRelatedField(
        queryset=FaultType.objects.all(), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(
        max_length=services.MAX_REASON,
        help_text=gettext_lazy("The detailed reason (at least 15 characters)."),
    )
    purchase_date = serializers.DateField(required=False, allow_null=True, default=None)
    purchase_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    purchase_proof = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class ExchangeCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=services.MAX_COMMENT, required=False, allow_blank=True, default=""
    )


class ExchangeReviewSerializer(ExchangeCommentSerializer):
    step = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "Optional: the step you sign (regional_head, office, general_manager); refused "
            "when the form is at another one."
        ),
    )


class ExchangeReceiveSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    inspection = TextChoiceField(choices=Inspection.choices, help_text=_values(Inspection.choices))
    inspection_note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class ExchangeLedgerWriteSerializer(serializers.Serializer):
    replacement_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    substitute_agreed = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("EXC-3: the customer's agreement to a different model."),
    )
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ExchangeRefundWriteSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    method = TextChoiceField(choices=RefundMethod.choices, help_text=_values(RefundMethod.choices))
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ExchangeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ExchangeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000)


class ExchangeLedgerEntrySerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="request.number", read_only=True)
    customer_name = serializers.CharField(source="request.customer.name", read_only=True)
    handler_name = serializers.CharField(source="handler.__str__", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "request",
            "number",
            "customer_name",
            "entry_date",
            "returned_serial",
            "replacement_serial",
            "summary",
            "handler",
            "handler_name",
            "signed_at",
        ]
        read_only_fields = fields


class ExchangeRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """EXC-1…EXC-4, SEC-5: exchange, transfer and return forms in reach; drafts created and
    changed, then submitted and signed in order (regional head, office, general manager),
    the goods received, the ledger row written or the refund recorded."""

    serializer_class = ExchangeRequestSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": [workflow.VIEW],
        "create": [workflow.ADD],
        "update": [workflow.CHANGE],
        "partial_update": [workflow.CHANGE],
        "submit": [workflow.ADD],
        "cancel": [workflow.CHANGE],
        "approve": workflow.REVIEW_PERMS,
        "reject": workflow.REVIEW_PERMS,
        "return_": workflow.REVIEW_PERMS,
        "receive": [workflow.RECEIVE],
        "ledger": [workflow.LEDGER],
        "refund": [workflow.REFUND],
        "finish": [workflow.REFUND, workflow.LEDGER],
    }
    filterset_fields = ["kind", "status", "unit", "customer"]
    search_fields = ["number", "unit__serial_number", "customer__name"]
    ordering_fields = ["created_at", "submitted_at"]
    queryset = ExchangeRequest.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        found = services.visible_requests(self.request.user)
        if self.request.query_params.get("waiting") in ("1", "true"):
            found = found.filter(workflow.waiting_for(self.request.user))
        return (
            found.select_related("customer", "unit")
            .prefetch_related("approvals__by", "refunds")
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        """A form outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            ExchangeRequest.objects.select_related("customer", "unit", "org_unit__region")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        services.require_request_reach(self.request.user, found)
        return found

    def _answer(self, exchange, status=200):
        exchange = self.get_queryset().model.objects.get(pk=exchange.pk)
        return Response(ExchangeRequestSerializer(exchange).data, status=status)

    @extend_schema(request=ExchangeWriteSerializer, responses={201: ExchangeRequestSerializer})
    def create(self, request, *args, **kwargs):
        """EXC-1: a new draft, filled for your organisation unit."""
        data = ExchangeWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.create_request(actor=request.user, **data.validated_data), status=201
        )

    @extend_schema(request=ExchangeWriteSerializer, responses={200: ExchangeRequestSerializer})
    def update(self, request, *args, **kwargs):
        """The filler changes a draft or a returned form (PATCH: the fields sent)."""
        exchange = self.get_object()
        current = {
            "kind": exchange.kind,
            "customer": exchange.customer_id,
            "unit": exchange.unit_id,
            "order": exchange.order_id,
            "fault_type": exchange.fault_type_id,
            "reason": exchange.reason,
            "purchase_date": exchange.purchase_date,
            "purchase_price": exchange.purchase_price,
            "purchase_proof": exchange.purchase_proof,
        }
        if kwargs.get("partial"):
            if not isinstance(request.data, dict):
                raise serializers.ValidationError(
                    {"non_field_errors": [gettext_lazy("Send the fields to change as an object.")]}
                )
            incoming = {**current, **{k: v for k, v in request.data.items() if k in current}}
        else:
            incoming = request.data
        data = ExchangeWriteSerializer(data=incoming)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.update_request(actor=request.user, request=exchange, **data.validated_data)
        )

    @extend_schema(request=ExchangeCommentSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """EXC-1, EXC-5: submit to the regional head; the 三包 entitlement is kept."""
        exchange = self.get_object()
        data = ExchangeCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.submit_request(actor=request.user, request=exchange, **data.validated_data)
        )

    def _review(self, request, call):
        exchange = self.get_object()
        services.require_signer(request.user, exchange)
        data = ExchangeReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(call(actor=request.user, request=exchange, **data.validated_data))

    @extend_schema(request=ExchangeReviewSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """SEC-5: sign the step the form waits for (the office's comment is required)."""
        return self._review(request, services.approve_request)

    @extend_schema(request=ExchangeReviewSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """SEC-5: refuse the form for good, with the reason."""
        return self._review(request, services.reject_request)

    @extend_schema(request=ExchangeReviewSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """SEC-5: send the form back to the filler for more information."""
        return self._review(request, services.return_request)

    @extend_schema(request=ExchangeReceiveSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """EXC-1: the goods came to the warehouse with the form; the inspection result."""
        exchange = self.get_object()
        data = ExchangeReceiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.receive_goods(actor=request.user, request=exchange, **data.validated_data)
        )

    @extend_schema(
        request=ExchangeLedgerWriteSerializer, responses={200: ExchangeRequestSerializer}
    )
    @action(detail=True, methods=["post"])
    def ledger(self, request, pk=None):
        """EXC-1, EXC-3: the replacement and the ledger row signed by you."""
        exchange = self.get_object()
        data = ExchangeLedgerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.write_ledger(actor=request.user, request=exchange, **data.validated_data)
        return self._answer(exchange)

    @extend_schema(
        request=ExchangeRefundWriteSerializer, responses={200: ExchangeRequestSerializer}
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """EXC-2, EXC-4: a refund after the goods were received, within the price paid."""
        exchange = self.get_object()
        data = ExchangeRefundWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_refund(actor=request.user, request=exchange, **data.validated_data)
        return self._answer(exchange)

    @extend_schema(request=ExchangeNoteSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        """Close a received form with nothing more to do, with a note."""
        exchange = self.get_object()
        data = ExchangeNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.finish_request(actor=request.user, request=exchange, **data.validated_data)
        )

    @extend_schema(request=ExchangeReasonSerializer, responses={200: ExchangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The filler withdraws a draft or a returned form."""
        exchange = self.get_object()
        if not services.is_filler(request.user, exchange):
            raise exceptions.PermissionDenied(
                gettext_lazy("Only the person who filled the form may change it.")
            )
        data = ExchangeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.cancel_request(actor=request.user, request=exchange, **data.validated_data)
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The exchange form (换货单) as an A4 PDF."""
        from aftersales.exchanges.form_pdf import render_form

        exchange = self.get_object()
        record_access(request, "print", exchange)
        response = HttpResponse(render_form(exchange), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{exchange.number}.pdf"'
        return response


class LedgerEntryViewSet(ReachDeniedMixin, viewsets.ReadOnlyModelViewSet):
    """EXC-1: the exchange ledger (换货登记台账) of the forms in reach."""

    serializer_class = ExchangeLedgerEntrySerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [workflow.VIEW_LEDGER]}
    filterset_fields = {"entry_date": ["gte", "lte"]}
    ordering_fields = ["entry_date"]
    queryset = LedgerEntry.objects.none()

    def get_queryset(self):
        return (
            services.visible_ledger(self.request.user)
            .select_related("request__customer", "handler")
            .order_by("-entry_date", "-pk")
        )


def register(router) -> None:
    router.register("exchanges", ExchangeRequestViewSet, basename="exchange")
    router.register("exchange-ledger", LedgerEntryViewSet, basename="exchange-ledger")
