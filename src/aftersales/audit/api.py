"""The access log over the API (read-only), and the mixins that log API reads of
confidential records (CUS-2, SEC-2)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from aftersales.api.permissions import ModelPermissions
from aftersales.audit.filtersets import AccessEntryFilter
from aftersales.audit.models import AccessAction, AccessEntry
from aftersales.audit.services import list_what, record_access


class AccessLoggedRetrieveMixin:
    """A viewset whose detail read is logged as a view of the record."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        record_access(request, AccessAction.VIEW, instance)
        return Response(self.get_serializer(instance).data)


class AccessLoggedListMixin:
    """A viewset whose list is a bulk read: one entry per request, with the rows sent, the
    total and the filter (no query per row)."""

    access_list_label = ""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        data = response.data
        if isinstance(data, dict) and "results" in data:
            rows, total = len(data["results"]), data.get("count")
        else:
            rows, total = len(data), None
        label = str(self.access_list_label or self.queryset.model._meta.verbose_name_plural)
        record_access(request, AccessAction.EXPORT, what=list_what(label, rows, request, total))
        return response


class AccessEntrySerializer(serializers.ModelSerializer):
    content_type = serializers.SerializerMethodField(
        help_text=_("app_label.model of the record, empty for a list export")
    )

    class Meta:
        model = AccessEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "what",
            "path",
            "client_address",
            "user_agent",
        ]
        read_only_fields = fields

    def get_content_type(self, obj) -> str:
        if not obj.content_type_id:
            return ""
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class AccessEntryViewSet(AccessLoggedListMixin, viewsets.ReadOnlyModelViewSet):
    """The access log (CUS-2, SEC-2): who viewed, exported, printed or downloaded which
    confidential record, when and from where. Reading a page of it is logged too."""

    serializer_class = AccessEntrySerializer
    permission_classes = [ModelPermissions]
    queryset = AccessEntry.objects.all()
    filterset_class = AccessEntryFilter
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]
    access_list_label = _("Access log (API)")

    def get_queryset(self):
        return AccessEntry.objects.select_related("content_type")


def register(router) -> None:
    router.register("access-log", AccessEntryViewSet, basename="access-entry")
