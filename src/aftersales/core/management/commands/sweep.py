"""aftersales sweep: every periodic job (SLA warnings and escalations, scheduled reports,
payment notices), once or every N seconds. Safe to run on several machines at once."""

import time

from django.core.management.base import BaseCommand

from aftersales.core import periodic


class Command(BaseCommand):
    help = (
        "Run every periodic job: SLA warnings and escalations (SVC-7), scheduled reports "
        "(PRT-5, PRT-6), payment notices (FEE-5). Safe to run on several machines at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (0: run once and stop)"
        )

    def handle(self, *args, **opts):
        while True:
            done = periodic.run_all()
            if opts["verbosity"]:
                for name, result in done.items():
                    self.stdout.write(f"{name}: {result}")
            if not opts["every"]:
                return
            time.sleep(opts["every"])
