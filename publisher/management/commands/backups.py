"""manage.py backups: the database's backups in S3, oldest first, and which count."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.config import BackupSettings, Database, human_size
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.retention import list_backups
from publisher.backups.verify import verify_backup


class Command(BaseCommand):
    help = (
        "List the database's backups in S3 (date, size, verified or not). A backup is "
        "verified when its manifest is there and matches it; --verify downloads each "
        "one and checks its SHA-256 and completion line, as restore does."
    )

    # A backup (or a restore) must not be blocked by a problem elsewhere, such
    # as an unwritable build directory; `manage.py check` still reports those.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Every database's backups under the prefix."
        )
        parser.add_argument(
            "--verify", action="store_true", help="Download and check every verified backup."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            conf = BackupSettings.from_settings(settings)
            backups = list_backups(conf, None if options["all"] else db.label)
            if options["verify"]:
                for backup in backups:
                    if not backup.verified:
                        continue
                    try:
                        verify_backup(conf, backup.key)
                    except BackupRefused as exc:
                        backup.verified, backup.problem = False, str(exc)
        except BackupError as exc:
            raise CommandError(f"backups: {exc}") from exc
        zone = ZoneInfo(settings.TIME_ZONE)
        for backup in backups:
            state = "verified" if backup.verified else f"UNVERIFIED ({backup.problem})"
            self.stdout.write(
                f"{backup.created.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}  "
                f"{human_size(backup.bytes):>10}  {backup.key}  {state}"
            )
        counted = sum(b.verified for b in backups)
        where = f"s3://{conf.bucket}/{conf.prefix}"
        self.stdout.write(
            f"backups: {len(backups)} in {where} "
            f"({'all databases' if options['all'] else db.label}), {counted} verified, "
            f"{human_size(sum(b.bytes for b in backups))}"
        )
