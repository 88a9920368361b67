"""manage.py backup: the database, streamed to S3 and checked, then old backups pruned."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.config import BackupSettings, Database, human_size
from publisher.backups.errors import BackupError
from publisher.backups.store import run_backup


class Command(BaseCommand):
    help = (
        "Back the database up to S3: one consistent snapshot, gzip-streamed, checked, "
        "with a manifest; then prune old backups (BACKUP_KEEP_DAILY/WEEKLY/MONTHLY)."
    )

    # A backup (or a restore) must not be blocked by a problem elsewhere, such
    # as an unwritable build directory; `manage.py check` still reports those.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show where the backup would go and which backups retention would delete; "
            "upload and delete nothing.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            result = run_backup(
                db, BackupSettings.from_settings(settings), dry_run=options["dry_run"]
            )
        except BackupError as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        if options["verbosity"] >= 1 and result.dry_run:
            for backup in result.pruned:
                self.stdout.write(f"would delete {backup.key}")
            self.stdout.write(
                f"backup (dry run): would store s3://{result.bucket}/{result.key}; "
                f"would keep {len(result.kept)}, delete {len(result.pruned)}"
            )
        elif options["verbosity"] >= 1:
            manifest = result.manifest
            assert manifest is not None
            self.stdout.write(
                f"backup: {db.label} {human_size(manifest.raw_bytes)} -> {human_size(manifest.bytes)} gzip "
                f"in {manifest.seconds:.1f} s -> s3://{result.bucket}/{result.key} "
                f"(sha256 {manifest.sha256[:12]}); kept {len(result.kept)}, "
                f"pruned {len(result.pruned)}"
            )
        if options["verbosity"] >= 2 and not result.dry_run:
            for backup in result.pruned:
                self.stdout.write(f"  deleted {backup.key}")
