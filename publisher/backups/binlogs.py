"""Shipping MariaDB's binary logs to S3 (``manage.py backup --binlogs``).

Each run rotates the server's binary log (FLUSH BINARY LOGS), copies every
finished binlog the bucket lacks into a spool directory on this machine (so
the server's own expiry cannot take one that was never shipped), uploads the
spooled files oldest first (gzip, SHA-256, a manifest next to each; an object
without its manifest does not count), and removes each spooled file once its
manifest is stored. Binlogs older than the oldest kept dump are pruned; a gap
in the chain is reported, never papered over.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.binlog import BinlogDamaged, BinlogFacts, binlog_number, read_binlog
from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.keys import backup_prefix, manifest_key
from publisher.backups.mysql import mysql_connect, option_file
from publisher.backups.retention import list_backups
from publisher.backups.store import _discard, _upload
from publisher.backups.stream import CompressingReader
from publisher.s3 import delete_objects, list_objects, make_client

BINLOG_SUFFIX = ".gz"


def binlog_prefix(prefix: str, label: str) -> str:
    return f"{backup_prefix(prefix, label)}binlogs/"


def binlog_key(prefix: str, label: str, name: str) -> str:
    return f"{binlog_prefix(prefix, label)}{name}{BINLOG_SUFFIX}"


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


@dataclass
class BinlogManifest:
    key: str
    name: str
    number: int
    server_id: int
    sha256: str  # of the stored (gzipped) object
    bytes: int
    raw_bytes: int
    first_event: str  # ISO times (UTC) of the first and last events
    last_event: str
    first_gtid: str
    last_gtid: str
    gtid_list: list[str]  # the server's GTID state when the binlog began
    transactions: int
    shipped_at: str
    format: int = 1

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> BinlogManifest:
        try:
            return cls(**json.loads(data))
        except (ValueError, TypeError) as exc:
            raise BackupRefused(f"a binlog manifest is unreadable ({exc!r})") from exc

    @property
    def last_time(self) -> datetime:
        return datetime.fromisoformat(self.last_event)


@dataclass
class ShippedBinlog:
    name: str
    number: int
    key: str
    bytes: int
    manifest: BinlogManifest | None = None
    problem: str = ""

    @property
    def verified(self) -> bool:
        return self.manifest is not None and not self.problem


def list_binlogs(settings: BackupSettings, label: str, *, s3: Any) -> list[ShippedBinlog]:
    """The binlogs stored for ``label``, oldest first; ``verified`` when its
    manifest is there and describes this very object."""
    prefix = binlog_prefix(settings.prefix, label)
    try:
        objects = list_objects(s3, settings.bucket, prefix)
    except (BotoCoreError, ClientError) as exc:
        raise BackupError(f"cannot list s3://{settings.bucket}/{prefix}: {exc}") from exc
    found = []
    for key, listed in objects.items():
        if not key.endswith(BINLOG_SUFFIX):
            continue
        name = key[len(prefix) : -len(BINLOG_SUFFIX)]
        try:
            number = binlog_number(name)
        except ValueError:
            continue
        item = ShippedBinlog(name=name, number=number, key=key, bytes=listed.size)
        if manifest_key(key) not in objects:
            item.problem = "no manifest: its upload never finished"
        else:
            try:
                body = s3.get_object(Bucket=settings.bucket, Key=manifest_key(key))["Body"].read()
                item.manifest = BinlogManifest.from_json(body)
            except (BotoCoreError, ClientError) as exc:
                raise BackupError(f"cannot read the manifest of {key}: {exc}") from exc
            except BackupRefused as exc:
                item.problem = str(exc)
            else:
                if item.manifest.key != key or item.manifest.bytes != listed.size:
                    item.problem = "its manifest describes another object"
        found.append(item)
    return sorted(found, key=lambda b: b.number)


def missing_numbers(numbers: Iterable[int], first: int, last: int) -> list[int]:
    have = set(numbers)
    return [n for n in range(first, last + 1) if n not in have]


def sibling_name(name: str, number: int) -> str:
    """``binlog.000007``, 9 -> ``binlog.000009`` (same base, same width)."""
    base, digits = name.rsplit(".", 1)
    return f"{base}.{number:0{len(digits)}d}"


@dataclass
class ServerBinlogs:
    server_id: int
    expire_seconds: int
    finished: list[tuple[str, int]]  # (name, size), oldest first; the active one left out
    active: str


def server_binlogs(cursor: Any, *, flush: bool) -> ServerBinlogs:
    cursor.execute(
        "SELECT @@GLOBAL.log_bin, @@GLOBAL.server_id, @@GLOBAL.binlog_expire_logs_seconds"
    )
    log_bin, server_id, expire = cursor.fetchone()
    if not int(log_bin):
        raise BackupError(
            "the MariaDB server does not write binary logs (log_bin is OFF): start it with "
            "log_bin, binlog_format=ROW and a server_id (README, Backups to the minute)"
        )
    if flush:
        cursor.execute("FLUSH BINARY LOGS")
    cursor.execute("SHOW BINARY LOGS")
    rows = [(str(row[0]), int(row[1])) for row in cursor.fetchall()]
    return ServerBinlogs(int(server_id), int(expire), rows[:-1], rows[-1][0] if rows else "")


def fetch_binlog(db: Database, name: str, spool: Path) -> Path:
    """Copy the finished binlog ``name`` from the server into ``spool`` (through
    the replication protocol, so the server may be on another machine); the
    file appears under its own name only once it is whole and sound."""
    spool.mkdir(parents=True, exist_ok=True)
    tool = shutil.which("mariadb-binlog") or shutil.which("mysqlbinlog")
    if tool is None:
        raise BackupError(
            "mariadb-binlog is not installed (Debian: apt-get install mariadb-client)"
        )
    with (
        option_file(db) as options,
        tempfile.TemporaryDirectory(dir=spool, prefix=".fetch-") as tmp,
    ):
        command = [
            tool,
            f"--defaults-file={options}",
            "--read-from-remote-server",
            "--raw",
            f"--result-file={tmp}/",
            name,
        ]
        done = subprocess.run(command, capture_output=True, check=False)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise BackupError(f"could not copy {name} from the server: {message}")
        copy = Path(tmp) / name
        try:
            read_binlog(copy)
        except (BinlogDamaged, OSError) as exc:
            raise BackupError(f"the copy of {name} is not sound: {exc}") from exc
        target = spool / name
        os.replace(copy, target)
    return target


def upload_binlog(
    s3: Any, settings: BackupSettings, label: str, path: Path, facts: BinlogFacts
) -> BinlogManifest:
    """Upload one spooled binlog and then its manifest; until the manifest is
    stored the object does not count (a killed run leaves none that counts)."""
    key = binlog_key(settings.prefix, label, path.name)
    with open(path, "rb") as handle:
        reader = CompressingReader(handle.read)
        _upload(s3, settings.bucket, key, reader)
    manifest = BinlogManifest(
        key=key,
        name=path.name,
        number=binlog_number(path.name),
        server_id=facts.server_id,
        sha256=reader.sha256,
        bytes=reader.bytes,
        raw_bytes=reader.raw_bytes,
        first_event=iso(facts.first_time),
        last_event=iso(facts.last_time),
        first_gtid=facts.first_gtid,
        last_gtid=facts.last_gtid,
        gtid_list=facts.gtid_list,
        transactions=len(facts.transactions),
        shipped_at=datetime.now(UTC).isoformat(),
    )
    try:
        s3.put_object(
            Bucket=settings.bucket,
            Key=manifest_key(key),
            Body=manifest.to_json(),
            ContentType="application/json",
        )
    except (BotoCoreError, ClientError) as exc:
        _discard(s3, settings.bucket, key)
        raise BackupError(f"the manifest of {key} could not be written: {exc}") from exc
    return manifest


@dataclass
class ShipResult:
    shipped: list[BinlogManifest] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # spooled, not yet in S3
    pruned: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # gaps, S3 down: the run fails
    warnings: list[str] = field(default_factory=list)
    newest_event: datetime | None = None  # the newest moment S3 can restore to
    seconds: float = 0.0


def ship_binlogs(
    db: Database,
    settings: BackupSettings,
    spool_root: Path,
    *,
    s3: Any = None,
    flush: bool = True,
    dry_run: bool = False,
) -> ShipResult:
    """Rotate the server's binlog and ship every finished one S3 lacks (see the
    module's docstring). Problems are collected, not raised, so one S3 outage
    still lets every binlog reach the spool; the caller fails on them."""
    s3 = s3 or make_client()
    started = time.monotonic()
    result = ShipResult()
    spool = spool_root / db.label
    connection = mysql_connect(db)
    try:
        server = server_binlogs(connection.cursor(), flush=flush and not dry_run)
    finally:
        connection.close()
    state = _read_state(spool)
    shipped: dict[str, ShippedBinlog] | None
    try:
        first = _oldest_needed(settings, db.label, s3)
        shipped = {b.name: b for b in list_binlogs(settings, db.label, s3=s3)}
    except BackupError as exc:
        if state is None:
            raise
        # S3 is away: hold every binlog newer than the last one shipped in
        # the spool, so the server's expiry cannot take it.
        first, shipped = state["first"], None
        result.problems.append(f"S3 is unreachable, binlogs wait on this machine: {exc}")
    if first is None:
        result.warnings.append(
            "no dump records a binary log position yet: run `manage.py backup` first; "
            "binlogs are shipped from the oldest dump's position on"
        )
        return result
    spooled = {p.name for p in spool_files(spool_root, db.label)}
    for name, size in server.finished:
        number = binlog_number(name)
        if number < first or name in spooled:
            continue
        if shipped is None:
            assert state is not None
            if number <= state["last"]:
                continue
        elif (stored := shipped.get(name)) is not None and stored.verified:
            assert stored.manifest is not None
            if stored.manifest.raw_bytes != size or stored.manifest.server_id != server.server_id:
                result.problems.append(
                    f"S3 already holds a different {name} (server {stored.manifest.server_id}, "
                    f"{stored.manifest.raw_bytes:,} bytes; this server {server.server_id}, "
                    f"{size:,} bytes): the server's binlogs were reset or another server ships "
                    "to the same prefix; nothing was overwritten"
                )
            continue
        if dry_run:
            result.waiting.append(name)
            continue
        fetch_binlog(db, name, spool)
        spooled.add(name)
    in_order = sorted(spooled, key=binlog_number)
    if shipped is None:
        result.waiting = in_order
    elif not dry_run:
        _upload_spool(s3, settings, db.label, spool, in_order, result)
    if result.waiting and not dry_run:
        held = f"{len(result.waiting)} binlog(s) wait in {spool} ({result.waiting[0]} to {result.waiting[-1]})"
        if server.expire_seconds:
            held += (
                f"; the server's expiry (binlog_expire_logs_seconds={server.expire_seconds}) "
                "cannot lose them there, they are shipped when S3 answers again"
            )
        result.warnings.append(held)
    if shipped is not None:
        # On a dry run, what would be spooled counts as there.
        planned = spooled | set(result.waiting)
        last = _check_chain(settings, db.label, s3, first, server, planned, result)
        result.pruned = _prune(settings, db.label, s3, first, dry_run=dry_run)
        if not dry_run and last is not None:
            _write_state(spool, {"first": first, "last": last})
    result.seconds = time.monotonic() - started
    return result


def _oldest_needed(settings: BackupSettings, label: str, s3: Any) -> int | None:
    """The number of the binlog the oldest kept dump starts in (older ones
    restore nothing), or None when no dump records a position."""
    numbers = [
        binlog_number(b.manifest.binlog_file)
        for b in list_backups(settings, label, s3=s3)
        if b.verified and b.manifest is not None and b.manifest.binlog_file
    ]
    return min(numbers) if numbers else None


def _upload_spool(
    s3: Any, settings: BackupSettings, label: str, spool: Path, names: list[str], result: ShipResult
) -> None:
    for index, name in enumerate(names):
        path = spool / name
        try:
            facts = read_binlog(path)
        except (BinlogDamaged, OSError) as exc:
            result.problems.append(f"the spooled {path} is not sound ({exc}); it was kept")
            result.waiting += names[index:]
            return
        try:
            result.shipped.append(upload_binlog(s3, settings, label, path, facts))
        except BackupError as exc:
            result.problems.append(f"S3 is unreachable or refused the upload: {exc}")
            result.waiting += names[index:]
            return
        path.unlink()


def _check_chain(
    settings: BackupSettings,
    label: str,
    s3: Any,
    first: int,
    server: ServerBinlogs,
    spooled: set[str],
    result: ShipResult,
) -> int | None:
    """Report a gap in the chain; the number of the newest binlog S3 holds."""
    stored = [b for b in list_binlogs(settings, label, s3=s3) if b.verified and b.number >= first]
    have = {b.number for b in stored} | {binlog_number(n) for n in spooled}
    if server.active:
        last = binlog_number(server.active) - 1
        example = server.active
    elif stored:
        last, example = stored[-1].number, stored[-1].name
    else:
        return None
    gaps = missing_numbers(have, first, last)
    if gaps:
        names = ", ".join(sibling_name(example, n) for n in gaps[:5])
        result.problems.append(
            f"the chain of binlogs has a gap: {names} {'is' if len(gaps) == 1 else 'are'} "
            "neither in S3 nor on the server (expired before it was shipped?); a restore "
            "cannot cross it: take a dump now (`manage.py backup`) to start a new chain"
        )
    if stored:
        result.newest_event = max(b.manifest.last_time for b in stored if b.manifest)
        return stored[-1].number
    return None


def _prune(
    settings: BackupSettings, label: str, s3: Any, first: int, *, dry_run: bool
) -> list[str]:
    """Binlogs older than the oldest kept dump's go (manifests first, so a
    binlog stops counting before it is gone)."""
    old = [b for b in list_binlogs(settings, label, s3=s3) if b.number < first]
    if old and not dry_run:
        try:
            delete_objects(s3, settings.bucket, [manifest_key(b.key) for b in old if b.manifest])
            delete_objects(s3, settings.bucket, [b.key for b in old])
        except (BotoCoreError, ClientError, RuntimeError) as exc:
            raise BackupError(f"pruning old binlogs failed: {exc}") from exc
    return [b.name for b in old]


STATE_FILE = ".shipped.json"


def _read_state(spool: Path) -> dict[str, int] | None:
    """What the last run that reached S3 knew: the oldest binlog needed and
    the newest shipped."""
    try:
        state = json.loads((spool / STATE_FILE).read_text())
        return {"first": int(state["first"]), "last": int(state["last"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(spool: Path, state: dict[str, int]) -> None:
    spool.mkdir(parents=True, exist_ok=True)
    temporary = spool / f"{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state))
    os.replace(temporary, spool / STATE_FILE)


def spool_files(spool_root: Path, label: str) -> list[Path]:
    """The binlogs waiting in the spool, oldest first (hidden files are ours)."""
    spool = spool_root / label
    with contextlib.suppress(FileNotFoundError):
        found = [p for p in spool.iterdir() if p.is_file() and not p.name.startswith(".")]
        return sorted(found, key=lambda p: binlog_number(p.name))
    return []


# What backups to the minute need of the server: (check id, problem, hint).
Requirement = tuple[str, str, str]
_SERVER_HINT = (
    "In the server's configuration ([mariadbd]): log_bin, binlog_format=ROW, server_id=1, "
    "binlog_expire_logs_seconds=604800 (README: Backups to the minute)."
)
_PRIVILEGES = {
    "BINLOG MONITOR": ("BINLOG MONITOR", "REPLICATION CLIENT", "SUPER"),  # SHOW BINARY LOGS
    "RELOAD": ("RELOAD", "BINLOG ADMIN", "SUPER"),  # FLUSH BINARY LOGS
    "REPLICATION SLAVE": ("REPLICATION SLAVE",),  # mariadb-binlog --read-from-remote-server
}


def server_requirements(cursor: Any) -> list[Requirement]:
    """What the connected server lacks for binlog shipping, if anything."""
    cursor.execute(
        "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.server_id, "
        "@@GLOBAL.binlog_expire_logs_seconds"
    )
    log_bin, binlog_format, server_id, expire = cursor.fetchone()
    if not int(log_bin):
        return [
            (
                "publisher.W101",
                "The MariaDB server writes no binary logs (log_bin is OFF): a lost server "
                "loses everything since the last nightly dump.",
                _SERVER_HINT,
            )
        ]
    found: list[Requirement] = []
    if str(binlog_format).upper() != "ROW":
        found.append(
            (
                "publisher.W102",
                f"binlog_format is {binlog_format}: a replay of statements may not give "
                "the same rows.",
                "Set binlog_format=ROW.",
            )
        )
    if not int(server_id):
        found.append(("publisher.W103", "server_id is 0.", "Set server_id=1 (any number but 0)."))
    if not int(expire):
        found.append(
            (
                "publisher.W104",
                "binlog_expire_logs_seconds is 0: the server keeps every binary log forever "
                "and its disk fills up.",
                "Set binlog_expire_logs_seconds=604800 (a week; shipped binlogs live in S3).",
            )
        )
    cursor.execute("SHOW GRANTS")
    grants = " ".join(str(row[0]) for row in cursor.fetchall()).upper()
    if "ALL PRIVILEGES ON *.*" not in grants:
        missing = [
            name
            for name, any_of in _PRIVILEGES.items()
            if not any(f"{right}," in grants or f"{right} ON" in grants for right in any_of)
        ]
        if missing:
            found.append(
                (
                    "publisher.W105",
                    f"The database user lacks {', '.join(missing)}: `backup --binlogs` "
                    "cannot list, rotate or read the binary logs.",
                    f"GRANT {', '.join(missing)} ON *.* TO the user (README: Backups to the "
                    "minute).",
                )
            )
    return found
