"""Return visits, follow-up cases and satisfaction surveys (FUP-1…FUP-6).

Every completed order that the sampling rules pick gets a return visit (回访) due 24 hours
after completion in customer service's queue; the order closes only when its visit is done
or closed as unreachable. A customer not satisfied opens a follow-up case with its own owner
and deadline. The day after completion a survey link with an unguessable token goes to the
customer; the answer (web or a keyed-in paper card) rates the technician.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core.models import TimeStampedModel


class VisitQuestion(TimeStampedModel):
    """One question of the return-visit script (configurable, asked in order)."""

    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveIntegerField(pgettext_lazy("sort order", "position"), default=100)
    # Empty: asked on every visit; otherwise only for orders of this type.
    order_type = models.CharField(_("only for order type"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("return-visit question")
        verbose_name_plural = _("return-visit questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class VisitSampling(TimeStampedModel):
    """FUP-1 sampling: the share of completed orders of a type that get a return visit.
    A type without a row is visited every time (100 %)."""

    order_type = models.CharField(_("order type"), max_length=20, unique=True)
    percent = models.PositiveSmallIntegerField(
        _("share visited (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("return-visit sampling rule")
        verbose_name_plural = _("return-visit sampling rules")
        ordering = ["order_type"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="sampling_percent_max_100")
        ]

    def __str__(self) -> str:
        return f"{self.order_type}: {self.percent}%"


class VisitStatus(models.TextChoices):
    DUE = "due", _("to call")
    SATISFIED = "satisfied", _("satisfied")
    NOT_SATISFIED = "not_satisfied", _("not satisfied")
    UNREACHABLE = "unreachable", _("closed: unreachable")


class ReturnVisit(TimeStampedModel):
    """FUP-1, FUP-5: the phone return visit of one completed order."""

    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.DUE
    )
    # 24 h after completion on the order's business calendar (CAL-1 wall-clock hours).
    due_at = models.DateTimeField(_("due at"))
    # The queue shows a visit when it is due to be called: at once, or at the retry time
    # after an unanswered call (FUP-5).
    next_call_at = models.DateTimeField(_("call at"))
    attempts = models.PositiveSmallIntegerField(_("calls made"), default=0)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Done after its due time: counted against FUP-1 in the reports.
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["next_call_at", "pk"]
        permissions = [("call_returnvisit", _("Can make return visits"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="due"), name="one_open_return_visit_per_order"
            )
        ]
        indexes = [models.Index(fields=["status", "next_call_at"], name="visit_queue")]

    def __str__(self) -> str:
        return f"{self.order} · {self.get_status_display()}"


class VisitCall(models.Model):
    """One call attempt of a return visit (answered or not), for the visit's history."""

    visit = models.ForeignKey(
        ReturnVisit, verbose_name=_("return visit"), on_delete=models.CASCADE, related_name="calls"
    )
    called_at = models.DateTimeField(_("called at"))
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitStatus.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("return-visit call")
        verbose_name_plural = _("return-visit calls")
        ordering = ["called_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit} · {self.outcome}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


class FollowupCase(TimeStampedModel):
    """FUP-5: a customer not satisfied on the return visit — a case linked to the original
    order, with its own owner and deadline."""

    number = models.CharField(_("case no."), max_length=30, unique=True, editable=False)
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("original order"),
        on_delete=models.PROTECT,
        related_name="followup_cases",
    )
    visit = models.ForeignKey(
        ReturnVisit,
        verbose_name=_("return visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    problem = models.TextField(_("what the customer is not satisfied with"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case owner"),
        on_delete=models.PROTECT,
        related_name="followup_cases",
    )
    due_at = models.DateTimeField(_("due at"))
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        ordering = ["status", "due_at"]
        permissions = [("resolve_followupcase", _("Can resolve any follow-up case"))]
        indexes = [models.Index(fields=["status", "due_at"], name="followup_case_queue")]

    def __str__(self) -> str:
        return self.number


class SurveyKind(models.TextChoices):
    ORDER = "order", _("after a service order")
    NEW_CUSTOMER = "new_customer", _("new customer")


class AnswerChannel(models.TextChoices):
    WEB = "web", pgettext_lazy("survey answer channel", "web link")
    PAPER = "paper", pgettext_lazy("survey answer channel", "paper card keyed in")


# The graded scale of FUP-2 (5 = very satisfied … 1 = very dissatisfied).
RATING_CHOICES = [
    (5, _("very satisfied")),
    (4, _("satisfied")),
    (3, _("fair")),
    (2, _("dissatisfied")),
    (1, _("very dissatisfied")),
]
RATING_FIELDS = ["attitude", "skill", "punctuality", "promises"]


def _rating(label):
    return models.PositiveSmallIntegerField(
        label,
        choices=RATING_CHOICES,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


class Survey(TimeStampedModel):
    """FUP-2, FUP-6: one satisfaction survey sent to a customer, answered once through its
    unguessable link or keyed in from the paper card."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=SurveyKind.choices, default=SurveyKind.ORDER
    )
    # Only a hash of the token is stored: the link in the customer's message is the key.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    order = models.ForeignKey(
        "service.ServiceOrder",
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    # FUP-3: whose work is rated (the order's technician when the survey was made).
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    phone = models.CharField(_("sent to phone"), max_length=30, blank=True)
    send_at = models.DateTimeField(_("send at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link valid until"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    channel = models.CharField(
        _("answer channel"), max_length=10, choices=AnswerChannel.choices, blank=True
    )
    keyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("keyed in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attitude = _rating(_("attitude"))
    skill = _rating(_("technical skill"))
    punctuality = _rating(_("punctuality"))
    promises = _rating(_("keeping promises"))
    suggestions = models.TextField(_("suggestions"), blank=True)
    other_needs = models.TextField(_("other needs"), blank=True)
    # Mean of the four ratings, kept on answer for the monthly figures (FUP-3, SVC-6).
    score = models.DecimalField(_("score"), max_digits=3, decimal_places=2, null=True, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-send_at", "-pk"]
        permissions = [
            ("key_in_survey", _("Can key in paper survey cards")),
            ("view_satisfaction", _("Can see satisfaction figures per technician")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="order"),
                name="one_survey_per_order",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(score__isnull=False),
                name="answered_survey_has_score",
            ),
        ]
        indexes = [
            models.Index(fields=["sent_at", "send_at"], name="survey_send_sweep"),
            models.Index(fields=["technician", "answered_at"], name="survey_technician_month"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.send_at:%Y-%m-%d}"
