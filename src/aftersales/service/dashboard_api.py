"""GET /api/dashboard/: the manager dashboard's figures (the home page's), for the orders
in the caller's reach; 403 without the managers' right."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.service import dashboard
from aftersales.service.models import OPEN_STATUSES


class _OpenSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Open orders per status: " + ", ".join(s.value for s in OPEN_STATUSES),
    )


class _TimeLimitsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(help_text="Open orders whose next time limit passed.")
    due_soon = serializers.IntegerField(
        help_text="Open orders due within AFTERSALES_DUE_SOON_HOURS."
    )
    breached = serializers.IntegerField(help_text="Open orders with a breached time limit.")


class _ReceivedSerializer(serializers.Serializer):
    today = serializers.IntegerField()
    last_7_days = serializers.IntegerField(help_text="Today and the six days before.")


class _ClosedSerializer(serializers.Serializer):
    this_month = serializers.IntegerField()
    last_month = serializers.IntegerField()


class _UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    breached = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(
        help_text="When the figures were computed (cached up to AFTERSALES_DASHBOARD_TTL s; "
        "any order write drops them)."
    )
    open = _OpenSerializer()
    time_limits = _TimeLimitsSerializer()
    received = _ReceivedSerializer()
    closed = _ClosedSerializer()
    units = _UnitSerializer(many=True, help_text="Open orders per handling unit.")


class DashboardView(APIView):
    """The manager dashboard: open orders by status and unit, time limits, intake, closures."""

    @extend_schema(operation_id="dashboard", responses={200: DashboardSerializer})
    def get(self, request):
        # The service checks the right: a PermissionDenied is the API's 403 (ORG-3).
        return Response(DashboardSerializer(dashboard.dashboard_figures(request.user)).data)


urlpatterns = [path("dashboard/", DashboardView.as_view(), name="dashboard")]


def register(router) -> None:
    """No viewsets: the one route is in urlpatterns."""
