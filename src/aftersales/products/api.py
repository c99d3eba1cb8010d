"""API of product models, units, warranties, contracts and handovers (PRD-1…PRD-4).

Lists start from ``visible_to(user)``; a detail outside the user's reach is a 403 with
the reason, not a 404. Every write goes through ``products.services``.
"""

import datetime
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from aftersales.accounts.reach import require_reach
from aftersales.api.permissions import ModelPermissions
from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.customers.models import Customer
from aftersales.products import services
from aftersales.products.entitlement import entitlement
from aftersales.products.filtersets import ContractFilter, UnitFilter, with_cover
from aftersales.products.models import (
    DeliveryHandover,
    MaintenanceContract,
    ProductCategory,
    ProductModel,
    Unit,
    Warranty,
)


@contextmanager
def service_errors():
    """A service's field errors as a DRF 400 ({"field": ["message"]})."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if k == "__all__" else k): v
                for k, v in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


# --- serializers ---------------------------------------------------------------------


class ProductCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name"]


class ProductModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductModel
        fields = [
            "id",
            "code",
            "name",
            "category",
            "warranty_months",
            "warranty_starts_from",
            "warranty_scope",
            "is_active",
        ]
        extra_kwargs = {"code": {"validators": []}}  # the service checks it after normalising


class UnitSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    product_model_code = serializers.CharField(source="product_model.code", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    cover_today = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "serial_number",
            "product_model",
            "product_model_code",
            "owner",
            "owner_name",
            "batch",
            "production_date",
            "sale_date",
            "invoice_date",
            "delivery_date",
            "installation_address",
            "notes",
            "cover_today",
        ]
        # The service normalises the serial and answers a duplicate in its own words.
        extra_kwargs = {"serial_number": {"validators": []}}

    def get_cover_today(self, obj) -> str | None:
        """ "warranty", "contract" or "paid" today (list and detail responses)."""
        if not hasattr(obj, "in_warranty"):
            return None
        if obj.in_warranty:
            return "warranty"
        return "contract" if obj.under_contract else "paid"


class WarrantySerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    months = serializers.IntegerField(
        write_only=True, required=False, min_value=1, help_text="Length in months (or end_date)."
    )
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    scope = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Warranty
        fields = [
            "id",
            "unit",
            "kind",
            "start_date",
            "end_date",
            "months",
            "scope",
            "reference",
            "price",
            "set_by_hand",
        ]
        read_only_fields = ["kind", "set_by_hand"]


class MaintenanceContractSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True)

    class Meta:
        model = MaintenanceContract
        fields = [
            "id",
            "number",
            "customer",
            "units",
            "start_date",
            "end_date",
            "covered_items",
            "visits_per_year",
            "amount",
            "is_cancelled",
            "cancelled_on",
            "cancel_reason",
        ]
        read_only_fields = ["number", "is_cancelled", "cancelled_on", "cancel_reason"]


class CancelContractSerializer(serializers.Serializer):
    reason = serializers.CharField()


class DeliveryHandoverSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())

    class Meta:
        model = DeliveryHandover
        fields = [
            "id",
            "unit",
            "delivered_on",
            "salesperson",
            "received_by",
            "explained_use",
            "explained_maintenance",
            "explained_precautions",
            "notes",
        ]
        read_only_fields = ["salesperson"]


class CoverWarrantySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    scope = serializers.CharField()
    reference = serializers.CharField()


class CoverContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    covered_items = serializers.CharField()


class EntitlementSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    serial_number = serializers.CharField()
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=["warranty", "contract", "paid"])
    status_label = serializers.CharField()
    service_kind = serializers.ChoiceField(choices=["free", "contract", "paid"])
    reasons = serializers.ListField(child=serializers.CharField())
    days_left = serializers.IntegerField(allow_null=True)
    warranty = CoverWarrantySerializer(allow_null=True)
    contract = CoverContractSerializer(allow_null=True)


class EntitlementQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


# --- viewsets ---------------------------------------------------------------------------


class ReachDetailMixin:
    """Detail objects are looked up in the whole table, then checked against reach: an
    object outside the user's reach is a 403 with the reason, not a 404."""

    reach_model = None

    def get_object(self):
        model = self.reach_model
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = get_object_or_404(self.detail_queryset(), **{self.lookup_field: lookup})
        require_reach(self.request.user, obj, model.objects)
        self.check_object_permissions(self.request, obj)
        return obj

    def detail_queryset(self):
        return self.reach_model.objects.all()


class ProductCategoryViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = ProductCategorySerializer
    permission_classes = [ModelPermissions]
    queryset = ProductCategory.objects.all()
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.save_category(
                actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.save_category(
                actor=self.request.user, category=serializer.instance, **serializer.validated_data
            )


class ProductModelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = ProductModelSerializer
    permission_classes = [ModelPermissions]
    queryset = ProductModel.objects.select_related("category")
    filterset_fields = ["category", "warranty_starts_from", "is_active"]
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.save_product_model(
                actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.save_product_model(
                actor=self.request.user,
                product_model=serializer.instance,
                **serializer.validated_data,
            )


class UnitViewSet(
    ReachDetailMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = UnitSerializer
    permission_classes = [ModelPermissions]
    queryset = Unit.objects.all()
    filterset_class = UnitFilter
    search_fields = ["serial_number"]
    ordering_fields = ["serial_number", "delivery_date", "sale_date"]
    reach_model = Unit

    def get_queryset(self):
        qs = Unit.objects.visible_to(self.request.user).select_related("product_model", "owner")
        return with_cover(qs)

    def detail_queryset(self):
        return with_cover(Unit.objects.select_related("product_model", "owner"))

    def perform_create(self, serializer):
        with service_errors():
            unit = services.register_unit(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.detail_queryset().get(pk=unit.pk)

    def perform_update(self, serializer):
        with service_errors():
            unit = services.update_unit(
                actor=self.request.user, unit=serializer.instance, **serializer.validated_data
            )
        serializer.instance = self.detail_queryset().get(pk=unit.pk)

    @extend_schema(
        summary="What the unit is entitled to on a date, and why (PRD-2)",
        parameters=[
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD; today when left out.",
                required=False,
            )
        ],
        responses={200: EntitlementSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def entitlement(self, request, pk=None):
        unit = self.get_object()
        query = EntitlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on_date: datetime.date = query.validated_data.get("date") or timezone.localdate()
        answer = entitlement(
            unit, on_date, warranties=unit.warranties.all(), contracts=unit.contracts.all()
        )
        return Response(answer.as_dict())


class WarrantyViewSet(
    ReachDetailMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Warranties of units; POST sells an extended warranty, PATCH corrects one by hand."""

    serializer_class = WarrantySerializer
    permission_classes = [ModelPermissions]
    queryset = Warranty.objects.all()
    filterset_fields = ["unit", "kind"]
    reach_model = Warranty

    def get_queryset(self):
        return Warranty.objects.visible_to(self.request.user).select_related("unit")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        unit = data.pop("unit")
        with service_errors():
            serializer.instance = services.add_extended_warranty(
                actor=self.request.user, unit=unit, **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("months", None)
        if "unit" in data and data.pop("unit") != serializer.instance.unit:
            raise serializers.ValidationError(
                {"unit": [_("A warranty cannot move to another unit.")]}
            )
        with service_errors():
            serializer.instance = services.change_warranty(
                actor=self.request.user, warranty=serializer.instance, **data
            )


class MaintenanceContractViewSet(
    AccessLoggedRetrieveMixin,
    ReachDetailMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = MaintenanceContractSerializer
    permission_classes = [ModelPermissions]
    queryset = MaintenanceContract.objects.all()
    filterset_class = ContractFilter
    search_fields = ["number"]
    reach_model = MaintenanceContract

    def get_queryset(self):
        return (
            MaintenanceContract.objects.visible_to(self.request.user)
            .select_related("customer")
            .prefetch_related("units")
        )

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.create_maintenance_contract(
                actor=self.request.user, **serializer.validated_data
            )

    @extend_schema(
        summary="Cancel the contract; it then covers no date",
        request=CancelContractSerializer,
        responses={200: MaintenanceContractSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        contract = self.get_object()
        body = CancelContractSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            contract = services.cancel_maintenance_contract(
                actor=request.user, contract=contract, reason=body.validated_data["reason"]
            )
        return Response(MaintenanceContractSerializer(contract).data)


class DeliveryHandoverViewSet(
    ReachDetailMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = DeliveryHandoverSerializer
    permission_classes = [ModelPermissions]
    queryset = DeliveryHandover.objects.all()
    filterset_fields = ["unit", "salesperson"]
    reach_model = DeliveryHandover

    def get_queryset(self):
        return DeliveryHandover.objects.visible_to(self.request.user).select_related("unit")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = services.record_delivery_handover(
                actor=self.request.user, unit=data.pop("unit"), **data
            )


def register(router) -> None:
    router.register("product-categories", ProductCategoryViewSet, basename="productcategory")
    router.register("product-models", ProductModelViewSet, basename="productmodel")
    router.register("units", UnitViewSet, basename="unit")
    router.register("warranties", WarrantyViewSet, basename="warranty")
    router.register(
        "maintenance-contracts", MaintenanceContractViewSet, basename="maintenancecontract"
    )
    router.register("delivery-handovers", DeliveryHandoverViewSet, basename="deliveryhandover")
