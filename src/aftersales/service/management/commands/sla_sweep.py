"""aftersales sla_sweep: mark overdue SLA clocks as breached, once or every N seconds."""

import time

from django.core.management.base import BaseCommand

from aftersales.service import sla


class Command(BaseCommand):
    help = "Mark overdue SLA clocks as breached (SVC-7). Safe to run on several machines at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (0: run once and stop)"
        )

    def handle(self, *args, **opts):
        while True:
            marked = sla.sweep_breaches()
            if opts["verbosity"]:
                self.stdout.write(f"SLA sweep: {marked} clock(s) newly breached")
            if not opts["every"]:
                return
            time.sleep(opts["every"])
