"""Restoring: the backup is checked whole before any database is touched, loaded
into a scratch copy, checked again, and only then switched in for the live one
(MySQL/MariaDB in ``restore_mysql``; SQLite here)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, BackupRefused, RestoreCancelled
from publisher.backups.keys import backup_prefix, key_time
from publisher.backups.manifest import Manifest, missing_tables, read_manifest
from publisher.backups.restore_mysql import restore_mysql
from publisher.backups.retention import list_backups
from publisher.backups.sqlite import scratch_file, sqlite_integrity, sqlite_rows, sqlite_tables
from publisher.backups.verify import stream_backup
from publisher.s3 import make_client


@dataclass
class RestoreResult:
    key: str
    manifest: Manifest
    tables: int
    rows: int
    seconds: float


def resolve_key(settings: BackupSettings, db: Database, which: str, *, s3: Any = None) -> str:
    """The key ``which`` names: ``latest`` (this database's newest verified
    backup) or a key as ``backups`` lists it (``s3://bucket/`` may prefix it)."""
    s3 = s3 or make_client()
    if which == "latest":
        verified = [b for b in list_backups(settings, db.label, s3=s3) if b.verified]
        if not verified:
            raise BackupRefused(
                f"there is no verified backup of {db.label} under "
                f"s3://{settings.bucket}/{backup_prefix(settings.prefix, db.label)}"
            )
        return verified[-1].key
    key = which.removeprefix(f"s3://{settings.bucket}/")
    if key_time(key) is None:
        raise BackupRefused(
            f"{which!r} is not a backup's key: give `latest` or a key as `manage.py backups` "
            "lists it (…/<yyyy>/<mm>/<timestamp>.sql.gz)"
        )
    return key


def run_restore(
    db: Database,
    settings: BackupSettings,
    which: str,
    *,
    confirm: Callable[[str], bool],
    before_replace: Callable[[], None] = lambda: None,
    s3: Any = None,
) -> RestoreResult:
    """Replace ``db`` with the backup ``which`` names, once it is proven sound.

    The steps: read the manifest, stream the whole object down to check it
    (nothing touched yet), ask ``confirm``, load it into a scratch database
    (checking it again on the way), check the scratch copy, call
    ``before_replace`` (close other connections), then switch it in."""
    s3 = s3 or make_client()
    started = time.monotonic()
    key = resolve_key(settings, db, which, s3=s3)
    manifest = read_manifest(s3, settings.bucket, key)
    if manifest.engine != db.engine:
        raise BackupRefused(
            f"{key} is a {manifest.engine} backup and cannot be restored into {db.engine}"
        )
    check = stream_backup(s3, settings.bucket, key, manifest)
    taken = datetime.fromisoformat(manifest.created_at).astimezone(ZoneInfo(settings.time_zone))
    question = (
        f"Replace the live database {db.where} with the backup {key} "
        f"(taken {taken:%Y-%m-%d %H:%M %Z}, {len(manifest.tables)} tables, checked)? "
        "Everything written since then is lost."
    )
    if not confirm(question):
        raise RestoreCancelled("restore cancelled: nothing was changed")
    restore = restore_mysql if db.engine == "mysql" else _restore_sqlite
    tables, rows = restore(db, settings, s3, key, manifest, check.etag, before_replace)
    return RestoreResult(key, manifest, tables, rows, time.monotonic() - started)


def _restore_sqlite(
    db: Database,
    settings: BackupSettings,
    s3: Any,
    key: str,
    manifest: Manifest,
    etag: str,
    before_replace: Callable[[], None],
) -> tuple[int, int]:
    live = Path(db.name)
    live.parent.mkdir(parents=True, exist_ok=True)
    with scratch_file(live.parent, "restore") as copy_path:
        try:
            with open(copy_path, "wb") as handle:
                stream_backup(s3, settings.bucket, key, manifest, sink=handle.write, if_match=etag)
        except OSError as exc:
            raise BackupError(f"cannot write the scratch copy {copy_path}: {exc}") from exc
        copy = sqlite3.connect(copy_path)
        try:
            problem = sqlite_integrity(copy)
            if problem:
                raise BackupRefused(f"SQLite's integrity check fails on {key}: {problem}")
            tables = sqlite_tables(copy)
            missing_tables(manifest, tables)
            rows = sqlite_rows(copy, tables)
            before_replace()
            # Written into the live file through SQLite, not os.replace(): the
            # live database is in WAL mode, and a -wal file left beside a
            # replaced file would be replayed onto it, while the admin's open
            # connections would go on reading the unlinked old file. The backup
            # API writes every page in one write transaction on the live
            # database: other connections see the old or the new database,
            # never a mix, and a failure rolls back to the old one.
            target = sqlite3.connect(live, timeout=30)
            try:
                copy.backup(target)
            except sqlite3.Error as exc:
                raise BackupError(f"could not write the restored copy into {live}: {exc}") from exc
            finally:
                target.close()
        finally:
            copy.close()
    return len(tables), rows
