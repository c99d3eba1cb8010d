"""API of service orders: reach-limited reads; intake and every transition through the services."""

import copy

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from aftersales.accounts.models import OrgUnit, User
from aftersales.api.permissions import ModelPermissions
from aftersales.core.dataurl import decode_image_text
from aftersales.core.permissions import require_perm
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service import sanbao, search, services, workflow
from aftersales.service.models import (
    Channel,
    FaultType,
    OrderAttachment,
    OrderType,
    PlanMode,
    ServiceKind,
    ServiceOrder,
)


class ServiceOrderSerializer(serializers.ModelSerializer):
    # Declared: a read-only model field loses allow_blank, and the schema's enum then lacks
    # the "" an order without a plan has.
    plan_mode = serializers.ChoiceField(
        label=ServiceOrder._meta.get_field("plan_mode").verbose_name,
        choices=PlanMode.choices,
        allow_blank=True,
        read_only=True,
    )
    actions = serializers.SerializerMethodField(
        help_text=_("The actions the caller may take on the order now.")
    )
    fault_type_name = serializers.CharField(
        source="fault_type.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("EXC-5: the name of the fault type."),
    )

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "number",
            "status",
            "order_type",
            "channel",
            "org_unit",
            "customer",
            "unit",
            "contact_name",
            "contact_phone",
            "address",
            "description",
            "fault_type",
            "fault_type_name",
            "quality_problem",
            "received_at",
            "received_by",
            "forwarded_by",
            "forwarded_at",
            "service_kind",
            "service_kind_reason",
            "service_kind_overridden",
            "technician",
            "plan_mode",
            "diagnosis",
            "plan_notes",
            "self_replace_consent_at",
            "appointment_at",
            "waiting_reason",
            "result",
            "cancel_reason",
            "duplicate_of",
            "merged_into",
            "escalated_from",
            "escalated_at",
            "dispatched_at",
            "contacted_at",
            "planned_at",
            "started_at",
            "completed_at",
            "closed_at",
            "actions",
        ]
        read_only_fields = fields

    def get_actions(self, order) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        page_actions = self.context.get("actions_by_order")
        if page_actions is not None and order.pk in page_actions:
            return page_actions[order.pk]
        return workflow.actions_for(order, request.user)


# ServiceOrderListSerializer's plan: how each field is read.
_PK, _PLAIN, _STAMP, _METHOD, _BOUND, _LIVE = range(6)
# Fields that write a value without reading the serializer's context (the request).
_CONTEXT_FREE = {
    serializers.BigIntegerField,
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.PrimaryKeyRelatedField,
    serializers.ReadOnlyField,
}


def _bound_value(field, instance):
    """One field as Serializer.to_representation writes it."""
    attribute = field.get_attribute(instance)
    if (attribute.pk if isinstance(attribute, PKOnlyObject) else attribute) is None:
        return None
    return field.to_representation(attribute)


class ServiceOrderListSerializer(ServiceOrderSerializer):
    """The order list's rows (issue 7): the same fields and values as ServiceOrderSerializer
    (which the schema shows), written without DRF's per-field dispatch. The fields are read
    once per process into a plan: a foreign key's id, a plain value as stored (a value of
    another type goes through its field), a time through its field, the actions from the
    method, another field that reads no context through the plan's copy of it; any other
    field through this serializer's own (bound) field, as DRF does.
    Output only: the list, and intake's 201 (OrderCreatedSerializer); the actions answer
    with the full serializer."""

    _plan: tuple | None = None

    @staticmethod
    def _plain_type(field):
        """The stored type whose values the field writes unchanged, or None."""
        kind = type(field)
        if kind is serializers.CharField:
            return str
        if kind is serializers.ChoiceField:
            return str if all(type(key) is str for key in field.choices) else None
        if kind is serializers.BigIntegerField:
            coerce = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
            return None if coerce else int
        return {serializers.BooleanField: bool, serializers.IntegerField: int}.get(kind)

    @classmethod
    def _build_plan(cls) -> tuple:
        model_fields = {f.name: f for f in ServiceOrder._meta.concrete_fields}
        plan = []
        for field in cls()._readable_fields:
            attrs = field.source_attrs
            model_field = model_fields.get(attrs[0]) if len(attrs) == 1 else None
            kind, attr, plain = _BOUND, None, None
            if isinstance(field, serializers.SerializerMethodField):
                kind, attr = _METHOD, field.method_name
            elif model_field is None:
                pass
            elif type(field) is serializers.PrimaryKeyRelatedField and field.pk_field is None:
                if model_field.many_to_one:
                    kind, attr = _PK, model_field.attname
            elif type(field) is serializers.DateTimeField:
                kind, attr = _STAMP, model_field.attname
            elif (plain := cls._plain_type(field)) is not None:
                kind, attr = _PLAIN, model_field.attname
            if kind == _BOUND and type(field) not in _CONTEXT_FREE:
                kind = _LIVE
            plan.append((field.field_name, kind, attr, plain, field))
        return tuple(plan)

    def to_representation(self, instance):
        cls = type(self)
        if cls._plan is None:
            # From a serializer without context: the plan's own fields never read it.
            cls._plan = cls._build_plan()
        row = {}
        for name, kind, attr, plain, field in cls._plan:
            if kind == _PK:
                row[name] = getattr(instance, attr)
            elif kind == _PLAIN:
                value = getattr(instance, attr)
                if value is not None and type(value) is not plain:
                    value = field.to_representation(value)
                row[name] = value
            elif kind == _STAMP:
                value = getattr(instance, attr)
                row[name] = None if value is None else field.to_representation(value)
            elif kind == _METHOD:
                row[name] = getattr(self, attr)(instance)
            elif kind == _BOUND:
                row[name] = _bound_value(field, instance)
            else:
                row[name] = _bound_value(self.fields[name], instance)
        return row


class PrototypeFieldsMixin:
    """Issue 7, on the intake path: the serializer's fields are built once per process
    (a ModelSerializer builds its ~40 from the model on every instance, a Serializer
    deep-copies its declared ones — most of the time of intake's input and output). Each
    instance binds shallow copies of these unbound prototypes: a copy has its own binding
    (name, parent) and shares the options, which neither validation nor output changes."""

    _prototypes = None

    def get_fields(self):
        cls = type(self)
        if cls.__dict__.get("_prototypes") is None:
            cls._prototypes = super().get_fields()
        return {name: copy.copy(field) for name, field in cls._prototypes.items()}


class OrderCreatedSerializer(ServiceOrderListSerializer):
    """The 201 of intake: exactly ServiceOrderSerializer's fields and values (what the
    schema documents), written by the list's per-process plan (issue 7: no fields bound
    per request)."""


class IntakeSerializer(PrototypeFieldsMixin, serializers.Serializer):
    # The handling unit comes with the customer (intake reads it; issue 7: one query less).
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.select_related("owner_unit")
    )
    # …and the unit with its model (the warranty's basis and length, FEE-1).
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.select_related("product_model"), required=False, allow_null=True
    )
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    description = serializers.CharField(max_length=5000)
    fault_type = serializers.PrimaryKeyRelatedField(
        queryset=FaultType.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("EXC-5: the kind of fault (an active fault type), if known at intake."),
    )
    quality_problem = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("REQ-7: a repair of a fault of the product itself (on site the next day)."),
    )
    received_at = serializers.DateTimeField(
        required=False,
        help_text=_("When the customer reached us (default: now); the clocks start from it."),
    )
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    forwarded_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("REQ-3: the salesperson or branch person who passed the request on."),
    )
    forwarded_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When it was passed on (default for forward channels: now)."),
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "REQ-9: file the order even though open orders exist for the same unit or phone."
        ),
    )


def _technicians():
    return User.objects.filter(is_active=True)


class TechnicianSerializer(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=_technicians())


class ReassignSerializer(TechnicianSerializer):
    reason = serializers.CharField(max_length=500)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PlanSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=PlanMode.choices)
    diagnosis = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    details = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    customer_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "SVC-2 (a): the customer agrees and was told the assembly points and that "
            "damage from wrong assembly is theirs."
        ),
    )


class OrderReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MergeSerializer(serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOrder.objects.all(), help_text=_("The open order this one repeats.")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CandidateSerializer(serializers.Serializer):
    """SVC-8: a technician as the dispatcher weighs them."""

    technician = serializers.IntegerField(source="technician.pk")
    name = serializers.CharField(source="technician.__str__")
    org_unit = serializers.CharField(source="technician.org_unit.__str__", allow_null=True)
    region = serializers.SerializerMethodField()
    open_load = serializers.IntegerField()
    next_appointment = serializers.DateTimeField(allow_null=True)
    skills = serializers.ListField(child=serializers.CharField())
    skill_match = serializers.BooleanField(allow_null=True)
    same_region = serializers.BooleanField(allow_null=True)

    def get_region(self, c) -> str | None:
        return str(c.technician.region) if c.technician.region_id else None


class CompleteSerializer(serializers.Serializer):
    """SVC-4: what was done and the customer's signature (or the signed paper voucher)."""

    result = serializers.CharField(max_length=5000)
    signature = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The drawn signature: a PNG or JPEG as a data URL or base64."),
    )
    signer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    paper_voucher = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("A scan of the signed paper voucher: PNG or JPEG, as a data URL or base64."),
    )
    customer_comments = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def _image(self, value):
        try:
            return decode_image_text(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("Send the image as a data URL or base64.")) from exc

    validate_signature = _image
    validate_paper_voucher = _image


class EmptySerializer(serializers.Serializer):
    pass


class KindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    reason = serializers.CharField(max_length=2000)


# action name → its input serializer; the fields are named like the service's arguments
ACTIONS = {
    "dispatch": TechnicianSerializer,
    "reassign": ReassignSerializer,
    "contact": NoteSerializer,
    "plan": PlanSerializer,
    "start": EmptySerializer,
    "wait_parts": OrderReasonSerializer,
    "wait_customer": OrderReasonSerializer,
    "resume": EmptySerializer,
    "complete": CompleteSerializer,
    "escalate": OrderReasonSerializer,
    "merge": MergeSerializer,
    "close": EmptySerializer,
    "cancel": OrderReasonSerializer,
    "reopen": OrderReasonSerializer,
}
assert set(ACTIONS) == set(workflow.TRANSITIONS), "every transition has an endpoint"


class OrderSearchFilter(filters.SearchFilter):
    """``?search=``: the work queue's keyword search (one indexed column, service/search.py)
    instead of a LIKE over every field."""

    def filter_queryset(self, request, queryset, view):
        terms = request.query_params.get(self.search_param, "")
        return search.matching(queryset, terms) if terms.strip() else queryset

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = str(
                _("Order no., contact, phone (or its digits), customer, serial number, fault words")
            )
        return parameters


class ServiceOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Service orders in the caller's reach (ORG-3). Status changes only through the actions."""

    serializer_class = ServiceOrderSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["status", "order_type", "channel", "org_unit", "technician", "customer"]
    filter_backends = [DjangoFilterBackend, OrderSearchFilter, filters.OrderingFilter]
    search_fields = ["search_text"]  # for the schema; OrderSearchFilter does the search
    ordering_fields = ["received_at", "number"]
    queryset = ServiceOrder.objects.none()  # for the schema; get_queryset is reach-limited

    def get_queryset(self):
        return (
            ServiceOrder.objects.visible_to(self.request.user)
            .select_related("customer", "unit", "technician", "org_unit", "fault_type")
            .order_by("-received_at")
        )

    def list(self, request, *args, **kwargs):
        """The page's orders with their actions, worked out for the page at once (issue 7:
        the query count does not grow with the page length)."""
        # Of the related rows, the list reads only these (the actions: the handling unit's
        # kind; the fault type's name): fewer columns to select and rows to build.
        queryset = self.get_queryset().select_related(None).select_related("org_unit", "fault_type")
        queryset = self.filter_queryset(queryset)
        page = self.paginate_queryset(queryset)
        orders = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "actions_by_order": workflow.actions_for_many(orders, request.user),
        }
        # The schema shows get_serializer_class(); the list writes the same rows faster.
        data = ServiceOrderListSerializer(orders, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_object(self):
        """An order outside reach is a 403 that says why, not a 404."""
        pk = self.kwargs["pk"]
        if not str(pk).isdigit() or not ServiceOrder.objects.filter(pk=pk).exists():
            return super().get_object()  # 404
        order = self.get_queryset().filter(pk=pk).first()
        if order is None:
            raise PermissionDenied(
                _("This order belongs to another organisation unit outside your reach.")
            )
        return order

    @extend_schema(request=IntakeSerializer, responses={201: ServiceOrderSerializer})
    def create(self, request, *args, **kwargs):
        """Record a request (REQ-1, REQ-2)."""
        data = IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.receive_order(actor=request.user, **data.validated_data)
        created = OrderCreatedSerializer(order, context=self.get_serializer_context())
        return Response(created.data, status=201)


def _action_view(name: str, input_serializer):
    def run(self, request, pk=None):
        order = self.get_object()
        # The right to the step before the body: a 403, not field errors, when it is missing.
        workflow.require_actor(order, name, request.user)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.perform(name, actor=request.user, order=order, **data.validated_data)
        return Response(ServiceOrderSerializer(changed, context={"request": request}).data)

    run.__name__ = f"{name}_order"
    run.__doc__ = f"Workflow action “{name}” (see the transitions table)."
    return extend_schema(request=input_serializer, responses={200: ServiceOrderSerializer})(
        # Reading the order needs view; the service checks the action's own right.
        action(
            detail=True,
            methods=["post"],
            url_path=name.replace("_", "-"),
            permission_classes=[ViewPermission],
        )(run)
    )


class ViewPermission(ModelPermissions):
    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


# Named "<action>_order": a method called "dispatch" would replace the view's own dispatch().
for _name, _input in ACTIONS.items():
    setattr(ServiceOrderViewSet, f"{_name}_order", _action_view(_name, _input))


@extend_schema(request=KindSerializer, responses={200: ServiceOrderSerializer})
@action(detail=True, methods=["post"], url_path="service-kind", permission_classes=[ViewPermission])
def override_kind(self, request, pk=None):
    """FEE-1: set the service kind by hand, with the reason."""
    order = self.get_object()
    require_perm(request.user, "service.override_service_kind")
    data = KindSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    changed = services.override_service_kind(actor=request.user, order=order, **data.validated_data)
    return Response(ServiceOrderSerializer(changed, context={"request": request}).data)


ServiceOrderViewSet.override_kind = override_kind


def register(router) -> None:
    router.register("orders", ServiceOrderViewSet, basename="serviceorder")
    router.register("fault-types", FaultTypeViewSet, basename="faulttype")


@extend_schema(responses={200: CandidateSerializer(many=True)})
# A plain list, not paged or filtered like the orders: without these the schema says so.
@action(
    detail=True, methods=["get"], url_path="candidates", pagination_class=None, filter_backends=[]
)
def candidates(self, request, pk=None):
    """SVC-8: who may take the order, best first, with load, next appointment, region, skills."""
    order = self.get_object()
    found = services.dispatch_candidates(order, actor=request.user)
    return Response(CandidateSerializer(found, many=True).data)


ServiceOrderViewSet.candidates = candidates


# --- REQ-2: photos and attachments ---------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("Where the file is served (same reach check as the order).")
    )

    class Meta:
        model = OrderAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "caption",
            "uploaded_by",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        from django.urls import reverse

        return reverse("service:order_attachment", args=[attachment.order_id, attachment.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A PNG or JPEG photo or a PDF, judged by its content.")
    )
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema(methods=["GET"], responses={200: AttachmentSerializer(many=True)})
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": AttachmentUploadSerializer},
    responses={201: AttachmentSerializer},
)
@action(
    detail=True,
    methods=["get", "post"],
    url_path="attachments",
    # Reading the order needs view; the service checks who may add files.
    permission_classes=[ViewPermission],
    parser_classes=[MultiPartParser, FormParser],
    # A plain list, not paged or filtered like the orders: without these the schema says so.
    pagination_class=None,
    filter_backends=[],
)
def attachments(self, request, pk=None):
    """REQ-2: the order's photos and files; POST adds one (multipart ``file`` and ``caption``)."""
    order = self.get_object()
    if request.method == "GET":
        return Response(AttachmentSerializer(order.attachments.all(), many=True).data)
    if not services.may_add_attachment(request.user, order):
        raise PermissionDenied(
            _("Only the order's technician, intake or dispatch may add photos and files.")
        )
    data = AttachmentUploadSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    upload = data.validated_data["file"]
    added = services.add_attachment(
        actor=request.user,
        order=order,
        # One byte past the limit is enough for the service to refuse an oversized file.
        content=upload.read(services.attachment_max_bytes() + 1),
        name=upload.name,
        caption=data.validated_data.get("caption", ""),
    )
    return Response(AttachmentSerializer(added).data, status=201)


ServiceOrderViewSet.attachments = attachments


# --- EXC-5: fault types and the 三包 entitlement ---------------------------------------------


class FaultTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaultType
        fields = ["id", "code", "name", "performance_fault", "is_active"]
        read_only_fields = fields


class FaultTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """EXC-5: the configured fault types (administrators edit them in the admin)."""

    serializer_class = FaultTypeSerializer
    permission_classes = [ModelPermissions]
    queryset = FaultType.objects.all()
    filterset_fields = ["is_active", "performance_fault"]
    search_fields = ["code", "name"]


class RemediesQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, help_text=_("The unit (its id)."))
    date = serializers.DateField(required=False, help_text=_("YYYY-MM-DD; today when left out."))
    fault_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_("The fault type: its id or its code."),
    )


class RemediesSerializer(serializers.Serializer):
    """What the owner may ask for under 三包 (EXC-5) on the date, and why."""

    unit = serializers.IntegerField()
    date = serializers.DateField()
    fault_type = serializers.CharField(allow_null=True, help_text=_("The fault type's code."))
    fault_name = serializers.CharField(allow_null=True)
    performance_fault = serializers.BooleanField(allow_null=True)
    remedies = serializers.ListField(
        child=serializers.ChoiceField(choices=sanbao.ORDER),
        help_text=_("A subset of return, exchange, repair; empty: nothing under 三包."),
    )
    remedy_labels = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    sale_date = serializers.DateField(allow_null=True)
    day_number = serializers.IntegerField(
        allow_null=True,
        help_text=_("Days after the sale, the day of sale not counted (1 March → 8 March: 7)."),
    )
    same_fault_repairs = serializers.IntegerField()
    same_fault_orders = serializers.ListField(child=serializers.CharField())
    in_warranty = serializers.BooleanField()
    warranty_end = serializers.DateField(allow_null=True)
    return_days = serializers.IntegerField()
    exchange_days = serializers.IntegerField()
    failed_repairs_needed = serializers.IntegerField()


class ThreeGuaranteesView(APIView):
    """EXC-5: the 三包 remedies of a unit on a date for a fault."""

    @extend_schema(
        summary="三包 remedies of a unit on a date for a fault, with the reasons (EXC-5)",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, required=True, description="Unit id."),
            OpenApiParameter(
                "date", OpenApiTypes.DATE, required=False, description="Default: today."
            ),
            OpenApiParameter(
                "fault_type",
                OpenApiTypes.STR,
                required=False,
                description="Fault type id or code.",
            ),
        ],
        responses={200: RemediesSerializer},
    )
    def get(self, request):
        query = RemediesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        unit = get_object_or_404(Unit, pk=data["unit"])
        answer = sanbao.unit_remedies(
            actor=request.user,
            unit=unit,
            on_date=data.get("date"),
            fault_type=data.get("fault_type") or None,
        )
        return Response(answer.as_dict())


urlpatterns = [
    path("three-guarantees/", ThreeGuaranteesView.as_view(), name="three-guarantees"),
]
