"""aftersales demo: load (or reload) the demo company."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from aftersales.core.demo import DEMO_LOGINS, DEMO_PASSWORD, load


class Command(BaseCommand):
    help = "Load the demo company into the database; reloads it if only demo data is there."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="erase the database even though it holds data that is not demo data",
        )

    def handle(self, *args, **opts):
        from aftersales.accounts.models import User

        demo_names = {u for u, _ in DEMO_LOGINS}
        names = set(User.objects.values_list("username", flat=True))
        if names and not names <= demo_names and not opts["force"]:
            raise CommandError(
                "This database holds accounts that are not demo accounts; refusing to erase it. "
                "Use --force to erase everything and load the demo company."
            )
        if names:
            call_command("flush", interactive=False, verbosity=0)
        ctx = load()
        if opts["verbosity"]:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, label in DEMO_LOGINS:
                self.stdout.write(f"  {username:<12} {label}")
            token = ctx.get("survey_tokens", {}).get("waiting")
            if token:
                self.stdout.write(f"A customer's survey link (FUP-2): /survey/{token}/")
