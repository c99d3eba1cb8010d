"""Read-only API of organisation units, regions and people (honouring reach)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from aftersales.accounts import services
from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.api.permissions import ModelPermissions


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "parent"]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "parent",
            "region",
            "calendar",
            "address",
            "phone",
            "is_active",
        ]


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


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(ObtainAuthToken):
    """Exchange a user name and password for the person's API token."""

    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES
    permission_classes = [AllowAny]

    @extend_schema(request=AuthTokenSerializer, responses={200: TokenResponseSerializer})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = Token.objects.filter(user=user).first()
        key = token.key if token else services.issue_api_token(actor=user, user=user)
        return Response({"token": key})


urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="token")]


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("org-units", OrgUnitViewSet, basename="orgunit")
    router.register("users", UserViewSet, basename="user")
