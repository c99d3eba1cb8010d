"""The technician's field work on a service order (SVC-3, SVC-5).

The pre-visit checklist ticked before leaving, the on-site check-in and check-out, and
the hand-over form (交接单) signed by both when a part or product goes to the depot,
and its return to the customer.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel
from aftersales.service.models import PlanMode

# The plans that send a technician out or bring a product in (SVC-2 c, e).
FIELD_PLAN_MODES = [PlanMode.ON_SITE, PlanMode.DEPOT]


class ChecklistItemQuerySet(models.QuerySet):
    def active(self) -> "ChecklistItemQuerySet":
        return self.filter(is_active=True)


class ChecklistItem(TimeStampedModel):
    """One line of the pre-visit checklist (SVC-5): tools, parts, uniform, badge …

    The list is configured by the administrator; each line applies to some solution
    plans (on-site visit, depot repair) and may be required before check-in.
    """

    text = models.CharField(_("item"), max_length=200)
    # Comma-separated PlanMode values, e.g. "on_site,depot".
    plan_modes = models.CharField(
        _("applies to plans"),
        max_length=100,
        default=",".join(FIELD_PLAN_MODES),
        help_text=_("The solution plans this item is checked for."),
    )
    required = models.BooleanField(
        _("required"), default=True, help_text=_("Must be ticked before checking in on site.")
    )
    rank = models.PositiveIntegerField(_("order on the list"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("pre-visit checklist")
        ordering = ["rank", "pk"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        modes = self.mode_list
        unknown = [m for m in modes if m not in PlanMode.values]
        if unknown or not modes:
            raise ValidationError({"plan_modes": _("Choose at least one solution plan.")})

    @property
    def mode_list(self) -> list[str]:
        return [m.strip() for m in (self.plan_modes or "").split(",") if m.strip()]

    def applies_to(self, plan_mode: str) -> bool:
        return plan_mode in self.mode_list

    def mode_labels(self) -> str:
        labels = dict(PlanMode.choices)
        return ", ".join(str(labels.get(m, m)) for m in self.mode_list)


class VisitCheck(TimeStampedModel):
    """A checklist item ticked for an order before departure (SVC-5)."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="visit_checks",
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="checks"
    )
    # The item as it read when ticked; the list may be reworded later.
    item_text = models.CharField(_("item"), max_length=200)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ticked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticked_at = models.DateTimeField(_("ticked at"))

    class Meta:
        verbose_name = _("ticked checklist item")
        verbose_name_plural = _("ticked checklist items")
        ordering = ["order", "item__rank", "item"]
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="one_tick_per_order_item")
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.item_text}"


class SiteVisit(TimeStampedModel):
    """One on-site visit (SVC-3): when the technician arrived and left, and where (if the
    phone gave its position)."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="site_visits",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="site_visits",
    )
    checked_in_at = models.DateTimeField(_("checked in at"), db_index=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    note = models.TextField(_("visit note"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        ordering = ["-checked_in_at", "-pk"]
        constraints = [
            # One open visit per order, and a technician is on one site at a time.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(checked_out_at__isnull=True),
                name="one_open_visit_per_order",
            ),
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(checked_out_at__isnull=True),
                name="one_open_visit_per_technician",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="visit_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None


class TakeBack(TimeStampedModel):
    """The hand-over form (带回 / 送修交接单, SVC-3): a part or product the technician takes
    to the depot, signed by the technician and the customer, and its return.

    Records what was taken (with serial numbers), its condition and accessories, the
    completion time promised to the customer, both signatures and the customer signer's
    name; on return, the time, a note and the customer's signature and name.
    """

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="take_backs",
    )
    number = models.CharField(_("hand-over no."), max_length=30, unique=True, editable=False)
    items = models.TextField(_("parts / products taken"))
    serial_numbers = models.CharField(_("serial numbers"), max_length=300, blank=True)
    condition = models.TextField(_("condition and accessories"))
    promised_return_on = models.DateField(_("promised back by"))
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="take_backs",
    )
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    technician_signature = models.FileField(
        _("technician's signature"), upload_to="takebacks/%Y/%m/"
    )
    customer_signature = models.FileField(_("customer's signature"), upload_to="takebacks/%Y/%m/")
    signer_name = models.CharField(_("signed by (customer)"), max_length=100)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_note = models.TextField(_("return note"), blank=True)
    return_signature = models.FileField(
        _("customer's signature on return"), upload_to="takebacks/%Y/%m/", blank=True
    )
    return_signer_name = models.CharField(_("received back by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("take-back hand-over")
        verbose_name_plural = _("take-back hand-overs")
        ordering = ["-taken_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | ~Q(return_signer_name=""),
                name="takeback_return_signed",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_returned(self) -> bool:
        return self.returned_at is not None
