"""Restoring to a moment (``manage.py restore --to`` / ``--to-gtid``): the
newest dump before it, then the shipped binlogs replayed from the dump's
position up to the last transaction committed before that moment.

Everything is checked before any database is touched: the chain of binlogs
from the dump to the moment is complete (a missing one is named), the moment
lies inside the recoverable range (which is stated), and every binlog is
downloaded and matches its manifest's SHA-256 and its events' CRC32s.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.binlog import BinlogDamaged, binlog_number, read_binlog
from publisher.backups.binlogs import ShippedBinlog, list_binlogs, sibling_name
from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, BackupRefused, RestoreCancelled
from publisher.backups.mysql import client_command, find_client, find_dump_tool, option_file
from publisher.backups.restore_mysql import restore_mysql
from publisher.backups.retention import StoredBackup, list_backups
from publisher.backups.stream import READ_SIZE
from publisher.backups.verify import stream_backup
from publisher.s3 import make_client


@dataclass(frozen=True)
class Target:
    """Where to stop: before a moment, after a GTID, or at a binlog position."""

    time: datetime | None = None
    gtid: str = ""
    position: tuple[str, int] | None = None  # (binlog file, offset): what a drill snapshot saw

    def describe(self, zone: ZoneInfo) -> str:
        if self.time is not None:
            return f"{self.time.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}"
        if self.gtid:
            return f"GTID {self.gtid}"
        assert self.position is not None
        return f"{self.position[0]}:{self.position[1]}"


def parse_gtid(text: str) -> tuple[int, int, int]:
    try:
        domain, server, seq = (int(part) for part in text.strip().split("-"))
    except ValueError:
        raise BackupRefused(
            f"{text!r} is not a GTID: give it as MariaDB writes it, domain-server-sequence "
            "(e.g. 0-1-4711)"
        ) from None
    return domain, server, seq


def _seq_in(position: str, domain: int) -> int:
    """The sequence number of ``domain`` in a GTID position like ``0-1-5,1-2-9``."""
    for part in filter(None, position.split(",")):
        d, _, seq = parse_gtid(part)
        if d == domain:
            return seq
    return 0


def _finished(backup: StoredBackup) -> datetime:
    assert backup.manifest is not None
    return backup.created + timedelta(seconds=backup.manifest.seconds)


@dataclass
class Plan:
    dump: StoredBackup
    binlogs: list[ShippedBinlog]
    target: Target
    earliest: datetime
    latest: datetime


@dataclass
class Replay:
    """The downloaded, checked binlogs and where replay starts and stops."""

    files: list[Path]
    start: int
    stop: int
    transactions: int
    last_time: datetime | None = None
    last_gtid: str = ""
    folder: Path = field(default=Path())


def plan_restore(settings: BackupSettings, db: Database, target: Target, *, s3: Any) -> Plan:
    """The dump and binlogs that restore ``target``; BackupRefused, naming the
    recoverable range or the missing binlog, when they cannot."""
    zone = ZoneInfo(settings.time_zone)
    dumps = [
        b
        for b in list_backups(settings, db.label, s3=s3)
        if b.verified and b.manifest is not None and b.manifest.binlog_file
    ]
    stored = list_binlogs(settings, db.label, s3=s3)
    if not dumps:
        raise BackupRefused(
            f"no backup of {db.label} records a binary log position (dumps taken while the "
            "server writes binary logs do): a point-in-time restore needs one"
        )
    verified = [b for b in stored if b.verified]
    if not verified:
        raise BackupRefused(
            f"no binary logs of {db.label} are in S3: run `manage.py backup --binlogs`"
        )
    earliest = min(_finished(d) for d in dumps)
    latest = max(b.manifest.last_time for b in verified if b.manifest)
    span = f"{earliest.astimezone(zone):%Y-%m-%d %H:%M:%S} to {latest.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}"
    if target.time is not None:
        if not earliest <= target.time <= latest:
            raise BackupRefused(
                f"{target.describe(zone)} is outside the recoverable range: {span} "
                "(from the end of the oldest dump to the newest shipped binlog event)"
            )
        usable = [d for d in dumps if _finished(d) <= target.time]
    elif target.gtid:
        domain, _, seq = parse_gtid(target.gtid)
        usable = [
            d for d in dumps if d.manifest and _seq_in(d.manifest.gtid_position, domain) < seq
        ]
    else:
        assert target.position is not None
        wanted = (binlog_number(target.position[0]), target.position[1])
        usable = [
            d
            for d in dumps
            if d.manifest
            and (binlog_number(d.manifest.binlog_file), d.manifest.binlog_position) <= wanted
        ]
    if not usable:
        raise BackupRefused(
            f"no dump precedes {target.describe(zone)}: the recoverable range is {span}"
        )
    dump = max(usable, key=lambda d: d.created)
    assert dump.manifest is not None
    start = binlog_number(dump.manifest.binlog_file)
    by_number = {b.number: b for b in stored}
    chain: list[ShippedBinlog] = []
    number = start
    while True:
        item = by_number.get(number)
        newest = max(by_number) if by_number else start
        if item is None or not item.verified:
            if number > newest:
                break  # past the newest shipped binlog
            name = sibling_name(dump.manifest.binlog_file, number)
            why = "is not in S3" if item is None else f"does not count ({item.problem})"
            raise BackupRefused(
                f"the binlog {name} {why}: the chain from the dump {dump.key} "
                f"({dump.manifest.binlog_file}) is broken there, so nothing after it can be "
                "replayed; nothing was touched"
            )
        chain.append(item)
        assert item.manifest is not None
        if _reaches(item, target):
            break
        number += 1
    if target.position is not None and not any(b.name == target.position[0] for b in chain):
        raise BackupRefused(f"the binlog {target.position[0]} is not in S3 yet")
    return Plan(dump=dump, binlogs=chain, target=target, earliest=earliest, latest=latest)


def _reaches(item: ShippedBinlog, target: Target) -> bool:
    """Whether ``item`` holds the stopping point (later binlogs are not needed)."""
    assert item.manifest is not None
    if target.time is not None:
        return item.manifest.last_time >= target.time
    if target.position is not None:
        return item.name == target.position[0]
    domain, _, seq = parse_gtid(target.gtid)
    return _seq_in(item.manifest.last_gtid, domain) >= seq


@contextlib.contextmanager
def downloaded(
    settings: BackupSettings,
    plan: Plan,
    live: str,
    *,
    s3: Any,
    scratch_dir: Path | None = None,
) -> Iterator[Replay]:
    """The plan's binlogs downloaded into a temporary folder and checked
    (SHA-256 against the manifest, every event's CRC32), and where replay
    starts and stops. Refused before anything is replayed if one is off."""
    if scratch_dir is not None:
        scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsroom-binlogs-", dir=scratch_dir) as tmp:
        folder = Path(tmp)
        files = []
        for item in plan.binlogs:
            path = folder / item.name
            _download(s3, settings.bucket, item, path)
            files.append(path)
        yield _replay_window(plan, files, folder, live)


def _download(s3: Any, bucket: str, item: ShippedBinlog, path: Path) -> None:
    assert item.manifest is not None
    sha = hashlib.sha256()
    size = 0
    try:
        body = s3.get_object(Bucket=bucket, Key=item.key)["Body"]
        with open(path.with_suffix(".gz-download"), "wb") as out:
            for chunk in body.iter_chunks(READ_SIZE):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (BotoCoreError, ClientError) as exc:
        raise BackupError(f"cannot download {item.key}: {exc}") from exc
    if size != item.manifest.bytes or sha.hexdigest() != item.manifest.sha256:
        raise BackupRefused(
            f"the binlog {item.key} is corrupt: {size:,} bytes with SHA-256 "
            f"{sha.hexdigest()[:16]}…, its manifest says {item.manifest.bytes:,} bytes and "
            f"{item.manifest.sha256[:16]}…; nothing was replayed"
        )
    with gzip.open(path.with_suffix(".gz-download")) as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out, READ_SIZE)
    path.with_suffix(".gz-download").unlink()


def names_database(statement: bytes, name: str) -> bool:
    """Whether ``statement`` names the database ``name`` itself (`name`.x,
    name.x, DATABASE name): --rewrite-db renames only the default database."""
    quoted = re.escape(name.encode())
    word = rb"(?:`" + quoted + rb"`|(?<![\w$`])" + quoted + rb"(?![\w$]))"
    qualified = word + rb"\s*\."
    database = rb"\b(?:DATABASE|SCHEMA)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?" + word
    return any(re.search(p, statement, re.IGNORECASE) for p in (qualified, database))


def _replay_window(plan: Plan, files: list[Path], folder: Path, live: str) -> Replay:
    assert plan.dump.manifest is not None
    start = plan.dump.manifest.binlog_position
    target = plan.target
    chosen = None
    count = 0
    restores: list[tuple[int, int]] = []  # (file index, offset) of restores' switches
    naming: list[tuple[int, int, bytes]] = []  # statements naming the live database
    for index, path in enumerate(files):
        try:
            facts = read_binlog(path)
        except BinlogDamaged as exc:
            raise BackupRefused(f"{exc}; nothing was replayed") from exc
        restores += [(index, end) for end in facts.restores if index or end > start]
        naming += [
            (index, end, text)
            for end, text in facts.statements
            if (index or end > start) and names_database(text, live)
        ]
        for tx in facts.transactions:
            if index == 0 and tx.end <= start:
                continue  # already in the dump
            if target.time is not None and tx.time >= target.time.timestamp():
                break
            if target.position is not None and (
                path.name == target.position[0] and tx.end > target.position[1]
            ):
                break
            chosen = (index, tx)
            count += 1
            if target.gtid and tx.gtid == target.gtid:
                break
        else:
            continue
        break
    if target.gtid and (chosen is None or chosen[1].gtid != target.gtid):
        raise BackupRefused(
            f"GTID {target.gtid} is not among the binlogs shipped after the dump "
            f"{plan.dump.key}; nothing was touched"
        )
    if chosen is not None and any(where <= (chosen[0], chosen[1].end) for where in restores):
        index, end = next(where for where in restores if where <= (chosen[0], chosen[1].end))
        raise BackupRefused(
            f"the database was restored from a backup at {files[index].name}:{end}, between "
            f"the dump {plan.dump.key} and {plan.target.describe(ZoneInfo('UTC'))}: a replay "
            "cannot cross a restore. Take a dump after a restore (`manage.py backup`); "
            "moments after that dump can be restored"
        )
    if chosen is not None:
        for index, end, text in naming:
            if (index, end) <= (chosen[0], chosen[1].end):
                statement = text[:80].decode("utf-8", "replace")
                raise BackupRefused(
                    f"a statement in {files[index].name} (ending at {end}) names the live "
                    f"database {live!r} itself ({statement!r}): replayed into the scratch "
                    "copy it would change the live database. Restore to a moment before it, "
                    "or from a dump taken after it"
                )
    if chosen is None:
        return Replay(files=files[:1], start=start, stop=start, transactions=0, folder=folder)
    index, tx = chosen
    return Replay(
        files=files[: index + 1],
        start=start,
        stop=tx.end,
        transactions=count,
        last_time=datetime.fromtimestamp(tx.time, UTC),
        last_gtid=tx.gtid,
        folder=folder,
    )


def replay_into(db: Database, replay: Replay, scratch: str) -> None:
    """Pipe ``mariadb-binlog`` (the replay window, the live database's events
    renamed to ``scratch``) into the client connected to ``scratch``. The
    replayed events are not written to the server's own binary log."""
    if replay.transactions == 0:
        return
    tool = shutil.which("mariadb-binlog") or shutil.which("mysqlbinlog")
    if tool is None:
        raise BackupError(
            "mariadb-binlog is not installed (Debian: apt-get install mariadb-client)"
        )
    decode = [
        tool,
        "--no-defaults",
        "--disable-log-bin",  # SET sql_log_bin=0: the replay is not logged again
        f"--rewrite-db={db.name}->{scratch}",
        f"--database={db.name}",
        f"--start-position={replay.start}",
        *[str(path) for path in replay.files],
        f"--stop-position={replay.stop}",
    ]
    client = find_client(find_dump_tool())
    with option_file(db) as options, tempfile.TemporaryFile() as errors:
        decoder = subprocess.Popen(decode, stdout=subprocess.PIPE, stderr=errors)
        assert decoder.stdout is not None
        loader = subprocess.run(
            client_command(client, options, scratch),
            stdin=decoder.stdout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        decoder.stdout.close()
        decoded = decoder.wait()
        if decoded != 0:
            errors.seek(0)
            message = errors.read()[-1000:].decode("utf-8", "replace").strip()
            raise BackupRefused(f"mariadb-binlog could not decode the binlogs: {message}")
        if loader.returncode != 0:
            message = loader.stderr[-1000:].decode("utf-8", "replace").strip()
            raise BackupRefused(f"replaying the binlogs into {scratch} failed: {message}")


@dataclass
class PointResult:
    dump_key: str
    database: str  # where it was restored (the live one, or --into's)
    replay: Replay
    tables: int
    rows: int
    seconds: float
    target: Target


def run_restore_to(
    db: Database,
    settings: BackupSettings,
    target: Target,
    *,
    confirm: Callable[[str], bool],
    before_replace: Callable[[], None] = lambda: None,
    into: str = "",
    s3: Any = None,
    scratch_dir: Path | None = None,
) -> PointResult:
    """Restore ``db`` as it was at ``target``: plan (dump + chain of binlogs),
    check the dump and every binlog, ask ``confirm`` (not with ``into``), load
    the dump into a scratch database, replay, check, and switch it in (or
    leave it in the new database ``into``)."""
    if db.engine != "mysql":
        raise BackupRefused(
            "a restore to a moment needs MariaDB's binary logs; SQLite keeps nightly "
            "backups only (`manage.py restore latest`)"
        )
    s3 = s3 or make_client()
    started = time.monotonic()
    zone = ZoneInfo(settings.time_zone)
    plan = plan_restore(settings, db, target, s3=s3)
    manifest = plan.dump.manifest
    assert manifest is not None
    check = stream_backup(s3, settings.bucket, plan.dump.key, manifest)
    with downloaded(settings, plan, db.name, s3=s3, scratch_dir=scratch_dir) as replay:
        if not into:
            question = (
                f"Replace the live database {db.where} with its state at "
                f"{target.describe(zone)}: the backup {plan.dump.key} and "
                f"{replay.transactions:,} transaction(s) from {len(replay.files)} binlog(s), "
                "all checked? Everything written after that moment is lost."
            )
            if not confirm(question):
                raise RestoreCancelled("restore cancelled: nothing was changed")
        tables, rows = restore_mysql(
            db,
            settings,
            s3,
            plan.dump.key,
            manifest,
            check.etag,
            before_replace,
            after_load=lambda scratch: replay_into(db, replay, scratch),
            into=into,
            unlogged=True,
        )
    return PointResult(
        dump_key=plan.dump.key,
        database=into or db.name,
        replay=replay,
        tables=tables,
        rows=rows,
        seconds=time.monotonic() - started,
        target=target,
    )
