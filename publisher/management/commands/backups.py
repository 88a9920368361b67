"""manage.py backups: the database's backups in S3, oldest first, and which count;
--drill restores the newest point into a scratch database and compares it."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.binlogs import ShippedBinlog, list_binlogs
from publisher.backups.config import BackupSettings, Database, human_size
from publisher.backups.drill import RESULT_FILE, DrillResult, run_drill
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.retention import list_backups
from publisher.backups.verify import verify_backup
from publisher.s3 import make_client


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
        parser.add_argument(
            "--drill",
            action="store_true",
            help="MariaDB: restore the newest point into a scratch database, compare every "
            "table with the live one at that point, drop it, record RPO and RTO (and mail "
            "BACKUP_ALERT_EMAIL if it fails).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["drill"]:
            self.drill(options)
            return
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
            binlogs = list_binlogs(conf, db.label, s3=make_client()) if db.engine == "mysql" else []
        except BackupError as exc:
            raise CommandError(f"backups: {exc}") from exc
        zone = ZoneInfo(settings.TIME_ZONE)
        for backup in backups:
            state = "verified" if backup.verified else f"UNVERIFIED ({backup.problem})"
            self.stdout.write(
                f"{backup.created.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}  "
                f"{human_size(backup.bytes):>10}  {backup.key}  {state}"
            )
        if binlogs:
            self.stdout.write(binlog_line(binlogs, zone))
        counted = sum(b.verified for b in backups)
        where = f"s3://{conf.bucket}/{conf.prefix}"
        self.stdout.write(
            f"backups: {len(backups)} in {where} "
            f"({'all databases' if options['all'] else db.label}), {counted} verified, "
            f"{human_size(sum(b.bytes for b in backups))}"
        )

    def drill(self, options: dict[str, Any]) -> None:
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            conf = BackupSettings.from_settings(settings)
        except BackupError as exc:
            raise CommandError(f"backups --drill: {exc}") from exc
        result = run_drill(
            db,
            conf,
            Path(settings.BACKUP_BINLOG_SPOOL),
            record=Path(settings.VAR_DIR) / RESULT_FILE,
        )
        if options["verbosity"] >= 2:
            for table in result.tables:
                state = "same" if table.ok else "DIFFERENT"
                self.stdout.write(
                    f"  {table.name}: {table.live_rows:,} rows, checksum {table.live_checksum} "
                    f"-> {table.restored_rows} rows, checksum {table.restored_checksum}: {state}"
                )
        line = drill_line(result)
        if not result.ok:
            send_mail(
                f"Backup drill FAILED for {db.label}",
                f"{line}\n\nThe backups of {db.label} could not be proven to restore. "
                "Run `manage.py backups --drill -v2` to see each table, and "
                "`manage.py backup --binlogs` for the state of the binary logs.",
                None,
                [settings.BACKUP_ALERT_EMAIL],
                fail_silently=True,  # the command still fails, and cron mails that
            )
            raise CommandError(line)
        if options["verbosity"] >= 1:
            self.stdout.write(line)


def drill_line(result: DrillResult) -> str:
    rpo = f"{result.rpo_seconds:,.0f} s" if result.rpo_seconds is not None else "unknown"
    rto = f"{result.rto_seconds:,.1f} s" if result.rto_seconds is not None else "unknown"
    if not result.ok:
        return f"backups --drill FAILED for {result.database}: {result.problem} (RPO {rpo})"
    return (
        f"backups --drill: {result.database} restored to {result.position} "
        f"({result.dump_key} + {result.transactions:,} transactions): {len(result.tables)} "
        f"tables equal to live, rows and CHECKSUM TABLE; RPO {rpo}, RTO {rto}"
    )


def binlog_line(binlogs: list[ShippedBinlog], zone: ZoneInfo) -> str:
    """One line on the shipped binlogs: how many count, which, the newest change."""
    counted = [b for b in binlogs if b.verified and b.manifest]
    if not counted:
        return f"binlogs: none shipped ({len(binlogs)} without a manifest)"
    newest = max(b.manifest.last_time for b in counted if b.manifest).astimezone(zone)
    return (
        f"binlogs: {len(counted)} verified ({counted[0].name} to {counted[-1].name}), "
        f"{len(binlogs) - len(counted)} not counted, {human_size(sum(b.bytes for b in binlogs))}; "
        f"newest change {newest:%Y-%m-%d %H:%M:%S %Z}"
    )
