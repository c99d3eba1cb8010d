"""Spare parts: the catalogue and its dated prices (FEE-2), warehouses and the stock ledger
(PRT-2, PRT-8), and the parts lines of service orders with their charge rule (PRT-1).

Stock is a ledger: every movement is a StockMove row; StockLevel keeps the on-hand sum per
location, updated in the same transaction and never below zero (a database check too).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Part(TimeStampedModel):
    """A spare part of the catalogue (PRT-8: only original or equivalent-standard parts)."""

    code = models.CharField(_("part no."), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10, default="个")
    compatible_models = models.ManyToManyField(
        "products.ProductModel",
        verbose_name=_("fits models"),
        blank=True,
        related_name="parts",
    )
    # PRT-7: a part that is not an assembly (总成) — purchasing is asked whether it can be bought.
    is_assembly = models.BooleanField(_("assembly"), default=True)
    # PRT-2: valuable parts are traced by their serial / identification code.
    is_valuable = models.BooleanField(_("valuable (serial-tracked)"), default=False)
    # PRT-1 b: a small part without recovery value need not come back.
    has_recovery_value = models.BooleanField(_("has recovery value"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["code"]
        permissions = [("manage_prices", _("Can maintain the parts price list and labour rates"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PartPrice(TimeStampedModel):
    """FEE-2: finance's price of a part from a date on; an order is charged the price in
    force on the day it was received, so a later change leaves old orders alone."""

    part = models.ForeignKey(
        Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="prices"
    )
    list_price = models.DecimalField(_("list price"), **MONEY)
    cost = models.DecimalField(_("cost"), **MONEY)
    effective_from = models.DateField(_("effective from"))

    class Meta:
        verbose_name = _("part price")
        verbose_name_plural = _("part prices")
        ordering = ["part", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["part", "effective_from"], name="one_price_per_day"),
            models.CheckConstraint(
                condition=Q(list_price__gte=0) & Q(cost__gte=0), name="price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part.code} {self.list_price} ({self.effective_from})"


class LabourBasis(models.TextChoices):
    ITEM = "item", _("per service item")
    HOUR = "hour", _("per hour")


class LabourRate(TimeStampedModel):
    """FEE-2: the labour-rate standard (工时费标准), by service item or by the hour, from a
    date on."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("service item"), max_length=100)
    basis = models.CharField(_("basis"), max_length=10, choices=LabourBasis.choices)
    rate = models.DecimalField(_("rate"), **MONEY)
    effective_from = models.DateField(_("effective from"))

    class Meta:
        verbose_name = _("labour rate")
        verbose_name_plural = _("labour rates")
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="one_rate_per_day"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WarehouseKind(models.TextChoices):
    CENTRAL = "central", _("HQ warehouse")
    BRANCH = "branch", _("branch warehouse")
    OLD_PARTS = "old_parts", _("old-part zone")
    TECHNICIAN = "technician", _("technician's stock")


class Warehouse(TimeStampedModel):
    """A stock location (PRT-8): a warehouse, the old-part zone (PRT-3), or a technician's
    personal (van) stock."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=WarehouseKind.choices)
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("organisation unit"),
        on_delete=models.PROTECT,
        related_name="warehouses",
    )
    technician = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_stock",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="technician", technician__isnull=False)
                | (~Q(kind="technician") & Q(technician__isnull=True)),
                name="technician_stock_has_its_technician",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """On hand of a part at a location: the sum of its ledger rows, kept in the moving
    transaction. Reorder point and reserve (emergency) stock feed the shortage list."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="levels"
    )
    part = models.ForeignKey(
        Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="levels"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reorder_point = models.PositiveIntegerField(_("reorder point"), default=0)
    reserve = models.PositiveIntegerField(_("reserve stock"), default=0)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="one_level_per_location"),
            # PRT-8: stock never goes negative — in the database too.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="on_hand_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} · {self.part.code}: {self.on_hand}"


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("receipt")
    ISSUE = "issue", _("issue on an outbound slip")
    LOAN = "loan", _("issue on a loan slip")
    USE = "use", _("used on an order")
    RETURN = "return", _("return of unused parts")
    OLD_PART = "old_part", _("old part received")
    TRANSFER = "transfer", _("transfer")
    ADJUSTMENT = "adjustment", _("count adjustment")
    SCRAP = "scrap", _("scrap")


class StockMove(models.Model):
    """One row of the stock ledger. Rows are never changed; a mistake is corrected by a
    new move."""

    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MoveKind.choices)
    part = models.ForeignKey(
        Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="moves"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    from_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_out",
    )
    to_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_in",
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_moves",
    )
    slip = models.ForeignKey(
        "parts.Slip",
        verbose_name=_("slip"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
    )
    line = models.ForeignKey(
        "parts.PartLine",
        verbose_name=_("parts line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
    )
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="move_quantity_positive"),
            models.CheckConstraint(
                condition=Q(from_warehouse__isnull=False) | Q(to_warehouse__isnull=False),
                name="move_has_a_location",
            ),
        ]
        indexes = [models.Index(fields=["part", "-at"], name="move_part_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part.code} × {self.quantity}"


class PartSerial(models.Model):
    """PRT-2: where each valuable part is, by its serial / identification code — traceable
    both ways (which order got it; what came back). ``warehouse`` empty: used on an order."""

    part = models.ForeignKey(
        Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="serials"
    )
    serial_number = models.CharField(_("serial number"), max_length=60)
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="serials",
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="part_serials",
    )

    class Meta:
        verbose_name = _("part serial number")
        verbose_name_plural = _("part serial numbers")
        constraints = [
            models.UniqueConstraint(fields=["part", "serial_number"], name="one_serial_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.part.code} #{self.serial_number}"


class SlipKind(models.TextChoices):
    OUTBOUND = "outbound", _("outbound slip")
    LOAN = "loan", _("loan slip")


class Slip(TimeStampedModel):
    """PRT-2: an after-sales outbound (出库单) or loan slip (出借单) naming the order, in its
    own number series; PRT-3: marked when the old part has come back."""

    number = models.CharField(_("slip no."), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=SlipKind.choices)
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="slips",
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="slips"
    )
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"))
    old_part_received_at = models.DateTimeField(_("old part received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("slip")
        verbose_name_plural = _("slips")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class ChargeRule(models.TextChoices):
    """PRT-1 a–d for warranty orders, and the plain prices of FEE-1 otherwise."""

    USER_DAMAGE = "a", _("a · user-caused damage: charged at list price")
    SMALL_PART = "b", _("b · small part, no recovery value: free, old part stays")
    WAIVED = "c", _("c · large part, recovery not worth it: free with finance approval")
    DEPOSIT = "d", _("d · old part must come back: deposit until it does")
    PAID = "paid", _("out of warranty: charged at list price")
    CONTRACT = "contract", _("maintenance contract: charged at cost")


class LineStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    SIGNED = "signed", _("signed by finance")
    REFUSED = "refused", _("refused by finance")
    ISSUED = "issued", _("issued")
    USED = "used", _("used")
    RETURNED = "returned", _("returned unused")
    CANCELLED = "cancelled", _("cancelled")


class Payment(models.TextChoices):
    """PRT-1 e / f: how a charged line stood when finance signed."""

    NOT_CHARGED = "none", _("nothing to pay")
    PAID = "paid", _("paid")
    UNPAID = "unpaid", _("unpaid — issued on the technician's word")


class PartLine(TimeStampedModel):
    """A part needed on a service order (SVC-2) and its charge under PRT-1.

    The technician requests it with the cause (user-caused damage or not, with the
    evidence); the rule, the unit price (list price, or cost under a contract, in force on
    the order's received day) and the amount are computed then. Finance signs (SEC-5)
    before the warehouse may issue it.
    """

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="part_lines",
    )
    part = models.ForeignKey(
        Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=20, choices=LineStatus.choices, default=LineStatus.REQUESTED
    )
    user_caused = models.BooleanField(_("damage caused by the user"), default=False)
    evidence = models.TextField(_("evidence for the cause"), blank=True)
    # PRT-1 c: the technician asks that the old part need not come back.
    waiver_requested = models.BooleanField(_("old part need not come back (asked)"), default=False)
    charge_rule = models.CharField(_("charge rule"), max_length=10, choices=ChargeRule.choices)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount charged"), **MONEY)
    old_part_required = models.BooleanField(_("old part must come back"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # SEC-5: finance's decision, who and when.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    sign_comment = models.CharField(_("finance's comment"), max_length=300, blank=True)
    waiver_approved = models.BooleanField(_("waiver approved by finance"), default=False)
    payment = models.CharField(
        _("payment"), max_length=10, choices=Payment.choices, default=Payment.NOT_CHARGED
    )
    slip = models.ForeignKey(
        Slip,
        verbose_name=_("slip"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    serial_numbers = models.JSONField(_("serial numbers issued"), default=list, blank=True)
    # PRT-1 d, PRT-3: the old part's return and the deposit's reversal.
    old_part_due_at = models.DateTimeField(_("old part due"), null=True, blank=True, db_index=True)
    old_part_received_at = models.DateTimeField(_("old part received at"), null=True, blank=True)
    old_part_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("old part received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deposit_reversed_at = models.DateTimeField(_("deposit reversed at"), null=True, blank=True)
    # What the customer is owed back when a paid deposit is reversed (PRT-1 d).
    deposit_credit = models.DecimalField(_("deposit credited"), default=Decimal("0.00"), **MONEY)
    # PRT-1 f, FEE-4: the technician agrees the part goes out before the customer pays; the
    # receivable is then theirs (FIN-2). Finance can sign "unpaid" only after this.
    credit_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issue before payment agreed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credit_approved_at = models.DateTimeField(
        _("issue before payment agreed at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("parts line")
        verbose_name_plural = _("parts lines")
        ordering = ["order", "pk"]
        permissions = [
            ("sign_partline", _("Can sign parts lines (finance)")),
            ("issue_partline", _("Can issue parts and receive returns (warehouse)")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(amount__gte=0), name="line_money_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "order"], name="line_status_order")]

    def __str__(self) -> str:
        return f"{self.order} · {self.part.code} × {self.quantity}"

    @property
    def is_deposit(self) -> bool:
        """PRT-1 d: the amount is a deposit until the old part is in the warehouse."""
        return self.charge_rule == ChargeRule.DEPOSIT and self.deposit_reversed_at is None

    @property
    def charged(self) -> Decimal:
        """What the customer owes for the line now (a reversed deposit owes nothing)."""
        if self.charge_rule == ChargeRule.DEPOSIT and self.deposit_reversed_at is not None:
            return Decimal("0.00")
        return self.amount


class Receivable(TimeStampedModel):
    """PRT-1 f, FIN-2: money a customer owes for parts issued before payment; it belongs to
    the technician who agreed to issue first. Settled when paid, or cancelled when the
    charge goes away (a reversed deposit)."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="receivables",
    )
    line = models.OneToOneField(
        PartLine,
        verbose_name=_("parts line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receivable",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owned by"),
        on_delete=models.PROTECT,
        related_name="receivables",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    arose_at = models.DateTimeField(_("arose at"), db_index=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settlement = models.CharField(_("how settled"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["arose_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_positive")
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.amount}"


class CountStatus(models.TextChoices):
    OPEN = "open", _("being counted")
    SUBMITTED = "submitted", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class StockCount(TimeStampedModel):
    """PRT-8: a periodic stock count of one location; the variances are posted to the
    ledger (count adjustments) only when someone with the right approves them (SEC-5)."""

    number = models.CharField(_("count no."), max_length=30, unique=True, editable=False)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="counts"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CountStatus.choices, default=CountStatus.OPEN
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_stockcount", _("Can approve stock count variances"))]

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    """One part of a count: what the books said when counting began, what was found."""

    count = models.ForeignKey(
        StockCount, verbose_name=_("stock count"), on_delete=models.CASCADE, related_name="lines"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT)
    expected = models.IntegerField(_("on the books"))
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        ordering = ["part__code"]
        constraints = [
            models.UniqueConstraint(fields=["count", "part"], name="one_count_line_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.count} · {self.part.code}"

    @property
    def variance(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


# --- PRT-4: parts by courier ------------------------------------------------------------


class ShipmentDirection(models.TextChoices):
    TO_CUSTOMER = "to_customer", _("to the customer")
    TO_TECHNICIAN = "to_technician", _("to a technician")
    RETURN = "return", _("back to the warehouse")


class ShipmentStatus(models.TextChoices):
    PREPARED = "prepared", _("prepared")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    CANCELLED = "cancelled", _("cancelled")


class Shipment(TimeStampedModel):
    """PRT-4: parts sent by courier to a customer or a technician, or old and unused parts
    coming back (freight collect). Records the courier and the tracking number."""

    number = models.CharField(_("shipment no."), max_length=30, unique=True, editable=False)
    direction = models.CharField(_("direction"), max_length=20, choices=ShipmentDirection.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.PREPARED,
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="shipments",
        help_text=_("Where the parts leave from, or where a return goes to."),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_name = models.CharField(_("recipient"), max_length=100)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=30)
    address = models.CharField(_("address"), max_length=300)
    courier = models.CharField(_("courier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking no."), max_length=60, blank=True)
    freight_collect = models.BooleanField(_("freight collect (到付)"), default=False)
    freight = models.DecimalField(_("freight"), null=True, blank=True, **MONEY)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_note = models.CharField(_("delivery note"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(freight__isnull=True) | Q(freight__gte=0), name="freight_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "direction"], name="shipment_status_dir")]

    def __str__(self) -> str:
        return self.number


class ShipmentItem(models.Model):
    """One part in a parcel; names the order's line it belongs to when there is one."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="items"
    )
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("quantity"))
    line = models.ForeignKey(
        PartLine,
        verbose_name=_("parts line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipment_items",
    )
    old_part = models.BooleanField(_("old part"), default=False)
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("shipment item")
        verbose_name_plural = _("shipment items")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_item_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} · {self.part.code} × {self.quantity}"


# --- PRT-7: can purchasing buy a part that is not an assembly? ---------------------------


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("waiting for purchasing")
    ANSWERED = "answered", _("answered")
    WITHDRAWN = "withdrawn", _("withdrawn")


class PurchaseInquiry(TimeStampedModel):
    """PRT-7: a technician or keeper asks purchasing whether a non-assembly part can be
    bought; purchasing answers yes or no, with supplier, price and date when yes."""

    number = models.CharField(_("inquiry no."), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    part = models.ForeignKey(
        Part,
        verbose_name=_("part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    description = models.CharField(
        _("what is needed"),
        max_length=300,
        blank=True,
        help_text=_("For a part not in the catalogue: name, specification, where it fits."),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase_inquiries",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_at = models.DateTimeField(_("asked at"), db_index=True)
    can_buy = models.BooleanField(_("can be bought"), null=True, blank=True)
    answer = models.TextField(_("purchasing's answer"), blank=True)
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, **MONEY)
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase inquiry")
        verbose_name_plural = _("purchase inquiries")
        ordering = ["-asked_at", "-pk"]
        permissions = [("answer_purchaseinquiry", _("Can answer purchase inquiries"))]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="inquiry_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0),
                name="inquiry_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number
