"""FIN-1, RPT-2: the monthly service statistics over the API (the page's table as JSON)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.service import statistics


class StatisticsRowSerializer(serializers.Serializer):
    technician_id = serializers.IntegerField(allow_null=True)
    technician = serializers.CharField()
    org_unit_id = serializers.IntegerField(allow_null=True)
    org_unit = serializers.CharField(help_text=_("The handling unit of the orders."))
    orders = serializers.IntegerField(help_text=_("Orders closed in the month."))
    repair = serializers.IntegerField()
    installation = serializers.IntegerField()
    maintenance = serializers.IntegerField()
    other_type = serializers.IntegerField(help_text=_("Orders of any other type."))
    free = serializers.IntegerField()
    contract = serializers.IntegerField()
    paid = serializers.IntegerField()
    other_kind = serializers.IntegerField(help_text=_("Orders of the service kind other."))
    site_visits = serializers.IntegerField()
    collected = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_("Payments on these orders not voided, in CNY."),
    )
    parts_used = serializers.IntegerField(help_text=_("Quantity of parts issued or used."))
    completed = serializers.IntegerField()
    avg_hours = serializers.DecimalField(
        max_digits=10,
        decimal_places=1,
        allow_null=True,
        help_text=_("Average hours from received to completed."),
    )
    sla_breached = serializers.IntegerField()
    surveys_answered = serializers.IntegerField()
    surveys_satisfied = serializers.IntegerField()
    satisfied_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        help_text=_("Percent of the answered surveys that say satisfied."),
    )


class MonthlyStatisticsSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text=_("Exclusive: the first moment of the next month."))
    own_only = serializers.BooleanField(help_text=_("Only the caller's own orders are counted."))
    rows = StatisticsRowSerializer(many=True)
    total = StatisticsRowSerializer()


class MonthlyStatisticsView(APIView):
    """FIN-1: each technician's service statistics of a month, in the caller's reach."""

    @extend_schema(
        operation_id="service_statistics_monthly",
        summary="Monthly service statistics per technician (FIN-1, RPT-2)",
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                required=False,
                description="YYYY-MM; default: last month. Orders closed in that month.",
            ),
        ],
        responses={200: MonthlyStatisticsSerializer},
    )
    def get(self, request):
        month = request.query_params.get("month") or statistics.last_month()
        table = statistics.monthly_statistics(month, actor=request.user)
        data = {
            "month": table.label,
            "start": table.start,
            "end": table.end,
            "own_only": table.own_only,
            "rows": [row.as_dict() for row in table.rows],
            "total": table.total.as_dict(),
        }
        return Response(MonthlyStatisticsSerializer(data).data)


def register(router) -> None:
    """No viewset: the one route is in urlpatterns."""


urlpatterns = [
    path("service-statistics/", MonthlyStatisticsView.as_view(), name="service-statistics"),
]
