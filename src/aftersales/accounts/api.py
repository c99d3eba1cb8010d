"""Read-only API of organisation units, regions and people (honouring reach)."""

from rest_framework import serializers, viewsets

from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.api.permissions import ModelPermissions


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "parent"]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "region", "address", "phone", "is_active"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "org_unit", "region", "phone", "roles"]

    def get_roles(self, obj) -> list[str]:
        return sorted(g.name for g in obj.groups.all())


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    permission_classes = [ModelPermissions]
    queryset = Region.objects.all()
    search_fields = ["code", "name"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrgUnitSerializer
    permission_classes = [ModelPermissions]
    queryset = OrgUnit.objects.all()
    filterset_fields = ["kind", "region", "parent"]
    search_fields = ["code", "name"]

    def get_queryset(self):
        return OrgUnit.objects.visible_to(self.request.user)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    permission_classes = [ModelPermissions]
    queryset = User.objects.all()
    filterset_fields = ["org_unit", "region"]
    search_fields = ["username", "display_name"]

    def get_queryset(self):
        return (
            User.objects.visible_to(self.request.user)
            .filter(is_active=True)
            .prefetch_related("groups")
        )


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("org-units", OrgUnitViewSet, basename="orgunit")
    router.register("users", UserViewSet, basename="user")
