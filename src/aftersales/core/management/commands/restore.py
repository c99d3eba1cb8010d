"""``aftersales restore PATH [--force] [--check]``: rebuild an empty installation from a backup."""

from django.core.management.base import BaseCommand, CommandError

from aftersales.core import backup


class Command(BaseCommand):
    # Like `migrate`: the system checks import every view and are no business of a backup.
    requires_system_checks = []
    help = (
        "Rebuild an empty installation from an archive of `aftersales backup`: check the "
        "archive, bring the database to the backup's migrations, load every table, restore "
        "the uploaded files, then check every table's rows and checksum. Afterwards run "
        "`aftersales migrate` if this version has newer migrations."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="erase a database that already holds data and restore over it",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive against its manifest and that this version can "
            "restore it; change nothing",
        )

    def handle(self, *args, path, force=False, check=False, **opts):
        log = self.stdout.write if opts["verbosity"] > 1 else None
        try:
            if check:
                manifest = backup.verify_archive(path)
                backup.check_migrations(manifest)
            else:
                result = backup.restore(path, force=force, log=log)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not opts["verbosity"]:
            return
        if check:
            rows = sum(t["rows"] for t in manifest["tables"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path} is intact and restorable: {len(manifest['tables'])} tables, "
                    f"{rows} rows, "
                    f"{len(manifest['files'])} files, made {manifest['created_at']} by "
                    f"version {manifest['app_version']} on {manifest['database']['vendor']}."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.tables} tables, {result.rows} rows, {result.files} files; "
                "every table matches the backup."
            )
        )
        if result.pending_migrations:
            self.stdout.write(
                f"This version has {len(result.pending_migrations)} migrations newer than the "
                "backup: run `aftersales migrate` to bring the database up to date."
            )
