"""manage.py restore <key|latest>: check a backup, then make it the live database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, RestoreCancelled
from publisher.backups.restore import run_restore


class Command(BaseCommand):
    help = (
        "Restore a backup from S3: its SHA-256 and completion line are checked before "
        "any database is touched, it is loaded into a scratch database and checked "
        "again, and only then switched in for the live one. Asks first unless --yes."
    )

    # A backup (or a restore) must not be blocked by a problem elsewhere, such
    # as an unwritable build directory; `manage.py check` still reports those.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", help="`latest`, or a key as `manage.py backups` lists it.")
        parser.add_argument(
            "--yes", action="store_true", help="Replace the live database without asking."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.assume_yes = options["yes"]
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            result = run_restore(
                db,
                BackupSettings.from_settings(settings),
                options["backup"],
                confirm=self.confirm,
                before_replace=connections.close_all,
            )
        except RestoreCancelled as exc:
            raise CommandError(str(exc)) from exc
        except BackupError as exc:
            untouched = " The live database was not touched." if exc.live_untouched else ""
            raise CommandError(f"restore failed: {str(exc).rstrip('.')}.{untouched}") from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"restore: {result.key} -> {db.label}: {result.tables} tables, "
                f"{result.rows:,} rows in {result.seconds:.1f} s. "
                "Run `manage.py build` to make the site match it."
            )

    def confirm(self, question: str) -> bool:
        if self.assume_yes:
            return True
        self.stdout.write(question)
        try:
            answer = input("Type 'yes' to replace it: ")
        except EOFError:  # no terminal (cron): never a yes
            answer = ""
        return answer.strip().lower() == "yes"
