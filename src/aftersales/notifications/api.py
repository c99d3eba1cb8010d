"""API of notifications: each person lists and reads only their own (SVC-7)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from aftersales.notifications import services
from aftersales.notifications.models import Notification
from aftersales.notifications.views import inbox_queryset


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "topic",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
            "emailed_at",
            "sms_sent_at",
            "wechat_sent_at",
        ]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were marked read."))


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("unread only")
    )

    class Meta:
        model = Notification
        fields = ["topic", "unread"]


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own notifications, unread first; nobody sees anyone else's (404)."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilter
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "read_at"]
    queryset = Notification.objects.none()  # for the schema; get_queryset is the caller's own

    def get_queryset(self):
        return inbox_queryset(self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of your notifications read."""
        notification = services.mark_read(actor=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all your unread notifications read."""
        marked = services.mark_all_read(actor=request.user)
        return Response(MarkedSerializer({"marked": marked}).data)


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
