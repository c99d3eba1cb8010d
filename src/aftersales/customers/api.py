"""API of customer files and contacts: reach-limited reads, writes through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from aftersales.accounts.models import OrgUnit, Region
from aftersales.accounts.reach import require_reach
from aftersales.api.permissions import ModelPermissions
from aftersales.audit.api import AccessLoggedListMixin, AccessLoggedRetrieveMixin
from aftersales.audit.models import AccessAction
from aftersales.audit.services import record_access
from aftersales.core.permissions import require_perm
from aftersales.customers import privacy, services
from aftersales.customers.filtersets import CustomerFilter, with_key_figures
from aftersales.customers.models import Contact, Customer


class ChangeOnPostPermissions(ModelPermissions):
    """For actions that change an existing record by POST (deactivate, reactivate)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class CustomerSerializer(serializers.ModelSerializer):
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True
    )
    owner_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(),
        required=False,
        help_text=_("Empty on create: the creator's own unit."),
    )
    units_count = serializers.IntegerField(read_only=True)
    contacts_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "entity",
            "credit_code",
            "phone",
            "email",
            "address",
            "business_content",
            "credit",
            "credit_limit",
            "relationship",
            "service_tier",
            "region",
            "owner_unit",
            "notes",
            "is_active",
            "anonymised_at",
            "units_count",
            "contacts_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "is_active", "anonymised_at", "created_at", "updated_at"]
        # The service checks uniqueness of the credit code with its own message.
        validators: list = []
        extra_kwargs = {"credit_code": {"validators": []}}


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "position",
            "phone",
            "email",
            "is_primary",
            "birthday",
            "interests",
            "personal_consent",
            "consent_on",
            "consent_purpose",
            "anonymised_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["anonymised_at", "created_at", "updated_at"]

    def validate_customer(self, value):
        if self.instance is not None and value.pk != self.instance.customer_id:
            raise serializers.ValidationError(_("A contact cannot be moved to another customer."))
        return value


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AnonymiseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text=_("The person's request: when and how it came.")
    )


class PersonalDataMixin:
    """SEC-3 actions of a person's record: everything held about them, and anonymisation.
    The subclass says how: ``_personal_data(obj)`` and ``_anonymise(obj, reason)``."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(
        detail=True,
        methods=["get"],
        url_path="personal-data",
        permission_classes=[IsAuthenticated],
    )
    def personal_data(self, request, pk=None):
        """Everything held about the person (SEC-3): tables, fields and rows, as JSON."""
        require_perm(request.user, privacy.EXPORT_PERSONAL_DATA)
        obj = self.get_object()
        data = self._personal_data(obj)
        rows = sum(len(section["rows"]) for section in data["sections"])
        record_access(
            request,
            AccessAction.EXPORT,
            obj,
            what=_("personal data (%(format)s), %(rows)s rows") % {"format": "API", "rows": rows},
        )
        return Response(data)

    @extend_schema(request=AnonymiseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def anonymise(self, request, pk=None):
        """Anonymise the person on their request (SEC-3): their details replaced everywhere,
        the business records kept. Once; the reason is required."""
        require_perm(request.user, privacy.ANONYMISE)
        obj = self.get_object()
        reason = AnonymiseSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        done = self._anonymise(obj, reason.validated_data["reason"])
        return Response(self.get_serializer(done).data)


class ServiceViewMixin:
    """Detail endpoints: an existing object outside reach is a 403 with the reason, not a 404.

    Service errors become 400 with field errors here too (the shared handler reads
    ``error_dict`` values as if they were single errors; see the helper's report).
    """

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            if hasattr(exc, "error_dict"):
                detail = {
                    ("non_field_errors" if field == "__all__" else field): messages
                    for field, messages in exc.message_dict.items()
                }
            else:
                detail = {"non_field_errors": exc.messages}
            exc = serializers.ValidationError(detail)
        return super().handle_exception(exc)

    def get_object(self):
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = self.get_detail_queryset().filter(**{self.lookup_field: lookup}).first()
        if obj is None:
            from django.http import Http404

            raise Http404
        require_reach(self.request.user, obj, type(obj).objects)
        self.check_object_permissions(self.request, obj)
        return obj


class CustomerViewSet(
    ServiceViewMixin,
    PersonalDataMixin,
    AccessLoggedListMixin,
    AccessLoggedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customer files (CUS-1, CUS-5). No delete: deactivate instead."""

    serializer_class = CustomerSerializer
    permission_classes = [ModelPermissions]
    queryset = Customer.objects.all()
    filterset_class = CustomerFilter
    ordering_fields = ["code", "name", "created_at"]
    ordering = ["code"]
    access_list_label = _("Customer list (API)")

    def get_queryset(self):
        return with_key_figures(Customer.objects.visible_to(self.request.user))

    def get_detail_queryset(self):
        return with_key_figures(Customer.objects.all())

    def _fresh(self, customer: Customer) -> Customer:
        return self.get_detail_queryset().get(pk=customer.pk)

    def _personal_data(self, customer):
        return privacy.personal_data(actor=self.request.user, customer=customer)

    def _anonymise(self, customer, reason):
        privacy.anonymise_customer(actor=self.request.user, customer=customer, reason=reason)
        return self._fresh(customer)

    def perform_create(self, serializer):
        customer = services.create_customer(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._fresh(customer)

    def perform_update(self, serializer):
        customer = services.update_customer(
            actor=self.request.user, customer=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self._fresh(customer)

    def _set_active(self, request, service):
        customer = self.get_object()
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        service(
            actor=request.user,
            customer=customer,
            reason=reason.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(self._fresh(customer)).data)

    @extend_schema(request=ReasonSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPostPermissions])
    def deactivate(self, request, pk=None):
        """Close the customer file (kept with its history)."""
        return self._set_active(request, services.deactivate_customer)

    @extend_schema(request=ReasonSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPostPermissions])
    def reactivate(self, request, pk=None):
        """Reopen a deactivated customer file."""
        return self._set_active(request, services.reactivate_customer)


class ContactViewSet(
    ServiceViewMixin,
    PersonalDataMixin,
    AccessLoggedListMixin,
    AccessLoggedRetrieveMixin,
    viewsets.ModelViewSet,
):
    """Contacts of customers (CUS-5); filter with ?customer=<id>."""

    serializer_class = ContactSerializer
    permission_classes = [ModelPermissions]
    queryset = Contact.objects.all()
    filterset_fields = ["customer", "is_primary"]
    search_fields = ["name", "phone"]
    access_list_label = _("Contact list (API)")

    def _personal_data(self, contact):
        return privacy.personal_data(
            actor=self.request.user, customer=contact.customer, contact=contact
        )

    def _anonymise(self, contact, reason):
        return privacy.anonymise_contact(actor=self.request.user, contact=contact, reason=reason)

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).select_related("customer")

    def get_detail_queryset(self):
        return Contact.objects.select_related("customer")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.add_contact(
            actor=self.request.user, customer=customer, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("customer", None)
        serializer.instance = services.update_contact(
            actor=self.request.user, contact=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.remove_contact(actor=self.request.user, contact=instance)


def register(router) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("contacts", ContactViewSet, basename="contact")
