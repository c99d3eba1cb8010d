"""Read-only API of organisation units, regions and people (honouring reach)."""

from django.contrib.auth import authenticate
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.accounts import services
from aftersales.accounts.backends import request_address
from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.api.permissions import ModelPermissions, ReachDeniedMixin
from aftersales.core.ratelimit import RateLimit, client_ip


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


class OrgUnitViewSet(ReachDeniedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrgUnitSerializer
    permission_classes = [ModelPermissions]
    queryset = OrgUnit.objects.all()
    filterset_fields = ["kind", "region", "parent"]
    search_fields = ["code", "name"]

    def get_queryset(self):
        return OrgUnit.objects.visible_to(self.request.user)


class UserViewSet(ReachDeniedMixin, viewsets.ReadOnlyModelViewSet):
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


# SEC-4: every request to the token endpoint counts, per client address (each success
# makes a new token; failures also count towards the sign-in lockout).
TOKEN_LIMIT = RateLimit("api-token", "AFTERSALES_API_TOKEN_RATE", "20/h")


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(label=gettext_lazy("User name"), max_length=150)
    password = serializers.CharField(
        label=gettext_lazy("Password"),
        max_length=4096,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
    )
    name = serializers.CharField(
        label=gettext_lazy("Label"),
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("What the token is for, e.g. the program that uses it."),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=gettext_lazy("The key; it is shown only now."))
    prefix = serializers.CharField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class LockedOut(exceptions.Throttled):
    """429 with the lock's own message and Retry-After."""

    def __init__(self, refusal: services.LoginRefusal):
        super().__init__(wait=refusal.seconds)
        self.detail = exceptions.ErrorDetail(refusal.message, code="locked")


class ObtainTokenView(APIView):
    """Exchange a user name and password for a new API token (SEC-4).

    Each call issues a new token that expires after AFTERSALES_API_TOKEN_DAYS days; keep
    it and reuse it. Wrong passwords count towards the sign-in lockout.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenObtainSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong user name or password, or field errors."),
            429: OpenApiResponse(
                description="Too many requests from this address, or sign-in locked."
            ),
        },
        auth=[],
    )
    def post(self, request):
        if not TOKEN_LIMIT.allow(client_ip(request)):
            raise exceptions.Throttled(
                wait=TOKEN_LIMIT.retry_after(),
                detail=_("Too many requests from your network. Please try again later."),
            )
        data = TokenObtainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        user = authenticate(
            request._request, username=username, password=data.validated_data["password"]
        )
        if user is None:
            refusal = services.login_refusal(username, request_address(request._request))
            if refusal:
                raise LockedOut(refusal)
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to sign in with these credentials.")]}
            )
        token, key = services.issue_api_token(
            actor=user, user=user, name=data.validated_data.get("name", "")
        )
        return Response(
            {
                "token": key,
                "prefix": token.prefix,
                "name": token.name,
                "expires_at": serializers.DateTimeField().to_representation(token.expires_at),
            }
        )


urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="token")]


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("org-units", OrgUnitViewSet, basename="orgunit")
    router.register("users", UserViewSet, basename="user")
