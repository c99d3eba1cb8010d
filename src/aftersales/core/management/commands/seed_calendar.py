"""``aftersales seed_calendar [--year Y] [--calendar CODE]``: re-seed official holidays (CAL-1)."""

from django.core.management.base import BaseCommand, CommandError

from aftersales.core import services
from aftersales.core.exceptions import ServiceError
from aftersales.core.models import BusinessCalendar


class Command(BaseCommand):
    help = (
        "Bring the official holidays and make-up working days of the business calendar in "
        "line with the chinese_calendar package. Manual entries are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="only this year (default: every covered year)")
        parser.add_argument("--calendar", help="calendar code (default: the default calendar)")

    def handle(self, *args, year=None, calendar=None, **options):
        qs = BusinessCalendar.objects.all()
        target = (
            qs.filter(code=calendar).first() if calendar else qs.filter(is_default=True).first()
        )
        if target is None:
            raise CommandError("No such calendar." if calendar else "No default calendar.")
        try:
            counts = services.seed_official_days(actor=None, calendar=target, year=year)
        except ServiceError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                "{code}: {created} created, {updated} updated, {removed} removed, "
                "{kept_manual} manual entries kept.".format(code=target.code, **counts)
            )
        )
