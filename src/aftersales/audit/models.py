"""The audit trail (SEC-1, CUS-3): one row per service write, never edited; and the access
log (CUS-2, SEC-2): one row per view, export, print or download of a confidential record."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableAuditError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added, never changed or removed in bulk."""

    def update(self, **kwargs):
        raise ImmutableAuditError(f"{self.model.__name__} rows cannot be updated")

    def delete(self):
        raise ImmutableAuditError(f"{self.model.__name__} rows cannot be deleted")

    def for_object(self, obj):
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return self.filter(content_type=ct, object_id=str(obj.pk))


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it raises."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableAuditError(f"{type(self).__name__} rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditError(f"{type(self).__name__} rows cannot be deleted")


class AuditEntryQuerySet(AppendOnlyQuerySet):
    pass


class AuditEntry(AppendOnlyModel):
    """Who did what to which record, when, and the values before and after."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the trail still names the person after their account is gone.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("viewed")
    EXPORT = "export", _("exported")
    PRINT = "print", _("printed")
    DOWNLOAD = "download", _("downloaded")


class AccessEntryQuerySet(AppendOnlyQuerySet):
    pass


class AccessEntry(AppendOnlyModel):
    """Who looked at or took out which confidential record, when and from where (CUS-2,
    SEC-2). A list export has no object: ``what`` says what it held (rows, filter)."""

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the log still names the person after their account is gone.
    actor_name = models.CharField(_("person's user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    what = models.CharField(_("what"), max_length=300, blank=True)
    path = models.CharField(_("page address"), max_length=500, blank=True)
    client_address = models.CharField(_("client address"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    objects = AccessEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        ordering = ["-at", "-id"]
        # Rows are only written by record_access() and read: no add/change/delete rights.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="access_object"),
            models.Index(fields=["actor", "-at"], name="access_actor"),
        ]

    def __str__(self) -> str:
        target = self.object_repr or self.what
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {target}"
