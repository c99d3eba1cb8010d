"""``aftersales backup [--output PATH] [--keep N]``: one archive of the database and uploads."""

from django.core.management.base import BaseCommand, CommandError

from aftersales.core import backup


class Command(BaseCommand):
    # Like `migrate`: the system checks import every view and are no business of a backup.
    requires_system_checks = []
    help = (
        "Write one archive (tar.gz, owner-only) of every database table, the uploaded files and "
        "a manifest with counts and checksums, read from one consistent snapshot. Default: "
        "DATA_DIR/backups/aftersales-<UTC time>.tar.gz."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the archive to write (must not exist)")
        parser.add_argument(
            "--keep",
            type=int,
            help="afterwards keep only the newest N archives named aftersales-*.tar.gz "
            "in the archive's directory",
        )

    def handle(self, *args, output=None, keep=None, **opts):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        log = self.stdout.write if opts["verbosity"] > 1 else None
        try:
            result = backup.create(output, keep=keep, log=log)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if opts["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.path}: {result.tables} tables, {result.rows} rows, "
                    f"{result.files} files."
                )
            )
            for path in result.pruned:
                self.stdout.write(f"Deleted the older archive {path}.")
