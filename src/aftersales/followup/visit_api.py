"""API of the return visits and follow-up cases (FUP-1, FUP-5).

Serializers check the shape of the input (types, lengths → 400 with field errors); the
services of ``followup.visits`` check every rule and right (a broken rule → 400, a missing
right → 403 that says why). Reads start from the orders in reach (ORG-3).
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.models import User
from aftersales.audit.api import AccessLoggedRetrieveMixin
from aftersales.audit.services import record_access
from aftersales.followup import visits
from aftersales.followup.models import CaseStatus, FollowupCase, ReturnVisit, VisitCall, VisitStatus
from aftersales.parts.line_api import NeedsOneOf


@extend_schema_field(OpenApiTypes.STR)
class TextChoiceField(serializers.ChoiceField):
    """A choice described as text in the schema: "status" and "outcome" are names other
    apps' choice sets use too."""


VISIT_STATES = gettext_lazy("due, satisfied, not_satisfied or unreachable.")


class VisitCallSerializer(serializers.ModelSerializer):
    outcome = serializers.CharField(read_only=True, help_text=VISIT_STATES)

    class Meta:
        model = VisitCall
        fields = ["id", "called_at", "called_by", "outcome", "note"]
        read_only_fields = fields


class ReturnVisitSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)
    contact_phone = serializers.CharField(source="order.contact_phone", read_only=True)
    status = serializers.CharField(read_only=True, help_text=VISIT_STATES)
    overdue = serializers.SerializerMethodField()
    calls = VisitCallSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "order",
            "order_number",
            "customer_name",
            "contact_phone",
            "status",
            "due_at",
            "next_call_at",
            "overdue",
            "attempts",
            "answers",
            "notes",
            "done_at",
            "done_by",
            "late",
            "calls",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, visit) -> bool:
        """Still to call and past its due time."""
        return visit.status == VisitStatus.DUE and visit.due_at < timezone.now()


class VisitCallInputSerializer(serializers.Serializer):
    outcome = TextChoiceField(
        choices=[(o.value, o.label) for o in visits.OUTCOMES],
        help_text=gettext_lazy("satisfied, not_satisfied or unreachable (no answer)."),
    )
    answers = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        required=False,
        default=dict,
        help_text=gettext_lazy(
            "The script's answers: question id → what the customer said. Needed (at least "
            "one) when the customer answered."
        ),
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    problem = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("For not_satisfied: what the customer is not satisfied with."),
    )
    case_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "For not_satisfied: who owns the follow-up case (default: the handling unit's "
            "branch manager)."
        ),
    )


class ReturnVisitFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=VisitStatus.choices, label="status")
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")

    class Meta:
        model = ReturnVisit
        fields = ["status", "order", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"status": VisitStatus.DUE, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class ReturnVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """FUP-1: the return visits of the orders in reach, next to call first; ``call``
    records one call and its outcome (FUP-5: not satisfied opens a follow-up case)."""

    serializer_class = ReturnVisitSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [visits.VIEW_VISITS], "call": [visits.CALL_VISITS]}
    filterset_class = ReturnVisitFilter
    search_fields = ["order__number", "order__customer__name", "order__contact_phone"]
    ordering_fields = ["next_call_at", "due_at", "done_at"]
    queryset = ReturnVisit.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            visits.visits_visible_to(self.request.user)
            .select_related("order__customer")
            .prefetch_related("calls")
            .order_by("next_call_at", "pk")
        )

    def get_object(self):
        """A visit outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = ReturnVisit.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if found is None:
            raise exceptions.NotFound()
        visits.require_visit_reach(self.request.user, found)
        return found

    def _answer(self, visit):
        visit = (
            ReturnVisit.objects.select_related("order__customer")
            .prefetch_related("calls")
            .get(pk=visit.pk)
        )
        return Response(ReturnVisitSerializer(visit).data)

    def retrieve(self, request, *args, **kwargs):
        visit = self.get_object()
        record_access(request, "view", visit)  # CUS-8: call logs are secret
        return self._answer(visit)

    @extend_schema(request=VisitCallInputSerializer, responses={200: ReturnVisitSerializer})
    @action(detail=True, methods=["post"])
    def call(self, request, pk=None):
        """FUP-1, FUP-5: one call of the visit. unreachable: tried again later, closed as
        unreachable after the last allowed call; satisfied / not_satisfied: the visit is
        done with the script's answers; not_satisfied opens a follow-up case. A finished
        visit closes its completed order (for a caller who may close orders)."""
        visit = self.get_object()
        data = VisitCallInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            visits.record_call(actor=request.user, visit=visit, **data.validated_data)
        )


class FollowupCaseSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    status = serializers.CharField(read_only=True, help_text=gettext_lazy("open or resolved."))
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowupCase
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "visit",
            "status",
            "problem",
            "owner",
            "due_at",
            "overdue",
            "resolution",
            "resolved_at",
            "resolved_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, case) -> bool:
        return case.status == CaseStatus.OPEN and case.due_at < timezone.now()


class CaseResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        max_length=2000, help_text=gettext_lazy("What was done for the customer.")
    )


class CaseReassignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FollowupCaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label="status")
    order = django_filters.NumberFilter(field_name="order_id", label="order")
    owner = django_filters.NumberFilter(field_name="owner_id", label="owner")

    class Meta:
        model = FollowupCase
        fields = ["status", "order", "owner"]


class FollowupCaseViewSet(
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """FUP-5: the follow-up cases of the orders in reach and one's own; ``resolve`` by the
    owner (or a holder of the right to resolve any case), ``reassign`` to another owner."""

    serializer_class = FollowupCaseSerializer
    permission_classes = [NeedsOneOf]
    needed = {"*": [visits.VIEW_CASES], "resolve": [], "reassign": [visits.RESOLVE_CASES]}
    filterset_class = FollowupCaseFilter
    search_fields = ["number", "order__number"]
    ordering_fields = ["due_at", "created_at"]
    queryset = FollowupCase.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            visits.cases_visible_to(self.request.user)
            .select_related("order")
            .order_by("status", "due_at", "pk")
        )

    def get_object(self):
        pk = str(self.kwargs["pk"])
        found = (
            FollowupCase.objects.select_related("order")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        if not visits.may_see_case(self.request.user, found):
            raise exceptions.PermissionDenied(
                gettext_lazy("This case belongs to another organisation unit outside your reach.")
            )
        return found

    def _answer(self, case):
        case = FollowupCase.objects.select_related("order").get(pk=case.pk)
        return Response(FollowupCaseSerializer(case).data)

    @extend_schema(request=CaseResolveSerializer, responses={200: FollowupCaseSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """FUP-5, SEC-5: record what was done for the customer (who and when are kept)."""
        case = self.get_object()
        if not visits.may_resolve(request.user, case):
            raise exceptions.PermissionDenied(
                gettext_lazy(
                    "Only the case's owner or someone with the right “%(perm)s” may resolve it."
                )
                % {"perm": visits.RESOLVE_CASES}
            )
        data = CaseResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            visits.resolve_case(
                actor=request.user, case=case, resolution=data.validated_data["resolution"]
            )
        )

    @extend_schema(request=CaseReassignSerializer, responses={200: FollowupCaseSerializer})
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """FUP-5: hand an open case to another owner, who is told."""
        case = self.get_object()
        data = CaseReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            visits.reassign_case(
                actor=request.user,
                case=case,
                owner=data.validated_data["owner"],
                reason=data.validated_data["reason"],
            )
        )


def register(router) -> None:
    router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
    router.register("followup-cases", FollowupCaseViewSet, basename="followup-case")
