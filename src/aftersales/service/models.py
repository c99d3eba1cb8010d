"""Service orders (服务单): a customer's request from intake to the signed voucher."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    CONTACTED = "contacted", _("Customer contacted")
    PLANNED = "planned", _("Plan agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    """REQ-1: how the request reached us."""

    PHONE = "phone", _("Phone hotline")
    WEB = "web", _("Web repair form")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter / fax")
    MEDIA = "media", _("Media")
    VISIT = "visit", _("Walk-in visit")
    SALESPERSON = "salesperson", _("Salesperson forward")
    BRANCH = "branch", _("Branch forward")
    QR = "qr", _("QR code on the product")


class OrderType(models.TextChoices):
    """REQ-2: what the customer asks for."""

    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Complaint")
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    REFUND = "refund", _("Refund")
    PARTS_PURCHASE = "parts_purchase", _("Parts purchase")


class ServiceKind(models.TextChoices):
    """FEE-1: who pays, derived from the unit's entitlement on the received date."""

    FREE = "free", _("Free service")
    CONTRACT = "contract", _("Contract service")
    PAID = "paid", _("Paid service")
    OTHER = "other", _("Other service")


class PlanMode(models.TextChoices):
    """SVC-2: the five ways of solving a request."""

    SELF_REPLACE = "self_replace", _("Ship parts for the customer to replace")
    PHONE = "phone", _("Phone guidance")
    ON_SITE = "on_site", _("On-site visit by appointment")
    REMOTE = "remote", _("Remote service")
    DEPOT = "depot", _("Depot repair")


# "no running clock" as a sortable boolean: orders with a due time come first. Shared by the
# queue's ORDER BY and its index, which must be the same expression to be used.
QUEUE_NULLS_LAST = models.ExpressionWrapper(
    Q(next_due_at__isnull=True), output_field=models.BooleanField()
)


def queue_order() -> list:
    """The work queue's default order (matches the index order_queue_sort)."""
    return [QUEUE_NULLS_LAST.asc(), "next_due_at", "received_at", "pk"]


OPEN_STATUSES = [
    Status.RECEIVED,
    Status.DISPATCHED,
    Status.CONTACTED,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.WAITING_CUSTOMER,
]


class FaultType(TimeStampedModel):
    """A kind of fault (configurable). EXC-5 counts earlier repairs of the same fault; only a
    performance fault (性能故障) of the product entitles the owner to a return or exchange."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    performance_fault = models.BooleanField(
        _("performance fault"),
        default=True,
        help_text=_("A fault of the product itself (三包); not damage by use or installation."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault type")
        verbose_name_plural = _("fault types")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ServiceOrderQuerySet":
        """ORG-3: HQ roles see all; a unit its own (and its sub-units'); a technician also
        the orders assigned to them."""
        from aftersales.accounts.reach import reach_of

        reach = reach_of(user)
        if reach.everything:
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(org_unit_id__in=reach.unit_ids) | Q(technician=user))

    def open(self) -> "ServiceOrderQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class ServiceOrder(TimeStampedModel):
    """A service order (服务单): one customer request and everything done for it."""

    number = models.CharField(_("order no."), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    order_type = models.CharField(_("type"), max_length=20, choices=OrderType.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The unit handling the order (reach, ORG-3) and, later, its SLA policy and calendar.
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    unit = models.ForeignKey(
        "products.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    # REQ-2: what the order itself needs, kept as given at intake (the file may change later).
    contact_name = models.CharField(_("contact name"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("fault or need"))
    # EXC-5: the kind of fault, set at intake or when the technician finds the cause.
    fault_type = models.ForeignKey(
        FaultType,
        verbose_name=_("fault type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # REQ-7: a fault of the product itself (not use, not installation) — on site next day.
    quality_problem = models.BooleanField(_("quality problem"), default=False)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("forwarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    service_kind = models.CharField(
        _("service kind"), max_length=20, choices=ServiceKind.choices, default=ServiceKind.PAID
    )
    service_kind_reason = models.TextField(_("why this service kind"), blank=True)
    service_kind_overridden = models.BooleanField(_("service kind set by hand"), default=False)
    sla_policy = models.ForeignKey(
        "service.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_orders",
    )
    plan_mode = models.CharField(
        _("solution plan"), max_length=20, choices=PlanMode.choices, blank=True
    )
    diagnosis = models.TextField(_("cause diagnosis"), blank=True)
    plan_notes = models.TextField(_("plan details"), blank=True)
    # SVC-2 (a): shipping parts for self-replacement needs this consent first.
    self_replace_consent_at = models.DateTimeField(
        _("customer consent recorded at"), null=True, blank=True
    )
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    waiting_reason = models.CharField(_("waiting for"), max_length=200, blank=True)
    result = models.TextField(_("work done"), blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    # REQ-9: an order filed while another was open for the same unit or phone points at
    # it; merging cancels this one into that one.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
    )
    # ORG-4: a branch that cannot handle the order hands it to HQ; HQ sees where it came from.
    escalated_from = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("escalated from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The work queue's sort and filters read these, kept by sla.refresh_due() on every clock
    # change: the earliest due time of the running clocks, and whether any clock breached.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    sla_breached = models.BooleanField(_("time limit breached"), default=False, editable=False)
    # The queue's keyword search reads this one indexed column (service/search.py), kept on
    # every write of the fields it copies.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # SVC-4: the customer's signature on the voucher (drawn on the phone, PNG) or a scan of
    # the signed paper voucher; the signer, the time and the customer's comments.
    signature = models.FileField(_("customer signature"), upload_to="signatures/%Y/%m/", blank=True)
    paper_voucher = models.FileField(
        _("scanned paper voucher"), upload_to="vouchers/%Y/%m/", blank=True
    )
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    customer_comments = models.TextField(_("customer's comments"), blank=True)
    # When each step happened (the SLA clocks of a later step read these).
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("customer contacted at"), null=True, blank=True)
    planned_at = models.DateTimeField(_("plan agreed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ServiceOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-received_at"]
        permissions = [
            ("dispatch_serviceorder", _("Can dispatch service orders")),
            ("handle_serviceorder", _("Can handle assigned service orders")),
            ("close_serviceorder", _("Can close, cancel and reopen service orders")),
            ("override_service_kind", _("Can override the service kind")),
            ("view_sla_overview", _("Can see the overview of time limits and breaches")),
            # FIN-1, RPT-2: every technician's monthly statistics in reach (a technician
            # without it sees only their own row).
            (
                "view_service_statistics",
                _("Can see the monthly service statistics of the technicians"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="order_status_received"),
            # SVC-8: each candidate technician's open orders and next appointment, read from
            # the index alone (the dispatch panel of every open order's page).
            models.Index(
                fields=["technician", "status", "appointment_at"], name="order_technician_load"
            ),
            models.Index(fields=["status", "next_due_at"], name="order_status_next_due"),
            # The work queue's default order (queue_order()): due first, soonest first, then
            # the rest by arrival — an expression index, so SQLite reads it in order too
            # (it cannot use a plain index for NULLS LAST).
            models.Index(
                QUEUE_NULLS_LAST, "next_due_at", "received_at", "id", name="order_queue_sort"
            ),
            # Monthly statistics and the dashboard count the orders closed in a date range.
            models.Index(fields=["closed_at"], name="order_closed_at"),
            # REQ-9 at intake: open orders for the same phone (the unit has its own index).
            models.Index(fields=["contact_phone", "status"], name="order_phone_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service:order_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class WebRequestStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class WebRequest(TimeStampedModel):
    """A repair request from the public web form (官网报修单, REQ-1, REQ-4).

    It waits in the intake queue until an agent accepts it as a service order (finding
    or filing the customer) or rejects it; its age is shown so none waits unseen.
    """

    number = models.CharField(_("request no."), max_length=30, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=WebRequestStatus.choices, default=WebRequestStatus.NEW
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30)
    address = models.CharField(_("address"), max_length=300, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    product_text = models.CharField(_("product"), max_length=100, blank=True)
    order_type = models.CharField(
        _("type"), max_length=20, choices=OrderType.choices, default=OrderType.REPAIR
    )
    description = models.TextField(_("fault or need"))
    via_qr = models.BooleanField(_("opened from the product's QR code"), default=False)
    client_ip = models.GenericIPAddressField(_("sent from"), null=True, blank=True)
    order = models.OneToOneField(
        ServiceOrder,
        verbose_name=_("service order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="web_request",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        verbose_name = _("web repair request")
        verbose_name_plural = _("web repair requests")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="webrequest_queue")]

    def __str__(self) -> str:
        return self.number


# --- SLA (SVC-6, SVC-7, REQ-3…REQ-7, CAL-3) ------------------------------------------------


class Event(models.TextChoices):
    """Moments of an order that start or stop an SLA clock."""

    RECEIVED = "received", _("received")
    # REQ-3: a salesperson's (or branch's) forward to customer service; clocks stopped by it
    # apply only to forwarded orders.
    FORWARDED = "forwarded", _("forwarded to customer service")
    DISPATCHED = "dispatched", _("dispatched")
    CONTACTED = "contacted", _("customer contacted")
    PLANNED = "planned", _("plan agreed")
    STARTED = "started", _("work started")
    COMPLETED = "completed", _("completed")
    CLOSED = "closed", _("closed")
    # REQ-6: a question the agent could not answer at once is referred to the responsible
    # person; the clock runs until the customer has the reply. Each referral has its own.
    REFERRED = "referred", _("question referred")
    REFERRAL_ANSWERED = "referral_answered", _("customer given the reply")


class ClockUnit(models.TextChoices):
    """The CAL-1 units a limit is counted in."""

    HOURS = "hours", _("hours (wall clock)")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    DAYS = "days", _("calendar days")


class SlaPolicy(TimeStampedModel):
    """A set of time limits; the most specific matching policy applies to an order.

    A policy matches an order when each of its set criteria (type, customer tier,
    region) equals the order's; more criteria win, then the lower rank; one policy
    is the default for orders nothing else matches.
    """

    name = models.CharField(_("name"), max_length=100)
    order_type = models.CharField(_("type"), max_length=20, choices=OrderType.choices, blank=True)
    service_tier = models.CharField(_("service tier"), max_length=1, blank=True)
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    rank = models.PositiveIntegerField(_("rank"), default=100, help_text=_("Lower wins a tie."))
    # REQ-7: repairs of a quality problem have their own limit (on site the next day).
    quality_problem = models.BooleanField(
        _("quality-problem repairs only"),
        default=False,
        help_text=_("Applies only to orders marked as a quality problem."),
    )
    is_default = models.BooleanField(_("default policy"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["rank", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_sla_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaClockRule(TimeStampedModel):
    """One limit of a policy: from a start event to a stop event, within an amount of time."""

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.CASCADE, related_name="rules"
    )
    rule_id = models.CharField(_("rule"), max_length=20, help_text=_("For example SVC-1."))
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("limit"), max_digits=7, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, choices=ClockUnit.choices)
    start_event = models.CharField(_("starts when"), max_length=20, choices=Event.choices)
    stop_event = models.CharField(_("stops when"), max_length=20, choices=Event.choices)
    pausable = models.BooleanField(
        _("pauses while waiting"),
        default=False,
        help_text=_("CAL-3: the clock stops while the order waits for parts or the customer."),
    )

    class Meta:
        verbose_name = _("SLA clock rule")
        verbose_name_plural = _("SLA clock rules")
        ordering = ["policy", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "rule_id"], name="one_rule_id_per_policy"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sla_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.name}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")


class EscalationLevel(models.IntegerChoices):
    """SVC-7: who has been told of a passed deadline (technician → … → company manager)."""

    NONE = 0, _("not escalated")
    BRANCH_MANAGER = 1, _("branch manager")
    HQ_SERVICE = 2, _("HQ after-sales dept")
    COMPANY_MANAGER = 3, _("company manager")


class OrderClock(models.Model):
    """One SLA clock of one order: its due time kept as an indexed column, never recomputed
    on a page view; met or breached once stopped, breached by the sweep when overdue."""

    order = models.ForeignKey(
        ServiceOrder,
        verbose_name=_("service order"),
        on_delete=models.CASCADE,
        related_name="clocks",
    )
    rule_id = models.CharField(_("rule"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    stop_event = models.CharField(_("stops when"), max_length=20, choices=Event.choices)
    pausable = models.BooleanField(_("pauses while waiting"), default=False)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused for (seconds)"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    breached_at = models.DateTimeField(_("breach noticed at"), null=True, blank=True)
    # SVC-7: the warning before the deadline and the escalation ladder after it.
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warning sent at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    # Whose deadline it is when not the order's technician (REQ-6: the person a question
    # was referred to).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at"]
        constraints = [
            # A rule's clock may run again after it stopped (a second referred question),
            # never twice at once.
            models.UniqueConstraint(
                fields=["order", "rule_id"],
                condition=~Q(state="stopped"),
                name="one_running_clock_per_rule",
            )
        ]
        indexes = [
            # The sweep: running, not yet breached, due before now.
            models.Index(fields=["state", "breached", "due_at"], name="clock_sweep"),
            # SVC-7 warnings: running, not breached, not warned, warn time passed.
            models.Index(
                fields=["state", "breached", "warned_at", "warn_at"], name="clock_warn_sweep"
            ),
            # SVC-7 ladder: running clocks whose next escalation time has passed.
            models.Index(fields=["state", "next_escalation_at"], name="clock_escalation_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.rule_id}"

    @property
    def met(self) -> bool | None:
        """None while running; True when it stopped in time."""
        if self.state != ClockState.STOPPED:
            return None
        return not self.breached


class TechnicianProfile(TimeStampedModel):
    """What the dispatcher needs to know of a technician beyond their unit and region (SVC-8):
    the product categories they are trained for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.CASCADE,
        related_name="technician_profile",
    )
    skills = models.ManyToManyField(
        "products.ProductCategory",
        verbose_name=_("skills (product categories)"),
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("technician profile")
        verbose_name_plural = _("technician profiles")

    def __str__(self) -> str:
        return str(self.user)


class OrderAttachment(TimeStampedModel):
    """REQ-2: a photo of the fault or a document (PNG, JPEG or PDF) kept with the order.

    The stored file is named after the order (``<number>-<n>.<ext>``); the name the user's
    file had is kept only as text.
    """

    order = models.ForeignKey(
        ServiceOrder,
        verbose_name=_("service order"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ReferralKind(models.TextChoices):
    TECHNICAL = "technical", _("technical question (technical dept)")
    OTHER = "other", _("other question")


class ReplyChannel(models.TextChoices):
    PHONE = "phone", _("by phone")
    SMS = "sms", _("by text message")
    ON_SITE = "on_site", _("in person")


class Referral(TimeStampedModel):
    """REQ-6, SVC-7: a customer's question the agent could not answer at once, referred to
    the person responsible (technical questions to the technical dept); the customer must
    have the reply within the REQ-6 limit (30 min by default), which runs on its own clock.
    """

    order = models.ForeignKey(
        ServiceOrder,
        verbose_name=_("service order"),
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ReferralKind.choices, default=ReferralKind.OTHER
    )
    question = models.TextField(_("question"))
    referred_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred to"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    referred_at = models.DateTimeField(_("referred at"))
    clock = models.OneToOneField(
        OrderClock,
        verbose_name=_("time limit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referral",
    )
    answer = models.TextField(_("reply to the customer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("customer told at"), null=True, blank=True)
    reply_channel = models.CharField(
        _("told"), max_length=20, choices=ReplyChannel.choices, blank=True
    )

    class Meta:
        verbose_name = _("referred question")
        verbose_name_plural = _("referred questions")
        ordering = ["-referred_at", "-pk"]
        indexes = [
            # "Questions for me": the open ones of a person, oldest first.
            models.Index(fields=["referred_to", "answered_at"], name="referral_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.question[:40]}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
