"""manage.py backup: the database, streamed to S3 and checked, then old backups
pruned; with --binlogs, MariaDB's finished binary logs shipped to S3."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.binlogs import ShipResult, ship_binlogs
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
        parser.add_argument(
            "--binlogs",
            action="store_true",
            help="MariaDB: rotate the binary log (FLUSH BINARY LOGS) and ship every finished "
            "binlog S3 lacks, then exit (cron runs it every minute).",
        )
        parser.add_argument(
            "--follow",
            action="store_true",
            help="With --binlogs: keep shipping every --interval seconds until SIGTERM "
            "(for a systemd service).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=15.0,
            help="Seconds between two shipments with --follow (default 15).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["follow"] and not options["binlogs"]:
            raise CommandError("--follow keeps shipping binary logs: give it with --binlogs")
        if options["interval"] < 1:
            raise CommandError(f"--interval must be at least 1 second (got {options['interval']})")
        if options["binlogs"]:
            self.ship(options)
            return
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

    def ship(self, options: dict[str, Any]) -> None:
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            conf = BackupSettings.from_settings(settings)
        except BackupError as exc:
            raise CommandError(f"backup --binlogs failed: {exc}") from exc
        if db.engine != "mysql":
            raise CommandError(
                "backup --binlogs ships MariaDB's binary logs; SQLite has none and keeps "
                "nightly backups only (manage.py backup)"
            )
        stop = threading.Event()
        if options["follow"]:
            # SIGTERM (systemd stop) ends the loop after the shipment in hand.
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while True:
            try:
                result = ship_binlogs(
                    db, conf, Path(settings.BACKUP_BINLOG_SPOOL), dry_run=options["dry_run"]
                )
            except BackupError as exc:
                if not options["follow"]:
                    raise CommandError(f"backup --binlogs failed: {exc}") from exc
                self.stderr.write(f"backup --binlogs failed: {exc}")
            else:
                self.report(result, options)
                if result.problems and not options["follow"]:
                    raise CommandError("backup --binlogs: " + "; ".join(result.problems))
            if not options["follow"] or stop.wait(options["interval"]):
                return

    def report(self, result: ShipResult, options: dict[str, Any]) -> None:
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["follow"]:
            for problem in result.problems:
                self.stderr.write(f"problem: {problem}")
        if options["verbosity"] >= 2:
            for manifest in result.shipped:
                self.stdout.write(f"  shipped {manifest.key} (sha256 {manifest.sha256[:12]})")
            for name in result.pruned:
                self.stdout.write(f"  pruned {name}")
        if options["verbosity"] >= 1 and (not options["follow"] or result.shipped):
            newest = (
                f"{result.newest_event.astimezone(ZoneInfo(settings.TIME_ZONE)):%Y-%m-%d %H:%M:%S %Z}"
                if result.newest_event
                else "none"
            )
            if options["dry_run"]:
                counts = f"would ship {len(result.waiting)}"
            else:
                counts = f"shipped {len(result.shipped)}, waiting {len(result.waiting)}"
            self.stdout.write(
                f"backup --binlogs: {counts}, pruned {len(result.pruned)}; "
                f"newest recoverable moment {newest} ({result.seconds:.1f} s)"
            )
