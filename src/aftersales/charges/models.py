"""What the customer pays for an order (FEE-1…FEE-5): labour lines next to the parts lines,
the quotation the customer accepts before paid work, the money taken on site (receipt) or
registered by finance, the technician's cash handed over to finance, and the invoice.

All money is CNY in Decimal with two places (FIN). A wrong payment is voided with a reason,
never deleted, so the sums of a month can always be redone to the cent.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class LabourLine(TimeStampedModel):
    """Labour on an order, priced from finance's labour-rate standard (FEE-2) in force on the
    order's received day; charged only for paid and other service (FEE-1)."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="labour_lines",
    )
    rate = models.ForeignKey(
        "parts.LabourRate", verbose_name=_("labour rate"), on_delete=models.PROTECT
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity (hours or items)"), max_digits=8, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount charged"), **MONEY)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("labour line")
        verbose_name_plural = _("labour lines")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="labour_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(amount__gte=0), name="labour_money_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.rate.name} × {self.quantity}"


class QuotationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the customer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    SUPERSEDED = "superseded", _("superseded")


class AcceptanceMethod(models.TextChoices):
    SIGNATURE = "signature", _("signed by the customer")
    PHONE = "phone", _("agreed on the phone (recorded)")


class Quotation(TimeStampedModel):
    """FEE-2: the after-sales quotation (售后服务报价单). It freezes the order's charges as
    they stood when it was made; the customer accepts it by signature or by recorded phone
    consent before paid work. A later change of parts or charges makes it out of date, and a
    new quotation needs a new acceptance."""

    number = models.CharField(_("quotation no."), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="quotations",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=QuotationStatus.choices,
        default=QuotationStatus.PENDING,
    )
    service_kind = models.CharField(_("service kind"), max_length=20)
    # The lines as quoted: [{"kind": "part"|"labour", "id", "code", "name", "quantity",
    # "unit_price", "amount", "rule"}]; amounts as strings so Decimal survives JSON.
    items = models.JSONField(_("items"), default=list)
    parts_total = models.DecimalField(_("parts"), **MONEY)
    labour_total = models.DecimalField(_("labour"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    # What the charges were: a quotation is current while the order's sheet has this.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptance_method = models.CharField(
        _("accepted by"), max_length=20, choices=AcceptanceMethod.choices, blank=True
    )
    signer_name = models.CharField(_("signed / agreed by"), max_length=100, blank=True)
    signature = models.ImageField(
        _("customer's signature"), upload_to="quotations/%Y/%m/", blank=True
    )
    consent_phone = models.CharField(_("phone the customer agreed on"), max_length=30, blank=True)
    consent_note = models.CharField(_("what the customer said"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptance recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declined_reason = models.CharField(_("why declined"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="quotation_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentSource(models.TextChoices):
    ON_SITE = "on_site", _("collected on site (receipt)")
    FINANCE = "finance", _("received by finance")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CARD = "card", _("bank card")
    TRANSFER = "transfer", _("bank transfer")


class CustomerPayment(TimeStampedModel):
    """Money from the customer for an order.

    FEE-3: the technician collects on site and gives a numbered receipt (收据); cash is
    handed to finance later. FEE-5: money that reaches finance (a transfer, the counter) is
    recorded when it arrived; registering it against the order notifies the technician, and
    the FEE-5 clock checks that happened within 12 h.
    """

    number = models.CharField(_("receipt no."), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="customer_payments",
    )
    source = models.CharField(_("source"), max_length=20, choices=PaymentSource.choices)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    payer = models.CharField(_("paid by"), max_length=100, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("money received at"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # FEE-5: finance has told the technician (set when the payment is registered).
    notified_at = models.DateTimeField(_("technician notified at"), null=True, blank=True)
    notify_due_at = models.DateTimeField(
        _("technician to be notified by"), null=True, blank=True, db_index=True
    )
    # The sweep's once-only claim when the FEE-5 deadline passed without a notice.
    overdue_noticed_at = models.DateTimeField(_("lateness reported at"), null=True, blank=True)
    handover = models.ForeignKey(
        "charges.CashHandover",
        verbose_name=_("handed over to finance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("customer payment")
        verbose_name_plural = _("customer payments")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("collect_payment", _("Can collect payment on site (technician)")),
            ("register_payment", _("Can register payments and take cash hand-overs (finance)")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["order", "voided_at"], name="payment_order_void")]

    def __str__(self) -> str:
        return self.number

    @property
    def counts(self) -> bool:
        return self.voided_at is None


class CashHandover(TimeStampedModel):
    """FEE-3: a technician hands the money they collected to finance, who counts it and
    signs; the receipts it covers are named, and the total must match to the cent."""

    number = models.CharField(_("hand-over no."), max_length=30, unique=True, editable=False)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by (finance)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("cash received at"))
    total = models.DecimalField(_("total"), **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("cash hand-over")
        verbose_name_plural = _("cash hand-overs")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="handover_total_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceStatus(models.TextChoices):
    TO_ISSUE = "to_issue", _("to issue")
    ISSUED = "issued", _("issued")
    CANCELLED = "cancelled", _("cancelled")


class Invoice(TimeStampedModel):
    """FEE-3: the invoice (发票) that follows the payment — asked for at collection or by
    finance from the signed service voucher; issued later with the tax invoice's number."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.TO_ISSUE
    )
    title = models.CharField(_("invoice title (buyer)"), max_length=200)
    tax_number = models.CharField(_("taxpayer no."), max_length=30, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    number = models.CharField(_("invoice no."), max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-pk"]
        permissions = [("issue_invoice", _("Can issue invoices (finance)"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.UniqueConstraint(
                fields=["number"],
                condition=~Q(number=""),
                name="invoice_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.order} · {self.get_status_display()}"


ZERO = Decimal("0.00")
