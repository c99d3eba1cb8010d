"""The complaint register (CMP-1…CMP-5, FUP-4).

Every opinion, suggestion and complaint is registered, whatever the channel; market
supervision tracks each to its resolution. A class (content and severity, configurable)
gives each complaint its flow: the deadline to report it to the company, the deadline to
resolve it, whether the company manager is told at once and whether a written reply
(顾客来函处理回复单) must go to the customer before it closes. A complaint neither resolved
nor reported in time records a violation against the responsible person and their regional
head (CMP-2, STF-3).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.models import TimeStampedModel


class Severity(models.TextChoices):
    ORDINARY = "ordinary", pgettext_lazy("complaint severity", "ordinary")
    SERIOUS = "serious", pgettext_lazy("complaint severity", "serious")
    SEVERE = "severe", pgettext_lazy("complaint severity", "severe")


class ComplaintClass(TimeStampedModel):
    """A class of complaint by content and severity, with its flow and deadlines (CMP-4)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # CMP-1: reported to the company within this many hours unless resolved on the spot.
    report_hours = models.DecimalField(_("report within (hours)"), max_digits=6, decimal_places=2)
    # Resolved within this many working days (CAL-1) of registration.
    resolve_working_days = models.PositiveSmallIntegerField(_("resolve within (working days)"))
    # FUP-4, CMP-4: severe ones go to the company manager at once and need a written reply.
    notify_company_manager = models.BooleanField(_("tell the company manager at once"))
    written_reply_required = models.BooleanField(_("written reply required before closing"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint class")
        verbose_name_plural = _("complaint classes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(report_hours__gt=0), name="complaint_report_hours"),
            models.CheckConstraint(
                condition=Q(resolve_working_days__gt=0), name="complaint_resolve_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_severity_display()})"


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("Phone hotline")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    MEDIA = "media", _("Media")
    VISIT = "visit", _("Walk-in visit")
    SURVEY = "survey", _("Survey comment")
    RETURN_VISIT = "return_visit", _("Return visit")
    WEB = "web", _("Web")


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    OPINION = "opinion", _("Opinion")


class ComplaintStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("complaint status", "registered")
    INVESTIGATING = "investigating", pgettext_lazy("complaint status", "being investigated")
    DISPUTE = "dispute", pgettext_lazy("complaint status", "with the specialist team")
    RESOLVED = "resolved", pgettext_lazy("complaint status", "resolved")
    CLOSED = "closed", pgettext_lazy("complaint status", "closed")


OPEN_COMPLAINT_STATUSES = [
    ComplaintStatus.REGISTERED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.DISPUTE,
]


class Complaint(TimeStampedModel):
    """One registered opinion, suggestion or complaint (CMP-3)."""

    number = models.CharField(_("complaint no."), max_length=30, unique=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ComplaintKind.choices, default=ComplaintKind.COMPLAINT
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.REGISTERED,
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    complaint_class = models.ForeignKey(
        ComplaintClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # Reach (ORG-3): the unit the complaint is about (the order's handling unit, else the
    # registering person's unit).
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("unit concerned"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    complainant_name = models.CharField(_("complainant"), max_length=100)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    complainant_address = models.CharField(_("complainant's address"), max_length=300, blank=True)
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    survey = models.ForeignKey(
        "followup.Survey",
        verbose_name=_("from survey"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    return_visit = models.ForeignKey(
        "followup.ReturnVisit",
        verbose_name=_("from return visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"), db_index=True)
    # CMP-4: the designated owner who handles and tracks it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("complaint owner"),
        on_delete=models.PROTECT,
        related_name="owned_complaints",
    )
    # CMP-2: whose conduct or work the complaint is about (a violation is recorded against
    # them and their regional head when it is neither resolved nor reported in time).
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_against",
    )
    report_due_at = models.DateTimeField(_("report due at"))
    resolve_due_at = models.DateTimeField(_("resolve due at"))
    reported_at = models.DateTimeField(_("reported to the company at"), null=True, blank=True)
    report_note = models.TextField(_("report"), blank=True)
    cause = models.TextField(_("cause found"), blank=True)
    proposal = models.TextField(_("proposed resolution"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_on_spot = models.BooleanField(_("resolved on the spot"), default=False)
    customer_satisfied = models.BooleanField(
        _("customer satisfied with the outcome"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # CMP-2 is checked once per complaint by the sweep.
    violation_checked_at = models.DateTimeField(_("late check done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("handle_complaint", _("Can handle complaints owned by others")),
            ("supervise_complaint", _("Can see every complaint (market supervision)")),
            ("close_complaint", _("Can close complaints")),
        ]
        indexes = [
            models.Index(fields=["status", "resolve_due_at"], name="complaint_board"),
            models.Index(fields=["violation_checked_at", "report_due_at"], name="complaint_late"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES


class ComplaintReply(TimeStampedModel):
    """The written reply to the customer (顾客来函处理回复单, CMP-4, FUP-4)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="replies"
    )
    number = models.CharField(_("reply no."), max_length=30, unique=True, editable=False)
    text = models.TextField(_("reply"))
    sent_via = models.CharField(_("sent by"), max_length=20)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("written reply")
        verbose_name_plural = _("written replies")
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return self.number


class ComplaintNote(models.Model):
    """A step in tracking a complaint (CMP-3): who did what, when."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notes"
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    text = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint note")
        verbose_name_plural = _("complaint notes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.action}"


class Violation(TimeStampedModel):
    """A violation of service rules recorded against a person (STF-3), here by CMP-2: the
    fine escalates with the person's earlier violations of the same rule (first 100 CNY,
    second double, third: dismissal proposed); a department head is fined double."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="violations",
    )
    rule_id = models.CharField(_("rule"), max_length=20)
    as_head = models.BooleanField(_("as the responsible head"), default=False)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
    )
    occurrence = models.PositiveSmallIntegerField(_("occurrence of this rule"))
    fine = models.DecimalField(_("fine (CNY)"), max_digits=12, decimal_places=2)
    dismissal_proposed = models.BooleanField(_("dismissal proposed"), default=False)
    description = models.TextField(_("description"))
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "person"],
                condition=Q(complaint__isnull=False),
                name="one_violation_per_complaint_person",
            ),
            models.CheckConstraint(condition=Q(fine__gte=Decimal("0")), name="fine_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.rule_id} #{self.occurrence}"
