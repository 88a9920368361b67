"""manage.py restore <key|latest>: check a backup, then make it the live database;
restore --to "<time>" / --to-gtid: the database as it was at a moment (MariaDB)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, RestoreCancelled
from publisher.backups.pitr import PointResult, Target, run_restore_to
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
        parser.add_argument(
            "backup",
            nargs="?",
            help="`latest`, or a key as `manage.py backups` lists it (not with --to).",
        )
        parser.add_argument(
            "--to",
            metavar="TIME",
            help="MariaDB: the database as it was at this moment, newsroom time (TIME_ZONE): "
            '"2026-12-07 16:58" or "2026-12-07 16:58:30"; an ISO time with an offset works too.',
        )
        parser.add_argument(
            "--to-gtid",
            metavar="GTID",
            help="MariaDB: the database right after this transaction (domain-server-sequence).",
        )
        parser.add_argument(
            "--into",
            metavar="NAME",
            help="With --to/--to-gtid: restore into this new database on the same server and "
            "leave the live one alone (no confirmation needed).",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Replace the live database without asking."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.assume_yes = options["yes"]
        target = self.target(options)
        if target is not None:
            self.restore_to(target, options)
            return
        if options["into"]:
            raise CommandError("--into goes with --to or --to-gtid")
        if not options["backup"]:
            raise CommandError("name the backup to restore (`latest` or a key), or give --to")
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            result = run_restore(
                db,
                BackupSettings.from_settings(settings),
                options["backup"],
                confirm=self.confirm,
                before_replace=connections.close_all,
            )
        except BackupError as exc:
            raise failure(exc) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"restore: {result.key} -> {db.label}: {result.tables} tables, "
                f"{result.rows:,} rows in {result.seconds:.1f} s. "
                "Run `manage.py build` to make the site match it."
            )

    def target(self, options: dict[str, Any]) -> Target | None:
        if options["to"] and options["to_gtid"]:
            raise CommandError("give --to or --to-gtid, not both")
        if (options["to"] or options["to_gtid"]) and options["backup"]:
            raise CommandError(f"--to picks the backup itself: leave out {options['backup']!r}")
        if options["to_gtid"]:
            return Target(gtid=options["to_gtid"].strip())
        if options["to"]:
            return Target(time=parse_moment(options["to"], settings.TIME_ZONE))
        return None

    def restore_to(self, target: Target, options: dict[str, Any]) -> None:
        try:
            db = Database.from_settings_dict(connections[options["database"]].settings_dict)
            result = run_restore_to(
                db,
                BackupSettings.from_settings(settings),
                target,
                confirm=self.confirm,
                before_replace=connections.close_all,
                into=options["into"] or "",
                scratch_dir=Path(settings.BACKUP_BINLOG_SPOOL).parent,
            )
        except BackupError as exc:
            raise failure(exc) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                summary(result, ZoneInfo(settings.TIME_ZONE), into=bool(options["into"]))
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


def parse_moment(text: str, zone_name: str) -> datetime:
    """``2026-12-07 16:58[:SS]`` in the newsroom's time zone, or an ISO time with an offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f'--to {text!r} is not a time: give it as "2026-12-07 16:58" or '
            '"2026-12-07 16:58:30" (newsroom time)'
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment


def summary(result: PointResult, zone: ZoneInfo, *, into: bool) -> str:
    replay = result.replay
    last = (
        f", the last at {replay.last_time.astimezone(zone):%Y-%m-%d %H:%M:%S %Z} ({replay.last_gtid})"
        if replay.last_time
        else ""
    )
    return (
        f"restore: {result.database} as at {result.target.describe(zone)}: {result.dump_key} "
        f"+ {replay.transactions:,} transaction(s) from {len(replay.files)} binlog(s){last}; "
        f"{result.tables} tables, {result.rows:,} rows in {result.seconds:.1f} s."
        + ("" if into else " Run `manage.py build` to make the site match it.")
    )


def failure(exc: BackupError) -> CommandError:
    """What the operator reads when a restore stops, and whether live was touched."""
    if isinstance(exc, RestoreCancelled):
        return CommandError(str(exc))
    untouched = " The live database was not touched." if exc.live_untouched else ""
    return CommandError(f"restore failed: {str(exc).rstrip('.')}.{untouched}")
