"""Shared kernel: the base every business table stands on."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Created / updated at and by, on every business table.

    The "by" columns are soft references (SET_NULL) so records survive a person's
    deactivation or removal.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class BusinessCalendar(TimeStampedModel):
    """A named working calendar (CAL-1); organisation units may use their own."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDay(TimeStampedModel):
    """An exception to the Monday–Friday week: a holiday or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Non-working day")
        WORKDAY = "workday", _("Make-up working day")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("Official schedule")
        MANUAL = "manual", _("Entered by an administrator")

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class WorkingHours(TimeStampedModel):
    """Opening and closing time of one weekday in a calendar (default 08:30–17:30)."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="working_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday, as date.weekday()
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "weekday"], name="one_hours_per_weekday"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_to_6"),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="opens_before_close"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class DocumentCounter(models.Model):
    """The last number used in a document series on a day; locked to hand out the next."""

    series = models.CharField(max_length=20)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "day"], name="one_counter_per_series_day")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.day} {self.last}"


class JobRun(models.Model):
    """A periodic job's run for one period (a day, a month): claimed once by inserting this
    row, so a job run twice, or by two workers at once, does its work exactly once."""

    job = models.CharField(_("job"), max_length=60)
    period = models.CharField(_("period"), max_length=20)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="one_run_per_job_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} · {self.period}"
