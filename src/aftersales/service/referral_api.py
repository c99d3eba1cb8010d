"""REQ-6, SVC-7 over the API: refer a customer's question to the person responsible, list
the questions, record the reply. The services check every rule."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from aftersales.accounts.models import User
from aftersales.api.permissions import ModelPermissions, ReachDeniedMixin
from aftersales.core.permissions import require_perm
from aftersales.service import services
from aftersales.service.models import Referral, ReferralKind, ReplyChannel, ServiceOrder


class ReferralSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    reply_due_at = serializers.DateTimeField(
        source="clock.due_at",
        read_only=True,
        allow_null=True,
        help_text=_("When the customer must have the reply (REQ-6); empty without a limit."),
    )
    reply_late = serializers.BooleanField(source="clock.breached", read_only=True, default=None)
    # Declared: a read-only model field loses allow_blank, and the schema's enum then lacks
    # the "" of a referral not answered yet.
    reply_channel = serializers.ChoiceField(
        label=Referral._meta.get_field("reply_channel").verbose_name,
        choices=ReplyChannel.choices,
        allow_blank=True,
        read_only=True,
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "order",
            "order_number",
            "kind",
            "question",
            "referred_to",
            "referred_by",
            "referred_at",
            "reply_due_at",
            "reply_late",
            "answer",
            "reply_channel",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class ReferSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    kind = serializers.ChoiceField(choices=ReferralKind.choices, default=ReferralKind.OTHER)
    question = serializers.CharField(max_length=2000)
    referred_to = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)
    reply_channel = serializers.ChoiceField(
        choices=ReplyChannel.choices,
        help_text=_("How the customer was told; “sms” sends the answer as the text."),
    )


class ReferralPermission(ModelPermissions):
    """Reading needs the right to view orders; the services check who may refer or answer."""

    perms_map = {
        **ModelPermissions.perms_map,
        "GET": ["service.view_serviceorder"],
        "POST": ["service.view_serviceorder"],
    }


class ReferralViewSet(
    ReachDeniedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Questions referred on orders within the caller's reach (REQ-6); ``?open=true`` lists
    those still waiting for a reply, ``?mine=true`` those referred to the caller."""

    serializer_class = ReferralSerializer
    permission_classes = [ReferralPermission]
    filterset_fields = ["order", "kind", "referred_to"]
    queryset = Referral.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        user = self.request.user
        queryset = Referral.objects.filter(
            order__in=ServiceOrder.objects.visible_to(user).values("pk")
        ).select_related("order", "clock")
        params = self.request.query_params
        if params.get("open") in ("1", "true"):
            queryset = queryset.filter(answered_at__isnull=True)
        if params.get("mine") in ("1", "true"):
            queryset = queryset.filter(referred_to=user)
        return queryset.order_by("-referred_at", "-pk")

    @extend_schema(request=ReferSerializer, responses={201: ReferralSerializer})
    def create(self, request, *args, **kwargs):
        """REQ-6: refer the customer's question on an order to the person responsible."""
        require_perm(request.user, services.REFER_PERMISSION)  # a 403 before field errors
        data = ReferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        order = values.pop("order")
        if not ServiceOrder.objects.visible_to(request.user).filter(pk=order.pk).exists():
            raise PermissionDenied(
                _("This order belongs to another organisation unit outside your reach.")
            )
        referral = services.refer_question(actor=request.user, order=order, **values)
        return Response(ReferralSerializer(referral).data, status=201)

    @extend_schema(request=AnswerSerializer, responses={200: ReferralSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """REQ-6: the reply the customer was given; stops the question's clock."""
        referral = self.get_object()
        if not services.may_answer(request.user, referral):
            raise PermissionDenied(
                _("Only the person the question was referred to, or dispatch, may answer it.")
            )
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answered = services.answer_question(
            actor=request.user, referral=referral, **data.validated_data
        )
        return Response(ReferralSerializer(answered).data)


def register(router) -> None:
    router.register("referrals", ReferralViewSet, basename="referral")
