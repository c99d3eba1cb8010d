"""API of the complaint register (CMP-1…CMP-5, FUP-4) and the violations (CMP-2).

Serializers check the shape of the input (→ 400 with field errors); ``complaints.services``
checks every rule and right (a broken rule → 400, a missing right → 403 that says why).
Reads start from the complaints in reach (ORG-3).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.audit.services import record_access
from aftersales.charges.quote_api import PDFRenderer
from aftersales.complaints import services, workflow
from aftersales.complaints.forms import REPLY_VIA_CHOICES
from aftersales.complaints.models import (
    Complaint,
    ComplaintChannel,
    ComplaintClass,
    ComplaintKind,
    ComplaintNote,
    ComplaintReply,
    ComplaintStatus,
    Severity,
    Violation,
)
from aftersales.parts.line_api import NeedsOneOf

User = get_user_model()


@extend_schema_field(OpenApiTypes.STR)
class TextChoiceField(serializers.ChoiceField):
    """A choice described as text in the schema: other apps' "kind", "status" and "channel"
    choice sets already carry those enum names."""


class ComplaintNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintNote
        fields = ["id", "at", "by", "action", "text"]
        read_only_fields = fields


class ComplaintReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintReply
        fields = ["id", "number", "text", "sent_via", "sent_at", "created_by", "created_at"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    class_name = serializers.CharField(source="complaint_class.name", read_only=True)
    kind = TextChoiceField(choices=ComplaintKind.choices, read_only=True)
    status = TextChoiceField(choices=ComplaintStatus.choices, read_only=True)
    channel = TextChoiceField(choices=ComplaintChannel.choices, read_only=True)
    notes = ComplaintNoteSerializer(many=True, read_only=True)
    replies = ComplaintReplySerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text=gettext_lazy("The actions you may take on it now.")
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "channel",
            "complaint_class",
            "class_name",
            "severity",
            "org_unit",
            "customer",
            "order",
            "survey",
            "return_visit",
            "complainant_name",
            "complainant_phone",
            "complainant_address",
            "subject",
            "content",
            "received_at",
            "owner",
            "responsible",
            "report_due_at",
            "resolve_due_at",
            "reported_at",
            "report_note",
            "cause",
            "proposal",
            "resolution",
            "resolved_at",
            "resolved_on_spot",
            "customer_satisfied",
            "closed_at",
            "violation_checked_at",
            "notes",
            "replies",
            "actions",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_actions(self, complaint) -> list[str]:
        return workflow.actions_for(complaint, self.context["request"].user)


def _orders():
    from aftersales.service.models import ServiceOrder

    return ServiceOrder.objects.all()


def _customers():
    from aftersales.customers.models import Customer

    return Customer.objects.all()


def _surveys():
    from aftersales.followup.models import Survey

    return Survey.objects.all()


def _visits():
    from aftersales.followup.models import ReturnVisit

    return ReturnVisit.objects.all()


class ComplaintCreateSerializer(serializers.Serializer):
    channel = TextChoiceField(choices=ComplaintChannel.choices)
    kind = TextChoiceField(
        choices=ComplaintKind.choices, required=False, default=ComplaintKind.COMPLAINT
    )
    complaint_class = serializers.PrimaryKeyRelatedField(
        queryset=ComplaintClass.objects.filter(is_active=True)
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Empty: the class's; may be raised, never lowered."),
    )
    subject = serializers.CharField(max_length=200)
    content = serializers.CharField()
    complainant_name = serializers.CharField(max_length=100)
    complainant_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    complainant_address = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=_customers(), required=False, allow_null=True, default=None
    )
    order = serializers.PrimaryKeyRelatedField(
        queryset=_orders(), required=False, allow_null=True, default=None
    )
    survey = serializers.PrimaryKeyRelatedField(
        queryset=_surveys(), required=False, allow_null=True, default=None
    )
    return_visit = serializers.PrimaryKeyRelatedField(
        queryset=_visits(), required=False, allow_null=True, default=None
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    resolved_on_spot = serializers.BooleanField(required=False, default=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ComplaintAssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ComplaintReportSerializer(serializers.Serializer):
    report_note = serializers.CharField(max_length=2000)


class ComplaintInvestigateSerializer(serializers.Serializer):
    cause = serializers.CharField(max_length=4000)
    proposal = serializers.CharField(max_length=4000)


class ComplaintReferSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    specialist = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )


class ComplaintResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=4000)
    customer_satisfied = serializers.BooleanField(required=False, allow_null=True, default=None)


class ComplaintReplyCreateSerializer(serializers.Serializer):
    text = serializers.CharField()
    sent_via = serializers.ChoiceField(choices=REPLY_VIA_CHOICES)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ComplaintCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ComplaintReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


ACTION_SERIALIZERS = {
    "assign": ComplaintAssignSerializer,
    "report": ComplaintReportSerializer,
    "investigate": ComplaintInvestigateSerializer,
    "refer": ComplaintReferSerializer,
    "resolve": ComplaintResolveSerializer,
    "reply": ComplaintReplyCreateSerializer,
    "close": ComplaintCloseSerializer,
    "reopen": ComplaintReopenSerializer,
}


class ComplaintViewSet(
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """CMP-3: the complaints in reach; registered from any channel (create); each step a
    POST action (CMP-1, CMP-4, CMP-5, FUP-4)."""

    serializer_class = ComplaintSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [workflow.VIEW], "create": [workflow.ADD]}
    filterset_fields = ["status", "severity", "channel", "complaint_class", "owner", "org_unit"]
    search_fields = ["number", "subject", "complainant_name", "complainant_phone"]
    ordering_fields = ["received_at", "report_due_at", "resolve_due_at"]
    queryset = Complaint.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            services.visible_complaints(self.request.user)
            .select_related("complaint_class")
            .prefetch_related("notes", "replies")
            .order_by("-received_at", "-pk")
        )

    def get_object(self):
        """A complaint outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            Complaint.objects.select_related("complaint_class", "org_unit", "owner")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        services.require_complaint_reach(self.request.user, found)
        return found

    def _answer(self, complaint, status=200):
        complaint = self.get_queryset().get(pk=complaint.pk)
        return Response(
            ComplaintSerializer(complaint, context={"request": self.request}).data, status=status
        )

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request, *args, **kwargs):
        """CMP-3: register a complaint (deadlines from its class, CMP-4; severe → the
        company managers at once, FUP-4; resolved on the spot → resolved, CMP-1)."""
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.register_complaint(actor=request.user, **data.validated_data)
        return self._answer(complaint, status=201)

    def _step(self, request, name):
        complaint = self.get_object()
        # The person's right first (SEC-5): a refused step is a 403, whatever the body says.
        workflow.require_actor(complaint, name, request.user)
        data = ACTION_SERIALIZERS[name](data=request.data)
        data.is_valid(raise_exception=True)
        result = services.ACTIONS[name](
            actor=request.user, complaint=complaint, **data.validated_data
        )
        return self._answer(result.complaint if isinstance(result, ComplaintReply) else result)

    @extend_schema(request=ComplaintAssignSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """CMP-4: another designated owner (someone with the right to handle complaints)."""
        return self._step(request, "assign")

    @extend_schema(request=ComplaintReportSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """CMP-1: reported to the company (the company managers are told)."""
        return self._step(request, "report")

    @extend_schema(request=ComplaintInvestigateSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        """CMP-1: the cause found and the resolution proposed."""
        return self._step(request, "investigate")

    @extend_schema(request=ComplaintReferSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        """CMP-5: a dispute goes to the complaint specialist team."""
        return self._step(request, "refer")

    @extend_schema(request=ComplaintResolveSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """CMP-1: how it was resolved, whether the customer is satisfied."""
        return self._step(request, "resolve")

    @extend_schema(request=ComplaintReplyCreateSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """CMP-4, FUP-4: the written reply to the customer (顾客来函处理回复单)."""
        return self._step(request, "reply")

    @extend_schema(request=ComplaintCloseSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Closes a resolved complaint; refused while a written reply it needs is missing."""
        return self._step(request, "close")

    @extend_schema(request=ComplaintReopenSerializer, responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """A resolved or closed complaint is investigated again."""
        return self._step(request, "reopen")


class ComplaintReplyViewSet(
    AccessLoggedRetrieveMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """CMP-4: a written reply and its PDF (顾客来函处理回复单)."""

    serializer_class = ComplaintReplySerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [workflow.VIEW]}
    queryset = ComplaintReply.objects.none()

    def get_object(self):
        pk = str(self.kwargs["pk"])
        found = (
            ComplaintReply.objects.select_related("complaint")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        services.require_complaint_reach(self.request.user, found.complaint)
        return found

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        from aftersales.complaints.reply_pdf import render_reply

        reply = self.get_object()
        record_access(request, "print", reply)
        response = HttpResponse(render_reply(reply), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{reply.number}.pdf"'
        return response


class ViolationSerializer(serializers.ModelSerializer):
    complaint_number = serializers.CharField(
        source="complaint.number", read_only=True, allow_null=True
    )

    class Meta:
        model = Violation
        fields = [
            "id",
            "person",
            "rule_id",
            "as_head",
            "complaint",
            "complaint_number",
            "occurrence",
            "fine",
            "dismissal_proposed",
            "description",
            "occurred_at",
        ]
        read_only_fields = fields


class ViolationViewSet(viewsets.ReadOnlyModelViewSet):
    """CMP-2, STF-3: violations recorded, with their fines (read only)."""

    serializer_class = ViolationSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [workflow.VIEW_VIOLATIONS]}
    filterset_fields = ["person", "rule_id", "as_head", "dismissal_proposed"]
    ordering_fields = ["occurred_at", "fine"]
    queryset = Violation.objects.none()

    def get_queryset(self):
        user = self.request.user
        return (
            Violation.objects.filter(
                Q(complaint__in=services.complaints_in_reach(user).values("pk"))
                | Q(complaint__isnull=True, person=user)
            )
            .select_related("complaint")
            .order_by("-occurred_at", "-pk")
        )


def register(router) -> None:
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("complaint-replies", ComplaintReplyViewSet, basename="complaint-reply")
    router.register("violations", ViolationViewSet, basename="violation")
