"""Product models, serial-numbered units, warranty and maintenance contracts (PRD-1…PRD-4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


class ProductCategory(TimeStampedModel):
    """A product line (e.g. 空气能热水器)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProductModel(TimeStampedModel):
    """A product model (型号) with its default warranty terms (PRD-1)."""

    class WarrantyStart(models.TextChoices):
        DELIVERY = "delivery", _("Delivery date")
        INVOICE = "invoice", _("Invoice date")
        SALE = "sale", _("Sale date")

    code = models.CharField(_("model code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="models",
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)
    warranty_starts_from = models.CharField(
        _("warranty starts from"),
        max_length=10,
        choices=WarrantyStart.choices,
        default=WarrantyStart.DELIVERY,
    )
    warranty_scope = models.TextField(_("warranty scope"), blank=True)
    is_active = models.BooleanField(_("in production / sold"), default=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("products:model_edit", args=[self.pk])


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UnitQuerySet":
        """ORG-3: a unit is visible with its owning customer."""
        from aftersales.accounts.reach import reach_of
        from aftersales.customers.models import Customer

        if reach_of(user).everything:
            return self
        return self.filter(owner__in=Customer.objects.visible_to(user))


class Unit(TimeStampedModel):
    """One product with a serial number (序列号 / 出厂编号), owned by a customer (PRD-1)."""

    serial_number = models.CharField(_("serial number"), max_length=64, unique=True)
    product_model = models.ForeignKey(
        ProductModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="units"
    )
    batch = models.CharField(_("production batch"), max_length=50, blank=True, db_index=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    owner = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    installation_address = models.CharField(_("installation address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["serial_number"]
        permissions = [("import_units", _("Can import units from Excel"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_date__isnull=True)
                | Q(sale_date__isnull=True)
                | Q(delivery_date__gte=F("sale_date")),
                name="unit_delivered_on_or_after_sale",
            )
        ]

    def __str__(self) -> str:
        return self.serial_number

    def get_absolute_url(self) -> str:
        return reverse("products:unit_detail", args=[self.pk])


class UnitChildQuerySet(models.QuerySet):
    """Records that hang off a unit are visible with the unit (ORG-3)."""

    def visible_to(self, user) -> "UnitChildQuerySet":
        from aftersales.accounts.reach import reach_of

        if reach_of(user).everything:
            return self
        return self.filter(unit__in=Unit.objects.visible_to(user))


class Warranty(TimeStampedModel):
    """A warranty period of a unit: the standard one or an extended warranty (PRD-2)."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("Standard warranty")
        EXTENDED = "extended", _("Extended warranty")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="warranties"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start_date = models.DateField(_("starts on"))
    end_date = models.DateField(_("ends on (inclusive)"))
    scope = models.TextField(_("scope"), blank=True)
    reference = models.CharField(_("reference no."), max_length=50, blank=True)
    price = models.DecimalField(
        _("price (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # A standard warranty whose dates were changed by hand is no longer recomputed
    # from the unit's dates and the model's terms (see services.update_unit).
    set_by_hand = models.BooleanField(_("dates set by hand"), default=False)

    objects = UnitChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty")
        verbose_name_plural = _("warranties")
        ordering = ["unit", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="warranty_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="warranty_price_not_negative"),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(kind="standard"), name="one_standard_warranty_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.start_date}–{self.end_date}"

    def covers(self, day) -> bool:
        """Both the start and the end day are covered (inclusive)."""
        return self.start_date <= day <= self.end_date


class MaintenanceContractQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MaintenanceContractQuerySet":
        """ORG-3: a contract is visible with its customer."""
        from aftersales.accounts.reach import reach_of
        from aftersales.customers.models import Customer

        if reach_of(user).everything:
            return self
        return self.filter(customer__in=Customer.objects.visible_to(user))


class MaintenanceContract(TimeStampedModel):
    """A maintenance contract (保养合同) covering some of a customer's units (PRD-2)."""

    number = models.CharField(_("contract no."), max_length=50, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="maintenance_contracts",
    )
    units = models.ManyToManyField(Unit, verbose_name=_("units"), related_name="contracts")
    start_date = models.DateField(_("starts on"))
    end_date = models.DateField(_("ends on (inclusive)"))
    covered_items = models.TextField(_("covered items"), blank=True)
    visits_per_year = models.PositiveSmallIntegerField(_("maintenance visits per year"), default=1)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)

    objects = MaintenanceContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def covers(self, day) -> bool:
        """In force on day: not cancelled, start and end day included."""
        return not self.is_cancelled and self.start_date <= day <= self.end_date


class DeliveryHandover(TimeStampedModel):
    """The delivery record (交付记录, PRD-4): what the salesperson explained at handover."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="handovers"
    )
    delivered_on = models.DateField(_("delivered on"))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_by = models.CharField(_("received by"), max_length=100)
    explained_use = models.BooleanField(_("use explained"), default=False)
    explained_maintenance = models.BooleanField(_("maintenance explained"), default=False)
    explained_precautions = models.BooleanField(_("precautions explained"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    objects = UnitChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery handover")
        verbose_name_plural = _("delivery handovers")
        ordering = ["-delivered_on"]

    def __str__(self) -> str:
        return f"{self.unit} {self.delivered_on}"


class UnitServiceRecord(TimeStampedModel):
    """A line of the unit's warranty card (保修卡, PRD-3): date and content of a service."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="service_records"
    )
    date = models.DateField(_("date"))
    content = models.TextField(_("content"))
    # The service order that wrote it, as text until the service app links it.
    reference = models.CharField(_("reference"), max_length=50, blank=True)

    objects = UnitChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.date}"
