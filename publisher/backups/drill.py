"""The restore drill (``manage.py backups --drill``): prove that the backups
restore, and measure how much would be lost (RPO) and how long a restore
takes (RTO).

1. RPO: how old the newest moment S3 could restore was when the drill began.
2. A consistent snapshot of the live database (START TRANSACTION WITH
   CONSISTENT SNAPSHOT): its binlog position, and every table's row count and
   CHECKSUM TABLE as of that position.
3. The binlogs are shipped, so that position is in S3.
4. RTO: the newest dump before the position is restored into a scratch
   database and the binlogs replayed up to the position, exactly as a
   restore would (downloads and checks included).
5. Table by table, rows and checksums of the scratch copy against the
   snapshot; the scratch database is dropped; the result is written down.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.backups.binlogs import list_binlogs, ship_binlogs
from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError
from publisher.backups.mysql import mysql_connect, quote
from publisher.backups.pitr import Target, run_restore_to
from publisher.s3 import make_client

RESULT_FILE = "backup-drill.json"


@dataclass
class TableCheck:
    name: str
    live_rows: int
    restored_rows: int | None
    live_checksum: int | None
    restored_checksum: int | None

    @property
    def ok(self) -> bool:
        return (self.live_rows, self.live_checksum) == (self.restored_rows, self.restored_checksum)


@dataclass
class DrillResult:
    database: str
    started_at: str
    ok: bool = False
    problem: str = ""
    rpo_seconds: float | None = None
    rto_seconds: float | None = None
    position: str = ""
    dump_key: str = ""
    transactions: int = 0
    tables: list[TableCheck] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        for table, check in zip(data["tables"], self.tables, strict=True):
            table["ok"] = check.ok
        return json.dumps(data, indent=2) + "\n"


def _fingerprints(cursor: Any, schema: str) -> dict[str, tuple[int, int | None]]:
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        [schema],
    )
    found = {}
    for (name,) in cursor.fetchall():
        table = f"{quote(schema)}.{quote(name)}"
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (quoted names)
        (rows,) = cursor.fetchone()
        cursor.execute(f"CHECKSUM TABLE {table}")
        found[name] = (int(rows), cursor.fetchone()[1])
    return found


def _snapshot(db: Database) -> tuple[tuple[str, int], dict[str, tuple[int, int | None]]]:
    """The live database's binlog position and fingerprints, read in one
    consistent snapshot (CHECKSUM TABLE reads InnoDB rows as of it too)."""
    connection = mysql_connect(db)
    try:
        cursor = connection.cursor()
        cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        cursor.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
        status = {name.lower(): value for name, value in cursor.fetchall()}
        position = (status["binlog_snapshot_file"], int(status["binlog_snapshot_position"]))
        found = _fingerprints(cursor, db.name)
        cursor.execute("COMMIT")
        return position, found
    finally:
        connection.close()


def run_drill(
    db: Database,
    settings: BackupSettings,
    spool_root: Path,
    *,
    s3: Any = None,
    record: Path | None = None,
) -> DrillResult:
    """Run the drill; the result (also written to ``record``) says whether it
    passed and why not. Raises nothing for a failed comparison: it is a result."""
    s3 = s3 or make_client()
    now = datetime.now(UTC)
    result = DrillResult(database=db.label, started_at=now.isoformat())
    scratch = f"{db.name[:40]}_backup_drill_{secrets.token_hex(4)}"
    try:
        if db.engine != "mysql":
            raise BackupError(
                "the drill restores to a moment with MariaDB's binary logs; SQLite keeps "
                "nightly backups only (check them with `manage.py backups --verify`)"
            )
        shipped = [b for b in list_binlogs(settings, db.label, s3=s3) if b.manifest and b.verified]
        if shipped:
            newest = max(b.manifest.last_time for b in shipped if b.manifest)
            result.rpo_seconds = round((now - newest).total_seconds(), 1)
        position, live = _snapshot(db)
        result.position = f"{position[0]}:{position[1]}"
        shipping = ship_binlogs(db, settings, spool_root, s3=s3)
        if shipping.problems:
            raise BackupError("; ".join(shipping.problems))
        started = time.monotonic()
        restored = run_restore_to(
            db, settings, Target(position=position), confirm=lambda q: False, into=scratch, s3=s3
        )
        result.rto_seconds = round(time.monotonic() - started, 1)
        result.dump_key, result.transactions = restored.dump_key, restored.replay.transactions
        connection = mysql_connect(db)
        try:
            copy = _fingerprints(connection.cursor(), scratch)
        finally:
            connection.close()
        for name in sorted(set(live) | set(copy)):
            rows, checksum = live.get(name, (0, None))
            got = copy.get(name)
            result.tables.append(
                TableCheck(name, rows, got[0] if got else None, checksum, got[1] if got else None)
            )
        differ = [t.name for t in result.tables if not t.ok]
        if differ:
            raise BackupError(
                f"the restored copy differs from the live database at {result.position} in "
                f"{len(differ)} table(s): {', '.join(differ[:10])}"
            )
        result.ok = True
    except BackupError as exc:
        result.problem = str(exc)
    finally:
        if db.engine == "mysql" and (problem := _drop(db, scratch)):
            result.ok, result.problem = False, "; ".join(filter(None, [result.problem, problem]))
        if record is not None:
            write_result(record, result)
    return result


def _drop(db: Database, scratch: str) -> str:
    """Drop the drill's scratch database; why not, if it could not be."""
    import MySQLdb

    try:
        connection = mysql_connect(db)
    except BackupError as exc:
        return f"the scratch database {scratch} may be left behind: {exc}"
    try:
        connection.cursor().execute(f"DROP DATABASE IF EXISTS {quote(scratch)}")
    except MySQLdb.Error as exc:
        return f"the scratch database {scratch} could not be dropped: {exc}"
    finally:
        connection.close()
    return ""


def write_result(path: Path, result: DrillResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(result.to_json(), encoding="utf-8")
    os.replace(temporary, path)


def read_result(path: Path) -> dict[str, Any] | None:
    """The last drill's result as written, or None if no drill ran yet."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
