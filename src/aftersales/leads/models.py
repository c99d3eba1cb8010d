"""Sales leads (销售线索, SVC-9): a purchase intent a technician hears at a customer's site.

Sales takes the lead up; when it closes the sale, the reporter earns an information fee
(信息费), a share of the sales commission (5 % by default).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Taken up by sales")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_LEAD_STATUSES = [LeadStatus.NEW, LeadStatus.CONTACTED]


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LeadQuerySet":
        """ORG-3: HQ roles see all; a unit its own (and its sub-units'); the reporter and
        the salesperson working the lead see it wherever it is."""
        from aftersales.accounts.reach import reach_of

        reach = reach_of(user)
        if reach.everything:
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(
            Q(org_unit_id__in=reach.unit_ids) | Q(reporter=user) | Q(salesperson=user)
        )

    def readable_by(self, user) -> "LeadQuerySet":
        """What a person may read: with the view right, the leads in reach; without it
        (a technician), only the leads they reported themselves."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.has_perm("leads.view_lead"):
            return self.visible_to(user)
        return self.filter(reporter=user)


class Lead(TimeStampedModel):
    """A sales lead (销售线索): a customer's purchase intent, recorded on a service order by
    the technician who heard it, worked by sales, won (with the commission and the
    reporter's information fee) or lost (with the reason)."""

    number = models.CharField(_("lead no."), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    # The order's handling unit when the lead was recorded: whose sales see it (ORG-3).
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("organisation unit"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="reported_leads",
    )
    product_interest = models.CharField(_("what the customer wants"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_leads",
    )
    contacted_at = models.DateTimeField(_("taken up at"), null=True, blank=True)
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    commission = models.DecimalField(
        _("sales commission"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The rate in force when the lead was won, kept so a later change of the setting does
    # not rewrite what was owed.
    info_fee_rate = models.DecimalField(
        _("information fee rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    info_fee = models.DecimalField(
        _("information fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    lost_reason = models.TextField(_("why it was lost"), blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales lead")
        verbose_name_plural = _("sales leads")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("work_lead", _("Can take up sales leads and mark them won or lost")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission__isnull=True) | Q(commission__gt=0),
                name="lead_commission_positive",
            ),
            models.CheckConstraint(
                condition=Q(info_fee__isnull=True) | Q(info_fee__gte=0),
                name="lead_info_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(info_fee_rate__isnull=True)
                | (Q(info_fee_rate__gte=0) & Q(info_fee_rate__lte=1)),
                name="lead_info_fee_rate_0_to_1",
            ),
            # A won lead carries what was earned; only a won lead does.
            models.CheckConstraint(
                condition=(
                    Q(status="won")
                    & Q(commission__isnull=False)
                    & Q(info_fee_rate__isnull=False)
                    & Q(info_fee__isnull=False)
                    & Q(won_at__isnull=False)
                )
                | (
                    ~Q(status="won")
                    & Q(commission__isnull=True)
                    & Q(info_fee__isnull=True)
                    & Q(won_at__isnull=True)
                ),
                name="lead_won_has_fee",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="lead_status_created"),
            models.Index(fields=["reporter", "status"], name="lead_reporter_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("leads:lead_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES
