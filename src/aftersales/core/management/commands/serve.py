"""aftersales serve: migrate, load demo data into an empty database, run web + worker."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def worker_command() -> list[str]:
    """The task worker of the configured Tasks backend: RQ's when TASKS_URL names a Redis."""
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        return ["rqworker", "--with-scheduler"]
    return ["db_worker"]


class Command(BaseCommand):
    help = "Migrate, load demo data into an empty database, run web server and task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", default=os.environ.get("WEB_WORKERS", "2"))
        parser.add_argument("--no-demo", action="store_true", help="never load demo data")

    def handle(self, *args, **opts):
        from aftersales.accounts.models import User
        from aftersales.core.demo import DEMO_LOGINS, DEMO_PASSWORD

        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # only acts when CACHE_URL=db
        survey_token = None
        if not opts["no_demo"] and not User.objects.exists():
            from aftersales.core.demo import load

            self.stdout.write("Loading demo data (first start) …")
            # The empty database needs no flush: load directly and keep a customer's survey
            # link (only its hash is stored) to print below.
            survey_token = load().get("survey_tokens", {}).get("waiting")

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.settings"}
        env.setdefault("AFTERSALES_DATA_DIR", str(settings.DATA_DIR))
        bind = f"{opts['host']}:{opts['port']}"
        # Fixed argument lists of this Python and our own modules, no user input (B603).
        web = subprocess.Popen(  # nosec B603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "aftersales.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(opts["workers"]),
                "--access-logfile",
                "-",
            ],
            env=env,
        )
        worker = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "aftersales.cli", *worker_command()], env=env
        )
        # Every periodic job each minute (SLA, scheduled reports, payment notices); each claims
        # its work, so extra copies are harmless.
        sweeper = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "aftersales.cli", "sweep", "--every", "60", "-v", "0"],
            env=env,
        )
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\naftersales is running at {url}"))
        if User.objects.filter(username__in=[u for u, _ in DEMO_LOGINS]).exists():
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, label in DEMO_LOGINS:
                self.stdout.write(f"  {username:<12} {label}")
        if survey_token:
            self.stdout.write(f"A customer's survey link (FUP-2): {url}survey/{survey_token}/")
        self.stdout.write("Press Ctrl-C to stop.\n")

        children = [web, worker, sweeper]

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        # Started in the background by a script, SIGINT may arrive ignored; Ctrl-C must stop us.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
