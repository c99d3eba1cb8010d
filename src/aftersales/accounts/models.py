"""Organisation units, sales regions and people (ORG-1, ORG-2, ORG-3)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import ROLES_BY_CODE
from aftersales.core.models import TimeStampedModel


def subtree_ids(model, pk: int) -> set[int]:
    """The row and every row under it by ``parent`` (trees are small: one query per level)."""
    ids, frontier = {pk}, [pk]
    while frontier:
        frontier = list(model.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


class Region(TimeStampedModel):
    """A sales region (区域市场); regions may nest (e.g. 华东 > 江苏)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("sales region")
        verbose_name_plural = _("sales regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> set[int]:
        """This region and its sub-regions (华东 → 浙江, 江苏)."""
        return subtree_ids(Region, self.pk)


class OrgUnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OrgUnitQuerySet":
        from aftersales.accounts.reach import reach_of

        reach = reach_of(user)
        if reach.everything:
            return self
        return self.filter(pk__in=reach.unit_ids)


class OrgUnit(TimeStampedModel):
    """A node of the organisation tree (ORG-1): HQ, its departments, branches, service centres."""

    class Kind(models.TextChoices):
        HQ = "hq", _("Headquarters")
        DEPARTMENT = "department", _("HQ department")
        BRANCH = "branch", _("Branch")
        SERVICE_CENTRE = "service_centre", _("Authorised service centre")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # CAL-1: deadlines of this unit's work are counted on this calendar; empty means the
    # parent unit's calendar, and at the top the default one.
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="org_units",
        help_text=_("Empty: the parent unit's calendar, or the default calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="hq") | models.Q(parent__isnull=False),
                name="orgunit_only_hq_is_root",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_headquarters(self) -> bool:
        """HQ itself or one of its departments."""
        return self.kind in (self.Kind.HQ, self.Kind.DEPARTMENT)

    def descendant_ids(self) -> set[int]:
        """This unit and every unit under it."""
        return subtree_ids(OrgUnit, self.pk)


class UserQuerySet(models.QuerySet):
    def with_permission(self, perm: str) -> "UserQuerySet":
        """People holding the right through a role or directly (a superuser's implicit
        rights do not count: they make nobody a technician or a recipient)."""
        app_label, codename = perm.split(".", 1)
        through_role = models.Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        direct = models.Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        # A subquery, not a join: one row per person, and annotations stay correct.
        return self.filter(pk__in=User.objects.filter(through_role | direct).values("pk"))

    def visible_to(self, user) -> "UserQuerySet":
        from aftersales.accounts.reach import reach_of

        reach = reach_of(user)
        if reach.everything:
            return self
        return self.filter(org_unit_id__in=reach.unit_ids)


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    pass


# A person's groups with their rights, then the rights given to the person directly (group
# name NULL): the tables of User.groups, User.user_permissions and Django's auth models
# (tests/accounts/test_grants.py checks the names).
GRANTS_SQL = """
SELECT g.name, ct.app_label, p.codename
FROM accounts_user_groups ug
INNER JOIN auth_group g ON g.id = ug.group_id
LEFT JOIN auth_group_permissions gp ON gp.group_id = g.id
LEFT JOIN auth_permission p ON p.id = gp.permission_id
LEFT JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE ug.user_id = %s
UNION ALL
SELECT NULL, ct.app_label, p.codename
FROM accounts_user_user_permissions up
INNER JOIN auth_permission p ON p.id = up.permission_id
INNER JOIN django_content_type ct ON ct.id = p.content_type_id
WHERE up.user_id = %s
"""


class User(AbstractUser):
    """A person who signs in: staff of HQ, a branch or a service centre."""

    display_name = models.CharField(_("name"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    wechat_id = models.CharField(
        _("WeChat ID"),
        max_length=64,
        blank=True,
        help_text=_(
            "Where notifications are sent by WeChat (e.g. the WeChat Work user ID); empty: no "
            "WeChat messages."
        ),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> set[str]:
        self.load_grants()
        return self.__dict__["role_codes"]

    def load_grants(self) -> None:
        """The person's roles and rights in one query (issue 7; before: one for the roles and
        two of Django's ModelBackend for the rights), kept on this object — a request's user —
        like Django's own permission caches: ``role_codes`` and the sets ModelBackend reads
        (``_user_perm_cache``, ``_group_perm_cache``; not for a superuser, who holds every
        right, nor for an inactive person, who holds none). What is kept already stays."""
        rows = []
        if self.pk is not None:
            with connection.cursor() as cursor:
                cursor.execute(GRANTS_SQL, [self.pk, self.pk])
                rows = cursor.fetchall()
        if "role_codes" not in self.__dict__:
            groups = {name for name, _app, _codename in rows if name is not None}
            self.__dict__["role_codes"] = groups & set(ROLES_BY_CODE)
        if self.is_superuser or not self.is_active:
            return
        if not hasattr(self, "_group_perm_cache"):
            self._group_perm_cache = {
                f"{app}.{codename}"
                for name, app, codename in rows
                if name is not None and codename is not None
            }
        if not hasattr(self, "_user_perm_cache"):
            self._user_perm_cache = {
                f"{app}.{codename}" for name, app, codename in rows if name is None
            }

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes & set(codes))

    @property
    def role_labels(self) -> list[str]:
        return [str(ROLES_BY_CODE[c].label) for c in sorted(self.role_codes)]


# --- sign-in protection (SEC-4) ------------------------------------------------------


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one user name or one client address (SEC-4).

    One row per name or address, kept in the database so every app server sees the same
    count. The name is counted whether or not such a person exists, so a lock says nothing
    about who has an account.
    """

    class Scope(models.TextChoices):
        USERNAME = "username", _("user name")
        ADDRESS = "address", _("client address")

    scope = models.CharField(_("counted by"), max_length=10, choices=Scope.choices)
    key = models.CharField(_("user name or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failures in the window"), default=0)
    window_started_at = models.DateTimeField(_("window started at"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, db_index=True)
    locks = models.PositiveIntegerField(_("times locked"), default=0)

    class Meta:
        verbose_name = _("failed sign-ins")
        verbose_name_plural = _("failed sign-ins")
        ordering = ["-last_failure_at"]
        default_permissions = ("view",)
        permissions = [("unlock_login", _("Can lift a sign-in lock"))]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="loginthrottle_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"

    def is_locked(self, now) -> bool:
        return self.locked_until is not None and self.locked_until > now


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None) -> "ApiTokenQuerySet":
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A personal API token (SEC-4): several per person, each expiring and revocable.

    Only the SHA-256 of the key is stored; the key itself is shown once, when issued.
    The first characters (``prefix``) let the person tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("begins with"), max_length=12)
    key_hash = models.CharField(_("key (SHA-256)"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        default_permissions = ("view",)
        permissions = [("revoke_apitoken", _("Can revoke anyone's API tokens"))]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    STATUS_LABELS = {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}

    def status(self, now=None) -> str:
        """active, expired or revoked."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    def status_label(self) -> str:
        return str(self.STATUS_LABELS[self.status()])
