"""API of purchase inquiries (PRT-7): the inquiries the user may see; create (ask purchasing
about a part that is not an assembly), ``answer`` (purchasing) and ``withdraw`` (the asker).

Serializers check the shape of the input; ``parts.purchasing`` checks every rule and right.
"""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.parts import purchasing
from aftersales.parts.line_api import NeedsOneOf
from aftersales.parts.models import InquiryStatus, Part, PurchaseInquiry
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW = "parts.view_purchaseinquiry"


class InquirySerializer(serializers.ModelSerializer):
    part_code = serializers.CharField(source="part.code", read_only=True, allow_null=True)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True)

    class Meta:
        model = PurchaseInquiry
        fields = [
            "id",
            "number",
            "status",
            "part",
            "part_code",
            "description",
            "quantity",
            "order",
            "order_number",
            "asked_by",
            "asked_at",
            "can_buy",
            "answer",
            "supplier",
            "unit_cost",
            "expected_on",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class InquiryCreateSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("A catalogue part that is not an assembly (or describe it)."),
    )
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    quantity = serializers.IntegerField(min_value=1, max_value=9999)
    order = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOrder.objects.all(), required=False, allow_null=True, default=None
    )


class InquiryAnswerSerializer(serializers.Serializer):
    can_buy = serializers.BooleanField()
    answer = serializers.CharField(max_length=2000, allow_blank=True)
    supplier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    expected_on = serializers.DateField(required=False, allow_null=True, default=None)


class InquiryWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InquiryStatus.choices)
    order = django_filters.NumberFilter(field_name="order_id")
    part = django_filters.NumberFilter(field_name="part_id")

    class Meta:
        model = PurchaseInquiry
        fields = ["status", "order", "part"]


class PurchaseInquiryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """PRT-7: can purchasing buy a part that is not an assembly? The request and the answer."""

    serializer_class = InquirySerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": [VIEW],
        "create": [purchasing.ASK],
        "answer": [purchasing.ANSWER],
        "withdraw": [purchasing.ASK, purchasing.ANSWER],
    }
    filterset_class = InquiryFilter
    search_fields = ["number", "part__code", "part__name", "description", "order__number"]
    ordering_fields = ["asked_at", "answered_at"]
    queryset = PurchaseInquiry.objects.none()  # for the schema; get_queryset is limited

    def get_queryset(self):
        return (
            purchasing.inquiries_visible_to(self.request.user)
            .select_related("part", "order")
            .order_by("-asked_at", "-pk")
        )

    def get_object(self):
        """Someone else's inquiry is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            PurchaseInquiry.objects.select_related("part", "order")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        if not self.get_queryset().filter(pk=found.pk).exists():
            if found.order_id:
                require_order_reach(self.request.user, found.order_id)
            raise exceptions.PermissionDenied(
                _("This inquiry is someone else's, outside your reach.")
            )
        return found

    def _answer(self, inquiry, status=200):
        inquiry = PurchaseInquiry.objects.select_related("part", "order").get(pk=inquiry.pk)
        return Response(InquirySerializer(inquiry).data, status=status)

    @extend_schema(request=InquiryCreateSerializer, responses={201: InquirySerializer})
    def create(self, request, *args, **kwargs):
        """PRT-7: ask purchasing whether a part can be bought; assemblies are refused."""
        data = InquiryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            purchasing.ask_purchasing(actor=request.user, **data.validated_data), status=201
        )

    @extend_schema(request=InquiryAnswerSerializer, responses={200: InquirySerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """PRT-7: purchasing's answer; yes needs the supplier and the expected date."""
        inquiry = self.get_object()
        data = InquiryAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            purchasing.answer_inquiry(actor=request.user, inquiry=inquiry, **data.validated_data)
        )

    @extend_schema(request=InquiryWithdrawSerializer, responses={200: InquirySerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The asker takes back an open inquiry, with the reason."""
        inquiry = self.get_object()
        if not purchasing.may_withdraw(request.user, inquiry):
            raise exceptions.PermissionDenied(
                _("Only the person who asked may withdraw the inquiry.")
            )
        data = InquiryWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            purchasing.withdraw_inquiry(
                actor=request.user, inquiry=inquiry, reason=data.validated_data["reason"]
            )
        )


def register(router) -> None:
    router.register("purchase-inquiries", PurchaseInquiryViewSet, basename="purchase-inquiry")
