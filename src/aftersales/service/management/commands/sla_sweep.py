"""aftersales sla_sweep: SLA warnings, breaches and escalations (SVC-7), once or every N
seconds."""

import time

from django.core.management.base import BaseCommand

from aftersales.service import sla


class Command(BaseCommand):
    help = (
        "Warn before SLA deadlines, mark overdue clocks breached and escalate them (SVC-7). "
        "Safe to run on several machines at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=0, help="repeat every N seconds (0: run once and stop)"
        )

    def handle(self, *args, **opts):
        while True:
            done = sla.sweep()
            if opts["verbosity"]:
                self.stdout.write(
                    "SLA sweep: {warned} warned, {breached} newly breached, "
                    "{escalated} escalated".format(**done)
                )
            if not opts["every"]:
                return
            time.sleep(opts["every"])
