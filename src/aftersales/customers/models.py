"""Customer files (客户档案) and contacts (CUS-1, CUS-3, CUS-5)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.models import TimeStampedModel


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CustomerQuerySet":
        """ORG-3: HQ roles see all; others their unit's customers and their region's."""
        from aftersales.accounts.reach import reach_of

        reach = reach_of(user)
        if reach.everything:
            return self
        return self.filter(Q(owner_unit_id__in=reach.unit_ids) | Q(region_id__in=reach.region_ids))


class Customer(TimeStampedModel):
    """A customer file: a dealer, retailer, agent or end user, a person or a company."""

    class Kind(models.TextChoices):
        DEALER = "dealer", _("Dealer")
        RETAILER = "retailer", _("Retailer")
        AGENT = "agent", _("Commissioned agent")
        END_USER = "end_user", _("End user")

    class Entity(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Credit(models.TextChoices):
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")
        UNKNOWN = "unknown", _("Not assessed")

    class Relationship(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", pgettext_lazy("relationship", "Active")
        CORE = "core", _("Core partner")
        DORMANT = "dormant", _("Dormant")
        ENDED = "ended", _("Relationship ended")

    class Tier(models.TextChoices):
        A = "A", _("A (key)")
        B = "B", _("B (regular)")
        C = "C", _("C (basic)")

    code = models.CharField(_("customer no."), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    entity = models.CharField(_("person or company"), max_length=10, choices=Entity.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    phone = models.CharField(_("phone"), max_length=30, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    business_content = models.TextField(_("business content"), blank=True)
    credit = models.CharField(
        _("credit"), max_length=10, choices=Credit.choices, default=Credit.UNKNOWN
    )
    credit_limit = models.DecimalField(
        _("credit limit (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    relationship = models.CharField(
        _("relationship"), max_length=10, choices=Relationship.choices, default=Relationship.ACTIVE
    )
    service_tier = models.CharField(
        _("service tier"), max_length=1, choices=Tier.choices, default=Tier.B
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    owner_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # SEC-3: a person's details replaced by neutral values on their request; the business
    # records stay. Set once, never undone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    anonymised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anonymised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [
            ("export_customers", _("Can export the customer overview")),
            ("export_personal_data", _("Can export all personal data held about a person")),
            ("anonymise_customer", _("Can anonymise a person's data on their request")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="customer_credit_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ContactQuerySet":
        return self.filter(customer__in=Customer.objects.visible_to(user))


class Contact(TimeStampedModel):
    """A person to talk to at a customer (CUS-5). Birthday and interests are personal data
    beyond what the service needs: kept only with the person's consent and its purpose
    (SEC-3)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    interests = models.CharField(_("interests"), max_length=200, blank=True)
    personal_consent = models.BooleanField(
        _("consents to birthday and interests being kept"), default=False
    )
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_purpose = models.CharField(_("purpose of consent"), max_length=200, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})"
