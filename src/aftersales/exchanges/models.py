"""Exchanges, transfers, returns and refunds under 三包 (EXC-1…EXC-5, SEC-5).

The salesperson fills the exchange form with the detailed reason and evidence; the regional
market head signs, the office checks and comments, the general manager decides — each step
by a holder of its role, in that order, recorded with who, when, decision and comment
(SEC-5). An approved request's product comes back to the warehouse with the form and is
inspected; an exchange gets its replacement (EXC-3) and its row in the exchange ledger
(换货登记台账), signed by the handler; a return is refunded after the goods are received
(EXC-2, EXC-4), never more than was paid.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.models import TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class RequestKind(models.TextChoices):
    EXCHANGE = "exchange", pgettext_lazy("exchange kind", "Exchange")
    TRANSFER = "transfer", pgettext_lazy("exchange kind", "Transfer")
    RETURN = "return", pgettext_lazy("exchange kind", "Return and refund")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("exchange status", "draft")
    # Waiting for the step named; the chain is salesperson → regional head → office → GM.
    REGIONAL_HEAD = "regional_head", pgettext_lazy("exchange status", "with the regional head")
    OFFICE = "office", pgettext_lazy("exchange status", "with the office")
    GENERAL_MANAGER = (
        "general_manager",
        pgettext_lazy("exchange status", "with the general manager"),
    )
    RETURNED = "returned", pgettext_lazy("exchange status", "returned for more information")
    REJECTED = "rejected", pgettext_lazy("exchange status", "rejected")
    APPROVED = "approved", pgettext_lazy("exchange status", "approved, goods expected")
    RECEIVED = "received", pgettext_lazy("exchange status", "goods received")
    DONE = "done", pgettext_lazy("exchange status", "done")
    CANCELLED = "cancelled", pgettext_lazy("exchange status", "cancelled")


class Inspection(models.TextChoices):
    AS_CLAIMED = "as_claimed", _("fault confirmed as claimed")
    UNUSED = "unused", _("unused and undamaged")
    USER_DAMAGE = "user_damage", _("damaged by the user")
    NO_FAULT = "no_fault", _("no fault found")


class ExchangeRequest(TimeStampedModel):
    """The exchange form (换货单) — also for a transfer or a return."""

    number = models.CharField(_("form no."), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="exchange_requests",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="exchange_requests",
    )
    unit = models.ForeignKey(
        "products.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="exchange_requests",
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_requests",
    )
    fault_type = models.ForeignKey(
        "service.FaultType",
        verbose_name=_("fault"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("detailed reason"))
    # EXC-5: the entitlement on the day the form was submitted, kept as it was shown.
    entitlement = models.JSONField(_("三包 entitlement when submitted"), default=dict, blank=True)
    # EXC-2: proof of purchase; the price paid caps the refund.
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_price = models.DecimalField(_("price paid"), null=True, blank=True, **MONEY)
    purchase_proof = models.CharField(_("proof of purchase"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The returned product comes to the warehouse with the form and is inspected.
    received_at = models.DateTimeField(_("goods received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("goods received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    warehouse = models.ForeignKey(
        "parts.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection = models.CharField(
        _("inspection result"), max_length=20, choices=Inspection.choices, blank=True
    )
    inspection_note = models.TextField(_("inspection notes"), blank=True)
    # EXC-3: the replacement — same model, or a substitute the customer agreed to.
    replacement_unit = models.ForeignKey(
        "products.Unit",
        verbose_name=_("replacement unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    substitute_agreed = models.TextField(_("customer's agreement to a substitute"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)

    class Meta:
        verbose_name = _("exchange form")
        verbose_name_plural = _("exchange forms")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("approve_as_regional_head", _("Can sign exchange forms as regional market head")),
            ("check_as_office", _("Can check exchange forms as the office")),
            ("decide_as_general_manager", _("Can decide exchange forms as general manager")),
            ("receive_exchange_goods", _("Can receive returned goods and inspect them")),
            ("refund_exchange", _("Can record refunds")),
            ("write_exchange_ledger", _("Can write and sign the exchange ledger")),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="exchange_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(purchase_price__isnull=True) | Q(purchase_price__gte=0),
                name="exchange_price_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ApprovalStep(models.TextChoices):
    SUBMIT = "submit", pgettext_lazy("approval step", "salesperson submits")
    REGIONAL_HEAD = "regional_head", pgettext_lazy("approval step", "regional market head")
    OFFICE = "office", pgettext_lazy("approval step", "office check")
    GENERAL_MANAGER = "general_manager", pgettext_lazy("approval step", "general manager")


class Decision(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("approval decision", "submitted")
    APPROVED = "approved", pgettext_lazy("approval decision", "approved")
    REJECTED = "rejected", pgettext_lazy("approval decision", "rejected")
    RETURNED = "returned", pgettext_lazy("approval decision", "returned for more information")


class ExchangeApproval(models.Model):
    """One step of the chain (SEC-5): who, when, which step, decision, comment. Never
    changed afterwards; a returned form that comes back starts a new round."""

    request = models.ForeignKey(
        ExchangeRequest,
        verbose_name=_("exchange form"),
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    step = models.CharField(_("step"), max_length=20, choices=ApprovalStep.choices)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)

    class Meta:
        verbose_name = _("exchange approval")
        verbose_name_plural = _("exchange approvals")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} · {self.step} · {self.decision}"


class ExchangeAttachment(TimeStampedModel):
    """Evidence and proof of purchase (photos, scans) of an exchange form."""

    request = models.ForeignKey(
        ExchangeRequest,
        verbose_name=_("exchange form"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="exchanges/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    is_purchase_proof = models.BooleanField(_("proof of purchase"), default=False)

    class Meta:
        verbose_name = _("exchange attachment")
        verbose_name_plural = _("exchange attachments")
        ordering = ["pk"]


class LedgerEntry(TimeStampedModel):
    """A row of the exchange ledger (换货登记台账), written when the exchange is done and
    signed by the handler (EXC-1)."""

    request = models.OneToOneField(
        ExchangeRequest,
        verbose_name=_("exchange form"),
        on_delete=models.PROTECT,
        related_name="ledger_entry",
    )
    entry_date = models.DateField(_("date"))
    returned_serial = models.CharField(_("returned serial no."), max_length=60)
    replacement_serial = models.CharField(_("replacement serial no."), max_length=60, blank=True)
    summary = models.TextField(_("summary"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("exchange ledger entry")
        verbose_name_plural = _("exchange ledger")
        ordering = ["-entry_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry_date} {self.request}"


class RefundMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    ORIGINAL = "original", _("Back the way it was paid")


class Refund(TimeStampedModel):
    """EXC-2, EXC-4: money paid back after the goods were received."""

    request = models.ForeignKey(
        ExchangeRequest,
        verbose_name=_("exchange form"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=RefundMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["paid_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self) -> str:
        return f"{self.request} {self.amount}"
