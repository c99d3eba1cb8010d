"""API of the customer's money (FEE-3, FEE-5, FIN-2): payments (collect on site, register,
notify, void), cash hand-overs and invoices.

Serializers check the shape of the input (400 with field errors); the services of
``charges.money`` check every rule and right (a broken rule → 400, a missing right → 403
that says why). Reads start from the orders in reach (ORG-3).
"""

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts.models import User
from aftersales.api.permissions import ReachDeniedMixin
from aftersales.charges import money
from aftersales.charges.models import (
    CashHandover,
    CustomerPayment,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    PaymentSource,
)
from aftersales.charges.money_forms import InvoiceFilter, PaymentFilter
from aftersales.parts.line_api import NeedsOneOf
from aftersales.service.models import ServiceOrder
from aftersales.service.services import require_order_reach

VIEW_PAYMENTS = ["charges.view_customerpayment", money.COLLECT, money.REGISTER]


def _orders_in_reach(user):
    return ServiceOrder.objects.visible_to(user).values("pk")


def _money_field(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


# --- payments ------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    handover_number = serializers.CharField(
        source="handover.number", read_only=True, allow_null=True
    )
    notice = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            'FEE-5: "" (collected on site), "in_time", "late" (told after the due time), '
            '"due" (not yet told, still in time) or "overdue" (not told, past the due time).'
        )
    )
    late = serializers.SerializerMethodField(
        help_text=gettext_lazy("The technician was told late, or is not told and it is late.")
    )

    class Meta:
        model = CustomerPayment
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "source",
            "method",
            "amount",
            "payer",
            "reference",
            "received_at",
            "received_by",
            "notify_due_at",
            "notified_at",
            "notice",
            "late",
            "overdue_noticed_at",
            "handover",
            "handover_number",
            "voided_at",
            "voided_by",
            "void_reason",
            "note",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["", "in_time", "late", "due", "overdue"]))
    def get_notice(self, obj) -> str:
        return money.notice_state(obj)

    def get_late(self, obj) -> bool:
        return money.is_late(obj)


class PaymentCollectSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    amount = _money_field(help_text=gettext_lazy("At most what the customer still owes."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PaymentRegisterSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    amount = _money_field()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    received_at = serializers.DateTimeField(
        help_text=gettext_lazy(
            "When the money arrived (not in the future): the technician is to be told within "
            "AFTERSALES_PAYMENT_NOTICE_HOURS (12) of it."
        )
    )
    payer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notify = serializers.BooleanField(
        default=True, help_text=gettext_lazy("Tell the order's technician now (FEE-5).")
    )


class MoneyReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer payments of the orders in reach: receipts collected on site (FEE-3) and
    payments registered by finance (FEE-5). A technician reads their own receipts and the
    payments of their orders."""

    serializer_class = PaymentSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": VIEW_PAYMENTS,
        "collect": [money.COLLECT],
        "register": [money.REGISTER],
        "notify": [money.REGISTER],
        "void": [money.REGISTER],
    }
    filterset_class = PaymentFilter
    search_fields = ["number", "order__number", "payer", "reference"]
    ordering_fields = ["received_at", "amount", "number"]
    queryset = CustomerPayment.objects.none()  # for the schema; get_queryset is reach-limited

    def _own_only(self) -> bool:
        user = self.request.user
        return user.has_perm(money.COLLECT) and not user.has_perm(money.REGISTER)

    def get_queryset(self):
        user = self.request.user
        found = CustomerPayment.objects.filter(order__in=_orders_in_reach(user))
        if self._own_only():
            found = found.filter(Q(received_by=user) | Q(order__technician=user))
        return found.select_related("order", "handover").order_by("-received_at", "-pk")

    def get_object(self):
        """A payment outside reach is a 403 that says why, not a 404."""
        pk = str(self.kwargs["pk"])
        found = (
            CustomerPayment.objects.select_related("order", "handover")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        if self._own_only() and self.request.user.pk not in (
            found.received_by_id,
            found.order.technician_id,
        ):
            raise exceptions.PermissionDenied(_("This payment is not on one of your orders."))
        return found

    def _answer(self, payment, status=200):
        payment = CustomerPayment.objects.select_related("order", "handover").get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data, status=status)

    @extend_schema(request=PaymentCollectSerializer, responses={201: PaymentSerializer})
    @action(detail=False, methods=["post"])
    def collect(self, request):
        """FEE-3: the order's technician (or dispatch) collects on site; a numbered receipt
        (SJ-…) is made. Not more than the customer owes."""
        data = PaymentCollectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = money.collect_on_site(actor=request.user, **data.validated_data)
        return self._answer(payment, status=201)

    @extend_schema(request=PaymentRegisterSerializer, responses={201: PaymentSerializer})
    @action(detail=False, methods=["post"])
    def register(self, request):
        """FEE-5: finance registers money that arrived (SK-…), with when it arrived; with
        ``notify`` the technician is told at once. Receivables of the order are settled when
        the money finance holds covers the charges (FIN-2)."""
        data = PaymentRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = money.register_payment(actor=request.user, **data.validated_data)
        return self._answer(payment, status=201)

    @extend_schema(request=None, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def notify(self, request, pk=None):
        """FEE-5: tell the order's technician the money arrived — once."""
        payment = self.get_object()
        return self._answer(money.notify_technician(actor=request.user, payment=payment))

    @extend_schema(request=MoneyReasonSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void a wrong payment with the reason (never once handed over to finance)."""
        payment = self.get_object()
        data = MoneyReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            money.void_payment(actor=request.user, payment=payment, **data.validated_data)
        )


# --- cash hand-overs -----------------------------------------------------------------------


class CashHandoverSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = CashHandover
        fields = ["id", "number", "technician", "received_by", "received_at", "total", "note"]
        fields += ["payments"]
        read_only_fields = fields


class CashHandoverCreateSerializer(serializers.Serializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    payments = serializers.PrimaryKeyRelatedField(
        queryset=CustomerPayment.objects.filter(source=PaymentSource.ON_SITE),
        many=True,
        allow_empty=False,
        help_text=gettext_lazy("The technician's receipts the money is for."),
    )
    counted_total = _money_field(
        help_text=gettext_lazy("The money finance counted: must equal the receipts to the cent.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class HandoverViewSet(
    ReachDeniedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """FEE-3: cash handed over by technicians to finance, with the receipts it covers.
    A technician reads their own hand-overs."""

    serializer_class = CashHandoverSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": ["charges.view_cashhandover", money.HAND_OVER, money.COLLECT],
        "create": [money.HAND_OVER],
    }
    filterset_fields = ["technician", "received_by"]
    ordering_fields = ["received_at", "total"]
    queryset = CashHandover.objects.none()  # for the schema

    def get_queryset(self):
        user = self.request.user
        found = CashHandover.objects.prefetch_related(
            Prefetch(
                "payments",
                queryset=CustomerPayment.objects.select_related("order", "handover").order_by("pk"),
            )
        )
        if not (user.has_perm("charges.view_cashhandover") or user.has_perm(money.HAND_OVER)):
            found = found.filter(technician=user)
        return found.order_by("-received_at", "-pk")

    @extend_schema(request=CashHandoverCreateSerializer, responses={201: CashHandoverSerializer})
    def create(self, request, *args, **kwargs):
        """FEE-3, SEC-5: finance receives a technician's cash against their receipts; the
        counted total must match to the cent, and the receiver is not the technician."""
        data = CashHandoverCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = money.hand_over_cash(actor=request.user, **data.validated_data)
        return Response(
            CashHandoverSerializer(self.get_queryset().get(pk=handover.pk)).data, status=201
        )


# --- invoices ------------------------------------------------------------------------------


class InvoiceSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "order",
            "order_number",
            "status",
            "title",
            "tax_number",
            "amount",
            "number",
            "requested_by",
            "issued_at",
            "issued_by",
            "cancel_reason",
            "created_at",
        ]
        read_only_fields = fields


class InvoiceCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=ServiceOrder.objects.all())
    title = serializers.CharField(max_length=200)
    tax_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    amount = _money_field(
        help_text=gettext_lazy("At most the money paid less what is already invoiced.")
    )


class InvoiceIssueSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text=gettext_lazy("The invoice no."))


class InvoiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """FEE-3: invoices of the orders in reach — asked for, issued with their number, or
    cancelled. Those to issue come first."""

    serializer_class = InvoiceSerializer
    permission_classes = [NeedsOneOf]
    needed = {
        "*": ["charges.view_invoice"],
        "create": [money.REQUEST_INVOICE],
        "issue": [money.ISSUE_INVOICE],
        "cancel": [money.ISSUE_INVOICE],
    }
    filterset_class = InvoiceFilter
    ordering_fields = ["created_at", "issued_at", "amount"]
    queryset = Invoice.objects.none()  # for the schema

    def get_queryset(self):
        from django.db.models import Case, Value, When

        return (
            Invoice.objects.filter(order__in=_orders_in_reach(self.request.user))
            .select_related("order")
            .annotate(
                waiting=Case(When(status=InvoiceStatus.TO_ISSUE, then=Value(0)), default=Value(1))
            )
            .order_by("waiting", "-created_at", "-pk")
        )

    def get_object(self):
        pk = str(self.kwargs["pk"])
        found = (
            Invoice.objects.select_related("order")
            .filter(pk=int(pk) if pk.isdigit() else 0)
            .first()
        )
        if found is None:
            raise exceptions.NotFound()
        require_order_reach(self.request.user, found.order_id)
        return found

    def _answer(self, invoice, status=200):
        invoice = Invoice.objects.select_related("order").get(pk=invoice.pk)
        return Response(InvoiceSerializer(invoice).data, status=status)

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        """FEE-3: ask for an invoice of an order, at most what was paid and not invoiced."""
        data = InvoiceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = money.request_invoice(actor=request.user, **data.validated_data)
        return self._answer(invoice, status=201)

    @extend_schema(request=InvoiceIssueSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """FEE-3: finance issued the invoice; its number is recorded (unique)."""
        invoice = self.get_object()
        data = InvoiceIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            money.issue_invoice(actor=request.user, invoice=invoice, **data.validated_data)
        )

    @extend_schema(request=MoneyReasonSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an invoice request or an issued invoice, with the reason."""
        invoice = self.get_object()
        data = MoneyReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            money.cancel_invoice(actor=request.user, invoice=invoice, **data.validated_data)
        )


def register(router) -> None:
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("cash-handovers", HandoverViewSet, basename="cash-handover")
    router.register("invoices", InvoiceViewSet, basename="invoice")
