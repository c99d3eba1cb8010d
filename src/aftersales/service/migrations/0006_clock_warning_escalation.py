# SVC-7: warning time, warning sent, escalation level and next escalation time of SLA clocks.
# Written by hand: only these fields and indexes (other model changes have their own migration).

from django.conf import settings
from django.db import migrations, models


def backfill_warn_at(apps, schema_editor):
    """Clocks still open get their warning time as new clocks would (no notification is sent
    for the past: a warning time already passed is picked up by the next sweep)."""
    OrderClock = apps.get_model("service", "OrderClock")
    fraction = float(getattr(settings, "AFTERSALES_SLA_WARN_FRACTION", 0.8))
    fraction = min(max(fraction, 0.0), 1.0)
    for clock in OrderClock.objects.exclude(state="stopped").filter(warn_at__isnull=True):
        span = clock.due_at - clock.started_at
        clock.warn_at = clock.started_at + span * fraction
        clock.save(update_fields=["warn_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0005_duplicates_escalation_skills"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderclock",
            name="escalation_level",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "not escalated"),
                    (1, "branch manager"),
                    (2, "HQ after-sales dept"),
                    (3, "company manager"),
                ],
                default=0,
                verbose_name="escalation level",
            ),
        ),
        migrations.AddField(
            model_name="orderclock",
            name="next_escalation_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next escalation at"),
        ),
        migrations.AddField(
            model_name="orderclock",
            name="warn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="warn at"),
        ),
        migrations.AddField(
            model_name="orderclock",
            name="warned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="warning sent at"),
        ),
        migrations.AddIndex(
            model_name="orderclock",
            index=models.Index(
                fields=["state", "breached", "warned_at", "warn_at"], name="clock_warn_sweep"
            ),
        ),
        migrations.AddIndex(
            model_name="orderclock",
            index=models.Index(
                fields=["state", "next_escalation_at"], name="clock_escalation_sweep"
            ),
        ),
        migrations.RunPython(backfill_warn_at, migrations.RunPython.noop),
    ]
