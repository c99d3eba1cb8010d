"""API of the satisfaction surveys (FUP-2, FUP-3, SVC-6).

/api/surveys/ lists and shows the surveys in reach (never the token or its hash);
POST /api/surveys/{id}/key-in/ keys in a paper card; GET /api/satisfaction/?month=YYYY-MM
gives the month's figures per technician and against the target. The public answer is a
page (/survey/<token>/), not an API.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.schema import OneObjectSchema
from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.followup import surveys
from aftersales.followup.models import Survey, SurveyKind
from aftersales.parts.line_api import NeedsOneOf


class SurveySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True)
    technician_name = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField(
        help_text=gettext_lazy("answered, expired, waiting (sent, open) or not_sent.")
    )
    # Plain types in the schema: the four grades share one choice set, and "channel" is
    # also the service order's (different choices).
    channel = serializers.CharField(
        read_only=True, help_text=gettext_lazy("web or paper; empty while unanswered.")
    )
    attitude = serializers.IntegerField(read_only=True, allow_null=True)
    skill = serializers.IntegerField(read_only=True, allow_null=True)
    punctuality = serializers.IntegerField(read_only=True, allow_null=True)
    promises = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "kind",
            "customer",
            "customer_name",
            "order",
            "order_number",
            "technician",
            "technician_name",
            "phone",
            "send_at",
            "sent_at",
            "expires_at",
            "state",
            "answered_at",
            "channel",
            "keyed_by",
            "attitude",
            "skill",
            "punctuality",
            "promises",
            "suggestions",
            "other_needs",
            "score",
            "satisfied",
        ]
        read_only_fields = fields

    def get_technician_name(self, survey) -> str:
        return str(survey.technician) if survey.technician_id else ""

    def get_state(self, survey) -> str:
        return surveys.survey_state(survey)


def _grade():
    return serializers.IntegerField(
        min_value=1,
        max_value=5,
        help_text=gettext_lazy(
            "5 very satisfied, 4 satisfied, 3 fair, 2 dissatisfied, 1 very dissatisfied."
        ),
    )


class KeyInSerializer(serializers.Serializer):
    attitude = _grade()
    skill = _grade()
    punctuality = _grade()
    promises = _grade()
    suggestions = serializers.CharField(
        max_length=surveys.TEXT_LIMIT, required=False, allow_blank=True, default=""
    )
    other_needs = serializers.CharField(
        max_length=surveys.TEXT_LIMIT, required=False, allow_blank=True, default=""
    )


class SurveyFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=[(key, key) for key in surveys.STATE_LABELS],
        method="filter_state",
        label="state",
    )
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices, label="kind")
    technician = django_filters.NumberFilter(field_name="technician_id", label="technician")
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    customer = django_filters.NumberFilter(field_name="customer_id", label="customer")

    class Meta:
        model = Survey
        fields = ["state", "kind", "technician", "order", "customer"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(surveys.state_filter(value, timezone.now()))


class SurveyViewSet(
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """FUP-2: the surveys in reach (ORG-3); ``key-in`` records a paper card."""

    serializer_class = SurveySerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [surveys.VIEW_SURVEYS], "key_in": [surveys.KEY_IN_SURVEYS]}
    filterset_class = SurveyFilter
    search_fields = ["customer__name", "order__number"]
    ordering_fields = ["send_at", "answered_at", "score"]
    queryset = Survey.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            surveys.surveys_visible_to(self.request.user)
            .select_related("customer", "order", "technician")
            .order_by("-send_at", "-pk")
        )

    def get_object(self):
        """A survey outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            Survey.objects.select_related("customer", "order", "technician")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        surveys.require_survey_reach(self.request.user, found)
        return found

    @extend_schema(request=KeyInSerializer, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"], url_path="key-in")
    def key_in(self, request, pk=None):
        """FUP-2: customer service keys in the customer's paper card (once per survey)."""
        survey = self.get_object()
        data = KeyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answered = surveys.key_in_survey(actor=request.user, survey=survey, **data.validated_data)
        answered = Survey.objects.select_related("customer", "order", "technician").get(
            pk=answered.pk
        )
        return Response(SurveySerializer(answered).data)


class FiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    target = serializers.IntegerField()
    met = serializers.BooleanField(allow_null=True)


class OverallSerializer(FiguresSerializer):
    sent = serializers.IntegerField(help_text=gettext_lazy("Order surveys sent in the month."))


class TechnicianFiguresSerializer(FiguresSerializer):
    technician = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    attitude = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    skill = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    punctuality = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    promises = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class TrendSerializer(FiguresSerializer):
    month = serializers.SerializerMethodField()

    def get_month(self, row) -> str:
        return row["month"].strftime("%Y-%m")


class SatisfactionSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    target = serializers.IntegerField(help_text=gettext_lazy("SVC-6 target in %."))
    overall = OverallSerializer()
    new_customers = FiguresSerializer()
    technicians = TechnicianFiguresSerializer(many=True)
    trend = TrendSerializer(many=True)

    def get_month(self, figures) -> str:
        return figures["month"].strftime("%Y-%m")


class SatisfactionViewSet(viewsets.ViewSet):
    """FUP-3, SVC-6: the month's satisfaction per technician and against the target."""

    permission_classes = [NeedsOneOf]
    needed = {"*": [surveys.VIEW_SATISFACTION]}
    schema = OneObjectSchema()  # one month's figures, not a list

    @extend_schema(
        operation_id="satisfaction_month",
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                description="YYYY-MM (default: this month)",
                required=False,
            )
        ],
        responses={200: SatisfactionSerializer},
    )
    def list(self, request):
        text = request.query_params.get("month", "")
        month = surveys.parse_month(text) if text else surveys.this_month()
        figures = surveys.satisfaction(actor=request.user, month=month)
        return Response(SatisfactionSerializer(figures).data)


def register(router) -> None:
    router.register("surveys", SurveyViewSet, basename="survey")
    router.register("satisfaction", SatisfactionViewSet, basename="satisfaction")
