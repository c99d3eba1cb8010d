"""API of sales leads (SVC-9): reads limited to what the caller may read; recording a lead
and every transition through the services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.models import User
from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.leads import services, workflow
from aftersales.leads.filtersets import LeadFilter
from aftersales.leads.models import Lead
from aftersales.leads.selectors import LEAD_RELATED, require_readable
from aftersales.service.models import ServiceOrder


class LeadSerializer(serializers.ModelSerializer):
    actions = serializers.SerializerMethodField(
        help_text=gettext_lazy("The actions the caller may take on the lead now.")
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "number",
            "status",
            "order",
            "customer",
            "org_unit",
            "reporter",
            "product_interest",
            "note",
            "salesperson",
            "contacted_at",
            "won_at",
            "lost_at",
            "commission",
            "info_fee_rate",
            "info_fee",
            "lost_reason",
            "created_at",
            "updated_at",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, lead) -> list[str]:
        request = self.context.get("request")
        return workflow.actions_for(lead, request.user) if request else []


class LeadCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOrder.objects.all(),
        help_text=gettext_lazy("The service order on which the intent was heard."),
    )
    product_interest = serializers.CharField(max_length=200)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LeadContactSerializer(serializers.Serializer):
    salesperson = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Who works the lead (default: the caller)."),
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LeadWinSerializer(serializers.Serializer):
    commission = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy(
            "The sales commission in yuan; the reporter's information fee is computed from it."
        ),
    )


class LeadLoseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


# action name → its input serializer; the fields are named like the service's arguments
ACTIONS = {"contact": LeadContactSerializer, "win": LeadWinSerializer, "lose": LeadLoseSerializer}
assert set(ACTIONS) == set(workflow.TRANSITIONS), "every transition has an endpoint"


class LeadPermissions(permissions.BasePermission):
    """Reading (and posting a transition) needs the view or the add right — a reporter
    reads their own leads; recording needs the add right. A denial names the right."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(view, "action", None) == "create":
            needed = ["leads.add_lead"]
        else:
            needed = ["leads.view_lead", "leads.add_lead"]
        if any(user.has_perm(p) for p in needed):
            return True
        raise exceptions.PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": needed[0]}
        )


class LeadViewSet(
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Sales leads the caller may read: those in reach with the view right (ORG-3), else
    the caller's own. Status changes only through the actions."""

    serializer_class = LeadSerializer
    permission_classes = [LeadPermissions]
    filterset_class = LeadFilter
    search_fields = ["number", "product_interest", "customer__name"]
    ordering_fields = ["created_at", "number", "won_at"]
    queryset = Lead.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            Lead.objects.readable_by(self.request.user)
            .select_related(*LEAD_RELATED)
            .order_by("-created_at", "-pk")
        )

    def get_object(self):
        """A lead the caller may not read is a 403 that says why, not a 404."""
        pk = self.kwargs["pk"]
        found = Lead.objects.select_related(*LEAD_RELATED).filter(pk=pk)
        lead = found.first() if str(pk).isdigit() else None
        if lead is None:
            raise exceptions.NotFound()
        require_readable(self.request.user, lead)
        return lead

    @extend_schema(request=LeadCreateSerializer, responses={201: LeadSerializer})
    def create(self, request, *args, **kwargs):
        """SVC-9: record a customer's purchase intent heard on a service order."""
        data = LeadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = services.record_lead(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(lead).data, status=201)

    def _perform(self, request, name: str):
        lead = self.get_object()
        workflow.require_actor(lead, name, request.user)  # a 403 before field errors
        data = ACTIONS[name](data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.perform(name, actor=request.user, lead=lead, **data.validated_data)
        return Response(LeadSerializer(changed, context={"request": request}).data)

    @extend_schema(request=LeadContactSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], url_path="contact")
    def contact_lead(self, request, pk=None):
        """Sales takes the lead up (new → contacted)."""
        return self._perform(request, "contact")

    @extend_schema(request=LeadWinSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], url_path="win")
    def win_lead(self, request, pk=None):
        """SVC-9: the sale is closed; the reporter's information fee is computed and kept."""
        return self._perform(request, "win")

    @extend_schema(request=LeadLoseSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"], url_path="lose")
    def lose_lead(self, request, pk=None):
        """The lead is lost, with the reason."""
        return self._perform(request, "lose")


def register(router) -> None:
    router.register("leads", LeadViewSet, basename="lead")
