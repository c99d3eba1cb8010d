"""API of the parts catalogue, the price list and the labour rates (PRT-8, FEE-2).

Reading needs the model's view right; parts are added / changed with the model rights;
prices and labour rates are set by finance (``parts.manage_prices``). Every write goes
through ``parts.catalogue``, which checks the right again; its field errors are a 400.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from aftersales.api.permissions import ModelPermissions
from aftersales.parts import catalogue
from aftersales.parts.catalogue_filtersets import LabourRateFilter, PartFilter, PartPriceFilter
from aftersales.parts.models import LabourBasis, LabourRate, Part, PartPrice
from aftersales.products.models import ProductModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class PricePermissions(ModelPermissions):
    """Read with the model's view right; setting a price or rate needs finance's
    ``parts.manage_prices`` (FEE-2)."""

    perms_map = {
        **ModelPermissions.perms_map,
        "POST": ["parts.manage_prices"],
        "PUT": ["parts.manage_prices"],
        "PATCH": ["parts.manage_prices"],
    }


# --- serializers -------------------------------------------------------------------------


class PartSerializer(serializers.ModelSerializer):
    compatible_models = serializers.PrimaryKeyRelatedField(
        queryset=ProductModel.objects.all(),
        many=True,
        required=False,
        help_text=_("The product models the part fits."),
    )
    price_today = serializers.DecimalField(
        **MONEY,
        read_only=True,
        allow_null=True,
        help_text=_("The list price in force today (null: no price yet)."),
    )
    cost_today = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    price_from = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Part
        fields = [
            "id",
            "code",
            "name",
            "specification",
            "unit_of_measure",
            "compatible_models",
            "is_assembly",
            "is_valuable",
            "has_recovery_value",
            "is_active",
            "price_today",
            "cost_today",
            "price_from",
        ]
        # The service checks the number after trimming and upper-casing it.
        extra_kwargs = {"code": {"validators": []}}


class PartPriceSerializer(serializers.ModelSerializer):
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    list_price = serializers.DecimalField(**MONEY, min_value=0)
    cost = serializers.DecimalField(**MONEY, min_value=0)
    effective_from = serializers.DateField(
        help_text=_("Today or later; a price for a day that has one replaces it.")
    )
    set_by = serializers.SerializerMethodField()

    class Meta:
        model = PartPrice
        fields = [
            "id",
            "part",
            "list_price",
            "cost",
            "effective_from",
            "set_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # one row per day: the service replaces it

    def get_set_by(self, obj) -> str | None:
        """Who set (or last replaced) the price."""
        who = obj.updated_by or obj.created_by
        return who.get_username() if who else None


class LabourRateSerializer(serializers.ModelSerializer):
    code = serializers.CharField(max_length=30)
    basis = serializers.ChoiceField(choices=LabourBasis.choices)
    rate = serializers.DecimalField(**MONEY, min_value=0)
    effective_from = serializers.DateField(
        help_text=_("Today or later; a rate for a day that has one replaces it.")
    )
    set_by = serializers.SerializerMethodField()

    class Meta:
        model = LabourRate
        fields = [
            "id",
            "code",
            "name",
            "basis",
            "rate",
            "effective_from",
            "set_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def get_set_by(self, obj) -> str | None:
        """Who set (or last replaced) the rate."""
        who = obj.updated_by or obj.created_by
        return who.get_username() if who else None


# --- viewsets -------------------------------------------------------------------------------


class PartViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """The parts catalogue with the price in force today."""

    serializer_class = PartSerializer
    permission_classes = [ModelPermissions]
    queryset = Part.objects.all()
    filterset_class = PartFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return catalogue.with_price_on(Part.objects.prefetch_related("compatible_models")).order_by(
            "code"
        )

    def _annotated(self, part: Part) -> Part:
        return self.get_queryset().get(pk=part.pk)

    def perform_create(self, serializer):
        part = catalogue.create_part(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._annotated(part)

    def perform_update(self, serializer):
        part = catalogue.update_part(
            actor=self.request.user, part=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self._annotated(part)


class PartPriceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """FEE-2: the price list, newest first per part (``?part=`` for one part). POST sets
    a price from a day on (today or later)."""

    serializer_class = PartPriceSerializer
    permission_classes = [PricePermissions]
    queryset = PartPrice.objects.all()
    filterset_class = PartPriceFilter
    ordering_fields = ["effective_from"]

    def get_queryset(self):
        return PartPrice.objects.select_related("created_by", "updated_by").order_by(
            "part__code", "-effective_from"
        )

    def perform_create(self, serializer):
        serializer.instance = catalogue.set_price(
            actor=self.request.user, **serializer.validated_data
        )


class LabourRateViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """FEE-2: the labour-rate standard (工时费标准) by code, newest first. POST sets a rate
    from a day on (today or later)."""

    serializer_class = LabourRateSerializer
    permission_classes = [PricePermissions]
    queryset = LabourRate.objects.all()
    filterset_class = LabourRateFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "effective_from"]

    def get_queryset(self):
        return LabourRate.objects.select_related("created_by", "updated_by").order_by(
            "code", "-effective_from"
        )

    def perform_create(self, serializer):
        serializer.instance = catalogue.set_labour_rate(
            actor=self.request.user, **serializer.validated_data
        )


def register(router) -> None:
    router.register("parts", PartViewSet, basename="part")
    router.register("part-prices", PartPriceViewSet, basename="partprice")
    router.register("labour-rates", LabourRateViewSet, basename="labourrate")
