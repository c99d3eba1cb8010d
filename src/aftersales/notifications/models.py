"""A message to one person: shown in their inbox, also sent by e-mail, SMS and WeChat when
set up."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    """What a notification is about; SMS and WeChat go only to the topics the site lists."""

    SLA_WARNING = "sla.warning", _("Deadline soon")
    SLA_ESCALATED = "sla.escalated", _("Deadline passed, escalated")
    ORDER_ASSIGNED = "order.assigned", _("Order assigned to you")
    LEAD_RECORDED = "lead.recorded", _("New sales lead")
    QUESTION_REFERRED = "question.referred", _("Question referred to you")
    QUESTION_ANSWERED = "question.answered", _("Your referred question was answered")
    SHIPMENT_SENT = "parts.shipped", _("Parts shipped")
    INQUIRY_ASKED = "parts.inquiry", _("Purchase inquiry to answer")
    INQUIRY_ANSWERED = "parts.inquiry_answered", _("Your purchase inquiry was answered")
    PAYMENT_ARRIVED = "payment.arrived", _("Customer's payment arrived")
    PAYMENT_LATE = "payment.late", _("Payment not yet passed on to the technician")
    QUOTATION_ACCEPTED = "quotation.accepted", _("Quotation accepted")
    REPORT_SENT = "report.sent", _("Scheduled report")
    FOLLOWUP_CASE = "followup.case", _("Follow-up case for you")
    COMPLAINT_ASSIGNED = "complaint.assigned", _("Complaint for you to handle")
    COMPLAINT_SEVERE = "complaint.severe", _("Severe complaint")
    COMPLAINT_REPORTED = "complaint.reported", _("Complaint reported to the company")
    COMPLAINT_LATE = "complaint.late", _("Complaint not handled in time")
    EXCHANGE_TO_APPROVE = "exchange.approve", _("Exchange form to approve")
    EXCHANGE_DECIDED = "exchange.decided", _("Exchange form decided")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        """A person's own notifications: nobody reads anyone else's."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one recipient, with when it was read and when each channel carried it.

    The text is written in the recipient's language when the notification is made and
    kept as sent; ``url`` is the page it is about (e.g. the service order).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    topic = models.CharField(_("topic"), max_length=40, choices=Topic.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    wechat_sent_at = models.DateTimeField(_("WeChat sent at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The unread badge and the inbox: one person's, unread first.
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
