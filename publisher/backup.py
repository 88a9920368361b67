"""Database backups to S3, and restores that are checked before they touch anything.

No Django in here: the commands hand in the database's settings dict and the
settings module. The pieces, in the order a backup uses them:

- ``option_file``: the credentials in a 0600 file that the dump and the client
  read (never on argv, where ``ps`` shows them).
- ``dump_command``: mysqldump / mariadb-dump taking one consistent InnoDB
  snapshot without locking writers out.
- ``CompressingReader``: dump bytes -> gzip -> SHA-256, as a file object that
  boto3's multipart upload reads part by part, so memory does not grow with
  the database and nothing the size of the dump is written to disk.
- ``DumpScanner``: watches the raw bytes for the table names and the dump's
  completion line (or, for SQLite, a sound file image).
- ``Manifest``: written next to the dump only once the dump is complete and
  stored; a dump without one does not count as a backup.
- ``select_to_keep``: the retention rule, a pure function of dates.

A restore streams the object down twice: once to check it (its SHA-256 and
size against the manifest, the gzip stream, the completion line) before any
database is touched, then into a scratch database (a scratch file for SQLite),
which is checked again and only then switched in for the live one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

MiB = 1024 * 1024
# 8 MB parts, two uploading at a time and two waiting: about 40 MB of buffers
# whatever the size of the database.
PART_SIZE = 8 * MiB
UPLOAD_CONCURRENCY = 2
READ_SIZE = 1 * MiB
GZIP_LEVEL = 6  # gzip's own default, so the benchmark against `| gzip` is fair
COMPRESS_THREADS = 2  # the machine has two cores; the dump and the server share them
TRAILER = b"-- Dump completed"
MANIFEST_SUFFIX = ".manifest.json"
EXTENSIONS = {"mysql": ".sql.gz", "sqlite": ".sqlite3.gz"}
_STAMP = re.compile(r"^(?P<stamp>\d{8}T\d{6})(?P<micro>\d{6})Z(?P<ext>\.sql\.gz|\.sqlite3\.gz)$")
# A dump without a manifest younger than this may belong to a run still
# writing its manifest; older ones are leftovers of failed runs.
ORPHAN_GRACE = timedelta(days=1)
# How long a restore waits for other sessions to release the live tables.
SWAP_LOCK_WAIT_SECONDS = 60


class BackupError(Exception):
    """A backup or restore failed; the message says what happened and what to do.

    ``live_untouched`` is true when the failure came before anything changed
    the live database (every failure of a restore but the last steps)."""

    def __init__(self, message: str, *, live_untouched: bool = True) -> None:
        super().__init__(message)
        self.live_untouched = live_untouched


class BackupRefused(BackupError):
    """A stored backup failed verification; no database was touched."""


class RestoreCancelled(BackupError):
    """The operator said no; nothing was changed."""


# --------------------------------------------------------------------------
# What to back up, and where


@dataclass(frozen=True)
class BackupSettings:
    bucket: str
    prefix: str = "backups"
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    time_zone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Any) -> BackupSettings:
        """Read the BACKUP_* settings; refuse to run without a bucket."""
        bucket = getattr(settings, "BACKUP_S3_BUCKET", "")
        if not bucket:
            raise BackupError(
                "BACKUP_S3_BUCKET is not set: set it to the S3 bucket that keeps the "
                "database backups (boto3 reads credentials and endpoint from "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL)."
            )
        return cls(
            bucket=bucket,
            prefix=settings.BACKUP_S3_PREFIX.strip("/"),
            keep_daily=settings.BACKUP_KEEP_DAILY,
            keep_weekly=settings.BACKUP_KEEP_WEEKLY,
            keep_monthly=settings.BACKUP_KEEP_MONTHLY,
            time_zone=settings.TIME_ZONE,
        )


@dataclass(frozen=True)
class Database:
    """Connection facts for one database, taken from Django's settings dict."""

    engine: str  # "mysql" or "sqlite"
    name: str  # the MySQL database, or the SQLite file's path
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    socket: str = ""
    include_file: str = ""  # OPTIONS["read_default_file"], read before our own options

    @classmethod
    def from_settings_dict(cls, settings_dict: dict[str, Any]) -> Database:
        engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
        if engine == "sqlite3":
            name = str(settings_dict.get("NAME") or "")
            if not name or name == ":memory:" or name.startswith("file:"):
                raise BackupError(
                    f"DATABASE_URL names an in-memory SQLite database ({name!r}); "
                    "only a database file can be backed up."
                )
            return cls(engine="sqlite", name=name)
        if engine == "mysql":
            options = settings_dict.get("OPTIONS") or {}
            host = str(settings_dict.get("HOST") or "")
            socket = str(options.get("unix_socket") or "")
            if host.startswith("/"):  # Django's way of naming a socket
                socket, host = host, ""
            port = settings_dict.get("PORT")
            return cls(
                engine="mysql",
                name=settings_dict["NAME"],
                host=host,
                port=int(port) if port else None,
                user=str(settings_dict.get("USER") or ""),
                password=str(settings_dict.get("PASSWORD") or ""),
                socket=socket,
                include_file=str(options.get("read_default_file") or ""),
            )
        raise BackupError(
            f"backups support MySQL/MariaDB and SQLite, not {settings_dict['ENGINE']}."
        )

    @property
    def label(self) -> str:
        """The name in backup keys: the MySQL database, or the SQLite file's stem."""
        return Path(self.name).stem if self.engine == "sqlite" else self.name

    @property
    def where(self) -> str:
        if self.engine == "sqlite":
            return self.name
        server = self.socket or f"{self.host or 'localhost'}:{self.port or 3306}"
        return f"{server}/{self.name}"


def human_size(n: float) -> str:
    """1,234,567 -> '1.2 MB' (decimal units, as S3 consoles show them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def s3_client() -> Any:
    """boto3's client, configured by boto3's own environment (AWS_*)."""
    return boto3.client("s3")


# --------------------------------------------------------------------------
# Keys


def backup_prefix(prefix: str, label: str) -> str:
    return f"{prefix}/{label}/" if prefix else f"{label}/"


def backup_key(prefix: str, label: str, engine: str, when: datetime) -> str:
    """``<prefix>/<database>/<yyyy>/<mm>/<timestamp><ext>``, the timestamp in UTC."""
    when = when.astimezone(UTC)
    stamp = f"{when:%Y%m%dT%H%M%S}{when.microsecond:06d}Z"
    return f"{backup_prefix(prefix, label)}{when:%Y}/{when:%m}/{stamp}{EXTENSIONS[engine]}"


def key_time(key: str) -> datetime | None:
    """When the backup at ``key`` was taken, or None if it is not a backup's key."""
    match = _STAMP.match(key.rsplit("/", 1)[-1])
    if match is None:
        return None
    when = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S")
    return when.replace(microsecond=int(match["micro"]), tzinfo=UTC)


def manifest_key(key: str) -> str:
    return key + MANIFEST_SUFFIX


# --------------------------------------------------------------------------
# Credentials and commands


def _option_value(value: str) -> str:
    # Option files take double-quoted values with backslash escapes, so any
    # password survives: quotes, backslashes, '#', spaces.
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def option_file_text(db: Database) -> str:
    lines = []
    if db.include_file:
        lines.append(f"!include {db.include_file}")
    lines.append("[client]")
    for name, value in (
        ("user", db.user),
        ("password", db.password),
        ("host", db.host),
        ("socket", db.socket),
    ):
        if value:
            lines.append(f"{name}={_option_value(value)}")
    if db.port:
        lines.append(f"port={db.port}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def option_file(db: Database) -> Iterator[Path]:
    """A temporary option file (mode 0600) holding the credentials, removed afterwards."""
    handle, path = tempfile.mkstemp(prefix="newsroom-backup-", suffix=".cnf")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(option_file_text(db))
        yield Path(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@dataclass(frozen=True)
class DumpTool:
    path: str
    flavor: str  # "mariadb" or "mysql"
    version: tuple[int, ...]
    banner: str


def parse_dump_tool(path: str, banner: str) -> DumpTool:
    """Which dump program ``banner`` (its ``--version`` line) describes."""
    flavor = "mariadb" if "mariadb" in banner.lower() else "mysql"
    match = re.search(r"Distrib (\d+)\.(\d+)\.(\d+)", banner) or re.search(
        r"Ver (\d+)\.(\d+)\.(\d+)", banner
    )
    version = tuple(int(part) for part in match.groups()) if match else ()
    return DumpTool(path=path, flavor=flavor, version=version, banner=banner.strip())


def find_dump_tool() -> DumpTool:
    for name in ("mariadb-dump", "mysqldump"):
        path = shutil.which(name)
        if path:
            banner = subprocess.run(
                [path, "--version"], capture_output=True, text=True, check=False
            ).stdout
            return parse_dump_tool(path, banner)
    raise BackupError(
        "neither mariadb-dump nor mysqldump is installed: install the MariaDB or MySQL "
        "client tools (Debian: apt-get install mariadb-client)."
    )


def find_client(tool: DumpTool) -> str:
    names = ("mariadb", "mysql") if tool.flavor == "mariadb" else ("mysql", "mariadb")
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise BackupError("neither the mariadb nor the mysql client is installed.")


def dump_command(tool: DumpTool, options: Path, database: str) -> list[str]:
    """The dump's argv: credentials only through ``options``, never here."""
    command = [
        tool.path,
        f"--defaults-file={options}",  # must come first; the only option file read
        "--single-transaction",  # one consistent InnoDB snapshot; writers go on
        "--quick",  # rows streamed, not buffered whole in the dump's memory
        "--routines",
        "--triggers",
        "--events",
        "--hex-blob",
        "--default-character-set=utf8mb4",
        "--no-tablespaces",  # else MySQL 8 wants the PROCESS privilege
    ]
    if tool.flavor == "mysql":
        # Without it a GTID server's dump sets GTID_PURGED, which fails to load
        # into any server that has run transactions. mariadb-dump has no such flag.
        command.append("--set-gtid-purged=OFF")
        if tool.version >= (8, 0, 0):
            # MySQL 8's mysqldump reads histograms from a table MariaDB lacks.
            command.append("--column-statistics=0")
    # No --databases: the dump then has no CREATE DATABASE / USE, so it loads
    # into whatever database the client names (the scratch one on restore).
    command += ["--", database]
    return command


def client_command(client: str, options: Path, database: str) -> list[str]:
    return [
        client,
        f"--defaults-file={options}",
        "--default-character-set=utf8mb4",
        "--binary-mode",  # data is data: no client commands read out of the stream
        database,
    ]


# --------------------------------------------------------------------------
# Streams


class DumpScanner:
    """Watches a raw dump going by: its size, first bytes, table names and last line.

    ``feed`` is called with consecutive chunks; it keeps a few kilobytes, never
    the stream."""

    _MARK = b"\nCREATE TABLE `"
    _TAIL = 4096

    def __init__(self) -> None:
        self.raw_bytes = 0
        self.head = b""
        self.tables: list[str] = []
        self._tail = b""
        self._carry = b"\n"  # so a CREATE TABLE on the very first line counts

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.raw_bytes += len(chunk)
        if len(self.head) < 100:
            self.head += chunk[: 100 - len(self.head)]
        self._tail = (
            chunk[-self._TAIL :]
            if len(chunk) >= self._TAIL
            else (self._tail + chunk)[-self._TAIL :]
        )
        data = self._carry + chunk
        done = 0
        while (start := data.find(self._MARK, done)) >= 0:
            end = data.find(b"\n", start + 1)
            if end < 0:  # the line goes on in the next chunk
                self._carry = data[start : start + self._TAIL]
                return
            name = _identifier(data[start + len(self._MARK) - 1 : end])
            if name is not None:
                self.tables.append(name)
            done = end
        self._carry = data[max(done, len(data) - len(self._MARK) + 1) :]

    @property
    def last_line(self) -> bytes:
        return self._tail.rstrip().rsplit(b"\n", 1)[-1]

    @property
    def dump_completed(self) -> bool:
        return self.last_line.startswith(TRAILER)


def _identifier(text: bytes) -> str | None:
    """The backquoted identifier at the start of ``text`` (`` is a literal `)."""
    if not text.startswith(b"`"):
        return None
    out = bytearray()
    i = 1
    while i < len(text):
        if text[i] == 0x60:
            if text[i + 1 : i + 2] == b"`":
                out.append(0x60)
                i += 2
                continue
            return out.decode("utf-8", "replace")
        out.append(text[i])
        i += 1
    return None


def sqlite_image_problem(head: bytes, size: int) -> str | None:
    """Why a file of ``size`` bytes starting with ``head`` is not a whole SQLite database."""
    if not head.startswith(b"SQLite format 3\x00") or len(head) < 100:
        return "it is not an SQLite database file"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count in the header is valid when these two counters agree.
    if head[24:28] == head[92:96] and pages and pages * page_size != size:
        return (
            f"it holds {size:,} bytes but its header says {pages:,} pages "
            f"of {page_size:,} bytes (cut short)"
        )
    if size % page_size:
        return "its size is not a whole number of pages (cut short)"
    return None


def completion_problem(engine: str, scanner: DumpScanner) -> str | None:
    """Why the raw stream seen by ``scanner`` is not a complete dump, if it is not."""
    if engine == "mysql":
        if not scanner.dump_completed:
            return (
                "the dump does not end with its completion line "
                f"('{TRAILER.decode()} on ...'): it was cut short"
            )
        return None
    return sqlite_image_problem(scanner.head, scanner.raw_bytes)


# A gzip header (no name, no mtime, so the same dump gives the same bytes) and
# the empty final deflate block that ends the stream.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_FINAL_BLOCK = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
_WINDOW = 32 * 1024


def _deflate_block(block: bytes, dictionary: bytes, level: int) -> bytes:
    """One block of raw deflate, primed with the 32 KB before it (so it
    compresses as well as one long stream would) and ending on a byte boundary
    (sync flush), so blocks made on different threads concatenate into one
    deflate stream. The same trick as pigz."""
    if dictionary:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=dictionary)
    else:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)


class CompressingReader:
    """A read-only file object over ``source``: gzip-compressed, hashed as it goes.

    ``read(n)`` returns exactly ``n`` bytes until the end (boto3 sends each
    read as one part). ``on_raw`` sees every raw chunk; ``on_end`` runs when
    the source is exhausted, before the last bytes are handed out: if it
    raises, the upload fails and S3 never completes the object.

    Compression is gzip's own work, and the slowest step of a backup; blocks of
    ``chunk_size`` are deflated on ``threads`` threads (zlib lets go of the
    GIL), at most ``threads + 1`` blocks in flight, into one ordinary gzip
    member any gunzip reads."""

    def __init__(
        self,
        source: Callable[[int], bytes],
        *,
        on_raw: Callable[[bytes], None] | None = None,
        on_end: Callable[[], None] | None = None,
        level: int = GZIP_LEVEL,
        chunk_size: int = READ_SIZE,
        threads: int = COMPRESS_THREADS,
    ) -> None:
        self._source = source
        self._on_raw = on_raw
        self._on_end = on_end
        self._level = level
        self._chunk_size = chunk_size
        self._pool = ThreadPoolExecutor(threads, "gzip") if threads > 1 else None
        self._in_flight = max(threads, 1) + 1
        self._pending: deque[Future[bytes] | bytes] = deque()
        self._dictionary = b""
        self._crc = 0
        self._source_done = False
        self._buffer = bytearray(_GZIP_HEADER)
        self._sha = hashlib.sha256()
        self.raw_bytes = 0
        self.bytes = 0
        self.finished = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def _next_block(self) -> bytes:
        parts, have = [], 0
        while have < self._chunk_size:
            raw = self._source(self._chunk_size - have)
            if not raw:
                break
            parts.append(raw)
            have += len(raw)
        return b"".join(parts)

    def _submit(self) -> None:
        while not self._source_done and len(self._pending) < self._in_flight:
            block = self._next_block()
            if not block:
                self._source_done = True
                if self._on_end is not None:
                    self._on_end()
                return
            self.raw_bytes += len(block)
            if self._on_raw is not None:
                self._on_raw(block)
            self._crc = zlib.crc32(block, self._crc)
            if self._pool is not None:
                job = self._pool.submit(_deflate_block, block, self._dictionary, self._level)
                self._pending.append(job)
            else:
                self._pending.append(_deflate_block(block, self._dictionary, self._level))
            self._dictionary = (self._dictionary + block[-_WINDOW:])[-_WINDOW:]

    def read(self, size: int = -1) -> bytes:
        try:
            while not self.finished and (size < 0 or len(self._buffer) < size):
                self._submit()
                if self._pending:
                    item = self._pending.popleft()
                    self._buffer += item if isinstance(item, bytes) else item.result()
                else:
                    trailer = struct.pack("<II", self._crc, self.raw_bytes & 0xFFFFFFFF)
                    self._buffer += _FINAL_BLOCK + trailer
                    self.finished = True
                    self.close()
        except BaseException:
            self.close()
            raise
        if size < 0 or size >= len(self._buffer):
            out = bytes(self._buffer)
            self._buffer.clear()
        else:
            with memoryview(self._buffer) as view:  # one copy of the part, not two
                out = bytes(view[:size])
            del self._buffer[:size]
        self._sha.update(out)
        self.bytes += len(out)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pending.clear()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


def _inflate(unzip: Any, chunk: bytes) -> Iterator[bytes]:
    # At most READ_SIZE out per step: a small compressed chunk of a very
    # repetitive dump must not become a huge string in memory.
    data = chunk
    while data and not unzip.eof:
        out = unzip.decompress(data, READ_SIZE)
        if out:
            yield out
        data = unzip.unconsumed_tail


# --------------------------------------------------------------------------
# Manifests


@dataclass
class Manifest:
    key: str
    engine: str
    database: str
    server_version: str
    database_bytes: int
    sha256: str
    bytes: int
    raw_bytes: int
    tables: list[str]
    created_at: str
    tool: str
    seconds: float
    format: int = 1

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            manifest = cls(**{f.name: raw[f.name] for f in fields(cls)})
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupRefused(f"its manifest is unreadable ({exc!r})") from exc
        if not re.fullmatch(r"[0-9a-f]{64}", str(manifest.sha256)):
            raise BackupRefused("its manifest has no valid SHA-256")
        return manifest


def read_manifest(s3: Any, bucket: str, key: str) -> Manifest:
    """The manifest of the backup at ``key``; BackupRefused if it has none."""
    try:
        body = s3.get_object(Bucket=bucket, Key=manifest_key(key))["Body"].read()
    except ClientError as exc:
        if _error_code(exc) in ("NoSuchKey", "404"):
            raise BackupRefused(
                f"{key} has no manifest ({manifest_key(key)}): the backup never "
                "finished its checks, so it does not count"
            ) from exc
        raise BackupError(f"cannot read the manifest of {key}: {exc}") from exc
    except BotoCoreError as exc:
        raise BackupError(f"cannot read the manifest of {key}: {exc}") from exc
    manifest = Manifest.from_json(body)
    if manifest.key != key:
        raise BackupRefused(f"the manifest next to {key} describes another backup ({manifest.key})")
    return manifest


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --------------------------------------------------------------------------
# Retention


def select_to_keep(
    times: Iterable[datetime], daily: int, weekly: int, monthly: int
) -> set[datetime]:
    """The backups to keep: the newest one of each of the ``daily`` most recent
    days that have a backup, of the ``weekly`` most recent ISO weeks and of the
    ``monthly`` most recent months (the rules overlap, as in borg and restic).
    The newest backup is always kept. Days, weeks and months are those of the
    datetimes given: pass local times to count the newsroom's days."""
    ordered = sorted(set(times), reverse=True)
    keep = set(ordered[:1])
    rules: list[tuple[int, Callable[[datetime], object]]] = [
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, period in rules:
        seen: set[object] = set()
        for when in ordered:
            if len(seen) >= count:
                break
            if period(when) not in seen:
                seen.add(period(when))
                keep.add(when)
    return keep


@dataclass
class StoredBackup:
    key: str
    created: datetime  # UTC
    bytes: int
    verified: bool
    manifest: Manifest | None = None
    problem: str = ""  # why it does not count, when it does not


def _list_objects(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    objects: dict[str, int] = {}
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                objects[item["Key"]] = item["Size"]
    except (BotoCoreError, ClientError) as exc:
        raise BackupError(f"cannot list s3://{bucket}/{prefix}: {exc}") from exc
    return objects


def list_backups(
    settings: BackupSettings, label: str | None = None, *, s3: Any = None
) -> list[StoredBackup]:
    """Every backup under the prefix (of one database, or all), oldest first.

    A backup is verified when its manifest is there, readable and describes
    this very object (same key, same size); ``restore`` checks the rest."""
    s3 = s3 or s3_client()
    prefix = backup_prefix(settings.prefix, label) if label else f"{settings.prefix}/".lstrip("/")
    objects = _list_objects(s3, settings.bucket, prefix)
    backups = []
    for key, size in objects.items():
        created = key_time(key)
        if created is None:
            continue
        backup = StoredBackup(key=key, created=created, bytes=size, verified=False)
        if manifest_key(key) not in objects:
            backup.problem = "no manifest: the backup never finished its checks"
        else:
            try:
                backup.manifest = read_manifest(s3, settings.bucket, key)
            except BackupRefused as exc:
                backup.problem = str(exc)
            else:
                if backup.manifest.bytes != size:
                    backup.problem = (
                        f"S3 holds {size:,} bytes, its manifest says {backup.manifest.bytes:,}"
                    )
                else:
                    backup.verified = True
        backups.append(backup)
    return sorted(backups, key=lambda b: b.created)


def _orphan_manifests(objects: dict[str, int]) -> list[str]:
    return [
        key
        for key in objects
        if key.endswith(MANIFEST_SUFFIX) and key.removesuffix(MANIFEST_SUFFIX) not in objects
    ]


@dataclass
class PrunePlan:
    keep: list[StoredBackup]
    delete: list[StoredBackup]


def plan_prune(backups: list[StoredBackup], settings: BackupSettings, now: datetime) -> PrunePlan:
    """Which backups retention keeps and which go (with unverified leftovers of
    failed runs once they are older than ORPHAN_GRACE)."""
    zone = ZoneInfo(settings.time_zone)
    verified = {b.created.astimezone(zone): b for b in backups if b.verified}
    kept = select_to_keep(
        verified, settings.keep_daily, settings.keep_weekly, settings.keep_monthly
    )
    keep = [verified[when] for when in sorted(kept)]
    delete = [b for when, b in sorted(verified.items()) if when not in kept]
    delete += [b for b in backups if not b.verified and now - b.created > ORPHAN_GRACE]
    return PrunePlan(keep=keep, delete=sorted(delete, key=lambda b: b.created))


def _delete_keys(s3: Any, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        response = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise BackupError(
                f"S3 refused to delete {len(errors)} object(s), e.g. {first.get('Key')}: "
                f"{first.get('Message')}"
            )


def prune(
    settings: BackupSettings,
    label: str,
    *,
    s3: Any = None,
    now: datetime | None = None,
    dry_run: bool = False,
    extra: StoredBackup | None = None,
) -> PrunePlan:
    """Apply retention to one database's backups. ``extra`` is a backup about
    to exist (for a dry run, which deletes nothing)."""
    s3 = s3 or s3_client()
    now = now or datetime.now(UTC)
    backups = list_backups(settings, label, s3=s3)
    if extra is not None:
        backups.append(extra)
    plan = plan_prune(backups, settings, now)
    if dry_run or not plan.delete:
        return plan
    objects = _list_objects(s3, settings.bucket, backup_prefix(settings.prefix, label))
    orphans = [
        key
        for key in _orphan_manifests(objects)
        if (when := key_time(key.removesuffix(MANIFEST_SUFFIX))) and now - when > ORPHAN_GRACE
    ]
    try:
        # Manifests first: a backup stops counting before its dump goes.
        _delete_keys(
            s3,
            settings.bucket,
            [manifest_key(b.key) for b in plan.delete if manifest_key(b.key) in objects] + orphans,
        )
        _delete_keys(s3, settings.bucket, [b.key for b in plan.delete])
    except (BotoCoreError, ClientError) as exc:
        raise BackupError(f"pruning old backups failed: {exc}") from exc
    return plan


# --------------------------------------------------------------------------
# Backup


@dataclass
class BackupResult:
    key: str
    bucket: str
    manifest: Manifest | None  # None on a dry run
    kept: list[StoredBackup]
    pruned: list[StoredBackup]
    dry_run: bool = False


def run_backup(
    db: Database,
    settings: BackupSettings,
    *,
    s3: Any = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> BackupResult:
    """Back ``db`` up to S3 (checked, with its manifest), then prune old backups.

    Nothing half-done counts: a failed dump or upload leaves no object (the
    multipart upload is aborted) and raises BackupError."""
    s3 = s3 or s3_client()
    now = now or datetime.now(UTC)
    key = backup_key(settings.prefix, db.label, db.engine, now)
    if dry_run:
        planned = StoredBackup(key=key, created=now, bytes=0, verified=True)
        plan = prune(settings, db.label, s3=s3, now=now, dry_run=True, extra=planned)
        return BackupResult(key, settings.bucket, None, plan.keep, plan.delete, dry_run=True)
    store = _store_mysql if db.engine == "mysql" else _store_sqlite
    manifest = store(db, settings, s3, key, now)
    try:
        plan = prune(settings, db.label, s3=s3, now=now)
    except BackupError as exc:
        raise BackupError(f"the backup is stored at {key}, but {exc}") from exc
    return BackupResult(key, settings.bucket, manifest, plan.keep, plan.delete)


def _transfer_config() -> TransferConfig:
    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=UPLOAD_CONCURRENCY,
        use_threads=True,
        preferred_transfer_client="classic",
    )
    # Parts read but not yet sent; s3transfer's default of 10 would hold 80 MB.
    config.max_in_memory_upload_chunks = UPLOAD_CONCURRENCY
    return config


def _discard(s3: Any, bucket: str, key: str) -> None:
    """Best effort: no object and no unfinished multipart upload left at ``key``."""
    with contextlib.suppress(BotoCoreError, ClientError):
        uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads", [])
        for upload in uploads:
            if upload["Key"] == key:
                s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
    with contextlib.suppress(BotoCoreError, ClientError):
        s3.delete_object(Bucket=bucket, Key=key)


def _upload(s3: Any, bucket: str, key: str, reader: CompressingReader) -> None:
    """Stream ``reader`` into s3://bucket/key; on any failure nothing stays there."""
    try:
        s3.upload_fileobj(
            reader,
            bucket,
            key,
            ExtraArgs={"ContentType": "application/gzip"},
            Config=_transfer_config(),
        )
        if not reader.finished:
            raise BackupError("the upload finished before the dump did")
        stored = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        if stored != reader.bytes:
            raise BackupError(f"S3 holds {stored:,} bytes at {key}, not the {reader.bytes:,} sent")
    except BaseException as exc:
        reader.close()
        _discard(s3, bucket, key)
        if isinstance(exc, (BotoCoreError, ClientError)):
            raise BackupError(
                f"the upload to s3://{bucket}/{key} failed: {exc}; no backup was stored"
            ) from exc
        raise


def _put_manifest(s3: Any, bucket: str, manifest: Manifest) -> None:
    try:
        s3.put_object(
            Bucket=bucket,
            Key=manifest_key(manifest.key),
            Body=manifest.to_json(),
            ContentType="application/json",
        )
    except (BotoCoreError, ClientError) as exc:
        _discard(s3, bucket, manifest.key)
        raise BackupError(
            f"the dump was uploaded but its manifest could not be written ({exc}); "
            "it does not count as a backup"
        ) from exc


class DumpProcess:
    """The dump running with its stdout on a pipe; killed if left early."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.name = Path(command[0]).name
        # Closed in close(): the dump's messages, kept off the pipe we read.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise BackupError(f"cannot run {self.name}: {exc}") from exc
        assert self.process.stdout is not None
        self._fd = self.process.stdout.fileno()
        with contextlib.suppress(OSError, AttributeError):
            # A 1 MB pipe: fewer, larger reads, and the dump waits on us less.
            fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, READ_SIZE)

    def read(self, size: int) -> bytes:
        return os.read(self._fd, size)

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return text or "no message"

    def wait_ok(self) -> None:
        code = self.process.wait()
        if code < 0:
            raise BackupError(f"{self.name} was killed by signal {-code}")
        if code != 0:
            raise BackupError(f"{self.name} exited with status {code}: {self.stderr_text()}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> DumpProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _mysql_connect(db: Database, database: str | None = None) -> Any:
    import MySQLdb

    kwargs: dict[str, Any] = {"user": db.user, "charset": "utf8mb4", "autocommit": True}
    if db.password:
        kwargs["password"] = db.password
    if db.host:
        kwargs["host"] = db.host
    if db.port:
        kwargs["port"] = db.port
    if db.socket:
        kwargs["unix_socket"] = db.socket
    if db.include_file:
        kwargs["read_default_file"] = db.include_file
    if database:
        kwargs["database"] = database
    try:
        return MySQLdb.connect(**kwargs)
    except MySQLdb.Error as exc:
        raise BackupError(f"cannot connect to MySQL at {db.where}: {exc}") from exc


def _mysql_facts(db: Database) -> tuple[str, int]:
    """The server's version and the database's size on disk (data + indexes)."""
    connection = _mysql_connect(db)
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [db.name]
        )
        if cursor.fetchone() is None:
            raise BackupError(f"the database {db.name!r} does not exist on {db.where}")
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
        cursor.execute(
            "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            [db.name],
        )
        (size,) = cursor.fetchone()
        return str(version), int(size)
    finally:
        connection.close()


def _store_mysql(
    db: Database, settings: BackupSettings, s3: Any, key: str, now: datetime
) -> Manifest:
    tool = find_dump_tool()
    server_version, database_bytes = _mysql_facts(db)
    started = time.monotonic()
    scanner = DumpScanner()
    with option_file(db) as options, DumpProcess(dump_command(tool, options, db.name)) as dump:

        def check_dump() -> None:
            # Runs when the dump's output ends, before the last part is sent.
            dump.wait_ok()
            problem = completion_problem("mysql", scanner)
            if problem:
                raise BackupError(f"{dump.name}: {problem}")

        reader = CompressingReader(dump.read, on_raw=scanner.feed, on_end=check_dump)
        _upload(s3, settings.bucket, key, reader)
    manifest = Manifest(
        key=key,
        engine="mysql",
        database=db.name,
        server_version=server_version,
        database_bytes=database_bytes,
        sha256=reader.sha256,
        bytes=reader.bytes,
        raw_bytes=reader.raw_bytes,
        tables=scanner.tables,
        created_at=now.astimezone(UTC).isoformat(),
        tool=tool.banner,
        seconds=round(time.monotonic() - started, 3),
    )
    _put_manifest(s3, settings.bucket, manifest)
    return manifest


@contextlib.contextmanager
def _scratch_file(directory: Path, purpose: str) -> Iterator[Path]:
    """A path for a scratch SQLite file in ``directory``, removed (with its
    journal files) afterwards."""
    path = directory / f".{purpose}-{os.getpid()}-{secrets.token_hex(4)}.sqlite3"
    try:
        yield path
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def _sqlite_integrity(connection: sqlite3.Connection) -> str | None:
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    return None if rows == ["ok"] else "; ".join(rows[:5])


def _sqlite_snapshot(source: Path, target: Path) -> list[str]:
    """Copy ``source`` into ``target`` as one consistent snapshot; its tables.

    A temp file (next to the database, so on a disk that holds it) because
    SQLite's online backup API writes into another database, which is random
    access and cannot be a stream. It copies every page in one step under one
    read transaction, so the copy is a consistent snapshot while the admin goes
    on writing (WAL). iterdump() would stream SQL text instead, but is several
    times slower and bigger, and the restore would have to re-run every INSERT.
    """
    origin = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
        # One self-contained file: no -wal beside it for the stream to miss.
        copy.execute("PRAGMA journal_mode=DELETE")
        problem = _sqlite_integrity(copy)
        if problem:
            raise BackupError(f"SQLite's integrity check failed on the copy of {source}: {problem}")
        return _sqlite_tables(copy)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the SQLite database {source}: {exc}") from exc
    finally:
        copy.close()
        origin.close()


def _store_sqlite(
    db: Database, settings: BackupSettings, s3: Any, key: str, now: datetime
) -> Manifest:
    source = Path(db.name)
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    started = time.monotonic()
    with _scratch_file(source.parent, "backup") as copy_path:
        tables = _sqlite_snapshot(source, copy_path)
        scanner = DumpScanner()
        with open(copy_path, "rb") as handle:

            def check_copy() -> None:
                problem = sqlite_image_problem(scanner.head, scanner.raw_bytes)
                if problem:
                    raise BackupError(f"the copy of {source} is not sound: {problem}")

            reader = CompressingReader(handle.read, on_raw=scanner.feed, on_end=check_copy)
            _upload(s3, settings.bucket, key, reader)
    manifest = Manifest(
        key=key,
        engine="sqlite",
        database=db.label,
        server_version=f"SQLite {sqlite3.sqlite_version}",
        database_bytes=reader.raw_bytes,
        sha256=reader.sha256,
        bytes=reader.bytes,
        raw_bytes=reader.raw_bytes,
        tables=tables,
        created_at=now.astimezone(UTC).isoformat(),
        tool="sqlite3 online backup API",
        seconds=round(time.monotonic() - started, 3),
    )
    _put_manifest(s3, settings.bucket, manifest)
    return manifest


# --------------------------------------------------------------------------
# Verification


@dataclass
class StreamCheck:
    etag: str
    raw_bytes: int
    tables: list[str]


def stream_backup(
    s3: Any,
    bucket: str,
    key: str,
    manifest: Manifest,
    *,
    sink: Callable[[bytes], object] | None = None,
    if_match: str | None = None,
) -> StreamCheck:
    """Stream the backup at ``key`` down, decompressed into ``sink`` (if any),
    and check it against ``manifest``: size and SHA-256 of the stored object,
    a whole gzip stream, a complete dump. BackupRefused if anything is off."""
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if if_match:
        request["IfMatch"] = if_match  # the very object checked before, not a newer one
    try:
        response = s3.get_object(**request)
    except ClientError as exc:
        if _error_code(exc) in ("NoSuchKey", "404"):
            raise BackupRefused(f"s3://{bucket}/{key} does not exist") from exc
        if _error_code(exc) in ("PreconditionFailed", "412"):
            raise BackupRefused(f"{key} changed in S3 while it was being restored") from exc
        raise BackupError(f"cannot download {key}: {exc}") from exc
    except BotoCoreError as exc:
        raise BackupError(f"cannot download {key}: {exc}") from exc
    sha = hashlib.sha256()
    size = 0
    unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
    scanner = DumpScanner()
    gzip_problem = ""
    chunks = response["Body"].iter_chunks(READ_SIZE)
    try:
        while True:
            try:
                chunk = next(chunks, None)
            except (BotoCoreError, ClientError, OSError) as exc:
                raise BackupError(f"downloading {key} failed: {exc}") from exc
            if chunk is None:
                break
            sha.update(chunk)
            size += len(chunk)
            if gzip_problem:
                continue  # keep hashing: the size and SHA-256 say what went wrong
            try:
                for raw in _inflate(unzip, chunk):
                    scanner.feed(raw)
                    if sink is not None:
                        sink(raw)
            except zlib.error as exc:
                gzip_problem = str(exc)
    finally:
        response["Body"].close()
    digest = sha.hexdigest()
    if size < manifest.bytes:
        raise BackupRefused(
            f"{key} is truncated: S3 holds {size:,} bytes, its manifest says {manifest.bytes:,}"
        )
    if size > manifest.bytes:
        raise BackupRefused(
            f"{key} is damaged: S3 holds {size:,} bytes, its manifest says {manifest.bytes:,}"
        )
    if digest != manifest.sha256:
        raise BackupRefused(
            f"{key} is corrupt: its SHA-256 is {digest[:16]}…, its manifest says "
            f"{manifest.sha256[:16]}… (altered after the backup was taken)"
        )
    if gzip_problem:
        raise BackupRefused(f"{key} is not a sound gzip stream: {gzip_problem}")
    if not unzip.eof:
        raise BackupRefused(f"{key} is truncated: its gzip stream ends early")
    if unzip.unused_data:
        raise BackupRefused(f"{key} has stray bytes after its gzip stream")
    problem = completion_problem(manifest.engine, scanner)
    if problem:
        raise BackupRefused(f"{key} is incomplete: {problem}")
    return StreamCheck(
        etag=response.get("ETag", ""), raw_bytes=scanner.raw_bytes, tables=scanner.tables
    )


def verify_backup(settings: BackupSettings, key: str, *, s3: Any = None) -> Manifest:
    """Download and check one backup completely; its manifest if it is sound."""
    s3 = s3 or s3_client()
    manifest = read_manifest(s3, settings.bucket, key)
    stream_backup(s3, settings.bucket, key, manifest)
    return manifest


# --------------------------------------------------------------------------
# Restore


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
    s3 = s3 or s3_client()
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
    s3 = s3 or s3_client()
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
    restore = _restore_mysql if db.engine == "mysql" else _restore_sqlite
    tables, rows = restore(db, settings, s3, key, manifest, check.etag, before_replace)
    return RestoreResult(key, manifest, tables, rows, time.monotonic() - started)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _missing_tables(manifest: Manifest, present: Iterable[str]) -> None:
    missing = sorted(set(manifest.tables) - set(present))
    if missing:
        raise BackupRefused(
            f"the restored copy lacks {len(missing)} table(s) the backup holds: "
            + ", ".join(missing[:10])
        )


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
    with _scratch_file(live.parent, "restore") as copy_path:
        try:
            with open(copy_path, "wb") as handle:
                stream_backup(s3, settings.bucket, key, manifest, sink=handle.write, if_match=etag)
        except OSError as exc:
            raise BackupError(f"cannot write the scratch copy {copy_path}: {exc}") from exc
        copy = sqlite3.connect(copy_path)
        try:
            problem = _sqlite_integrity(copy)
            if problem:
                raise BackupRefused(f"SQLite's integrity check fails on {key}: {problem}")
            tables = _sqlite_tables(copy)
            _missing_tables(manifest, tables)
            count = "SELECT COUNT(*) FROM {}"  # identifiers quoted by _q
            rows = sum(copy.execute(count.format(_q(name))).fetchone()[0] for name in tables)
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


@dataclass
class _Definition:
    kind: str  # VIEW, TRIGGER, PROCEDURE, FUNCTION, EVENT
    name: str
    statement: str
    sql_mode: str | None = None
    time_zone: str | None = None


def _capture(cursor: Any, schema: str) -> list[_Definition]:
    """The CREATE statements of ``schema``'s triggers (and views, routines,
    events), read with ``schema`` as the current database so they name no
    database and can be run in another."""
    cursor.execute(f"USE {_q(schema)}")
    found: list[_Definition] = []
    cursor.execute(
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        [schema],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE TRIGGER {_q(name)}")
        row = cursor.fetchone()
        found.append(_Definition("TRIGGER", name, row[2], sql_mode=row[1]))
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s", [schema]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE VIEW {_q(name)}")
        found.append(_Definition("VIEW", name, cursor.fetchone()[1]))
    cursor.execute(
        "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = %s",
        [schema],
    )
    for name, kind in cursor.fetchall():
        cursor.execute(f"SHOW CREATE {kind} {_q(name)}")
        row = cursor.fetchone()
        found.append(_Definition(kind, name, row[2], sql_mode=row[1]))
    cursor.execute(
        "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s", [schema]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE EVENT {_q(name)}")
        row = cursor.fetchone()
        found.append(_Definition("EVENT", name, row[3], sql_mode=row[1], time_zone=row[2]))
    return found


def _create(cursor: Any, schema: str, definitions: list[_Definition]) -> None:
    """Run ``definitions`` in ``schema``, each under the sql_mode it was made with.
    Views may use other views, so those are retried until no more succeed."""
    import MySQLdb

    cursor.execute(f"USE {_q(schema)}")
    cursor.execute("SELECT @@SESSION.sql_mode, @@SESSION.time_zone")
    sql_mode, time_zone = cursor.fetchone()
    pending = list(definitions)
    try:
        while pending:
            failed: list[tuple[_Definition, Exception]] = []
            for item in pending:
                cursor.execute("SET SESSION sql_mode = %s", [item.sql_mode or sql_mode])
                cursor.execute("SET SESSION time_zone = %s", [item.time_zone or time_zone])
                try:
                    cursor.execute(item.statement)
                except MySQLdb.Error as exc:
                    if item.kind != "VIEW":
                        raise
                    failed.append((item, exc))
            if len(failed) == len(pending):
                raise failed[0][1]
            pending = [item for item, _ in failed]
    finally:
        cursor.execute("SET SESSION sql_mode = %s", [sql_mode])
        cursor.execute("SET SESSION time_zone = %s", [time_zone])


def _drop(cursor: Any, schema: str, definitions: list[_Definition]) -> None:
    for item in definitions:
        cursor.execute(f"DROP {item.kind} IF EXISTS {_q(schema)}.{_q(item.name)}")


def _moving_tables(cursor: Any, schema: str) -> list[str]:
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE') ORDER BY TABLE_NAME",
        [schema],
    )
    return [name for (name,) in cursor.fetchall()]


def _load_into(
    db: Database, s3: Any, bucket: str, key: str, manifest: Manifest, etag: str, scratch: str
) -> None:
    """Stream the backup into the scratch database through the mysql client."""
    client = find_client(find_dump_tool())
    with option_file(db) as options, tempfile.TemporaryFile() as errors:
        loader = subprocess.Popen(
            client_command(client, options, scratch),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        assert loader.stdin is not None
        stdin: IO[bytes] = loader.stdin

        def client_error() -> str:
            errors.seek(0)
            return errors.read()[-2000:].decode("utf-8", "replace").strip() or "no message"

        def feed(raw: bytes) -> None:
            try:
                stdin.write(raw)
            except BrokenPipeError:
                loader.wait()
                raise BackupRefused(
                    f"the dump does not load into a scratch database: {client_error()}"
                ) from None

        try:
            stream_backup(s3, bucket, key, manifest, sink=feed, if_match=etag)
            stdin.close()
            if loader.wait() != 0:
                raise BackupRefused(
                    f"the dump does not load into a scratch database: {client_error()}"
                )
        finally:
            if loader.poll() is None:
                loader.kill()
                loader.wait()
            with contextlib.suppress(BrokenPipeError):
                stdin.close()


def _check_scratch(cursor: Any, scratch: str, manifest: Manifest) -> tuple[int, int]:
    """Prove the scratch copy readable: every table there, CHECK TABLE all OK; its size."""
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", [scratch]
    )
    present = [name for (name,) in cursor.fetchall()]
    _missing_tables(manifest, present)
    tables = _moving_tables(cursor, scratch)
    rows = 0
    for name in tables:
        cursor.execute(f"CHECK TABLE {_q(scratch)}.{_q(name)}")
        bad = [
            row
            for row in cursor.fetchall()
            if row[2] == "error" or (row[2] == "status" and row[3] != "OK")
        ]
        if bad:
            raise BackupRefused(f"CHECK TABLE fails on the restored {name}: {bad[0][3]}")
        cursor.execute(f"SELECT COUNT(*) FROM {_q(scratch)}.{_q(name)}")  # noqa: S608 (quoted)
        rows += cursor.fetchone()[0]
    return len(tables), rows


def _restore_mysql(
    db: Database,
    settings: BackupSettings,
    s3: Any,
    key: str,
    manifest: Manifest,
    etag: str,
    before_replace: Callable[[], None],
) -> tuple[int, int]:
    import MySQLdb

    token = secrets.token_hex(4)
    # Both names contain "backup" so an operator can tell what they are.
    scratch = f"{db.name[:40]}_backup_new_{token}"
    old = f"{db.name[:40]}_backup_old_{token}"
    connection = _mysql_connect(db)
    keep_old = False
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            [db.name],
        )
        schema = cursor.fetchone()
        if schema is None:
            raise BackupError(
                f"the live database {db.name!r} does not exist on {db.where}: create it first"
            )
        charset = f"CHARACTER SET {schema[0]} COLLATE {schema[1]}"
        try:
            cursor.execute(f"CREATE DATABASE {_q(scratch)} {charset}")
            _load_into(db, s3, settings.bucket, key, manifest, etag, scratch)
            tables, rows = _check_scratch(cursor, scratch, manifest)
            before_replace()
            cursor.execute(f"CREATE DATABASE {_q(old)} {charset}")
            _swap(cursor, db.name, scratch, old)
        except BackupError as exc:
            keep_old = not exc.live_untouched
            raise
        except MySQLdb.Error as exc:
            # _swap reports its own errors, so this came before the switch.
            raise BackupError(
                f"restoring into the scratch database {scratch} failed: {exc}"
            ) from exc
        finally:
            with contextlib.suppress(MySQLdb.Error):
                cursor.execute(f"DROP DATABASE IF EXISTS {_q(scratch)}")
                if not keep_old:
                    cursor.execute(f"DROP DATABASE IF EXISTS {_q(old)}")
    finally:
        connection.close()
    return tables, rows


def _swap(cursor: Any, live: str, scratch: str, old: str) -> None:
    """Switch the scratch tables in for the live ones in one RENAME TABLE.

    Before it, the live database is whole; after it, the restored tables are
    live and the previous ones sit in ``old`` (dropped by the caller). Views,
    routines and events are not tables: the live ones are dropped and the
    restored ones re-created in ``live`` from the scratch copy."""
    import MySQLdb

    try:
        cursor.execute("SET SESSION lock_wait_timeout = %s", [SWAP_LOCK_WAIT_SECONDS])
        restored_objects = _capture(cursor, scratch)
        live_objects = _capture(cursor, live)
        # A table with triggers cannot move to another database ("Trigger in
        # wrong schema"), so triggers come off both sides and are made again
        # on the live tables after the switch.
        _drop(cursor, scratch, [d for d in restored_objects if d.kind == "TRIGGER"])
        moves = [f"{_q(live)}.{_q(t)} TO {_q(old)}.{_q(t)}" for t in _moving_tables(cursor, live)]
        moves += [
            f"{_q(scratch)}.{_q(t)} TO {_q(live)}.{_q(t)}" for t in _moving_tables(cursor, scratch)
        ]
    except MySQLdb.Error as exc:
        raise BackupError(f"could not prepare the switch ({exc})") from exc
    live_triggers = [d for d in live_objects if d.kind == "TRIGGER"]
    try:
        _drop(cursor, live, live_triggers)
        if moves:
            cursor.execute("RENAME TABLE " + ", ".join(moves))
    except MySQLdb.Error as exc:
        # Put back whichever of the live triggers had already come off.
        left = {d.name for d in _capture(cursor, live) if d.kind == "TRIGGER"}
        _create(cursor, live, [d for d in live_triggers if d.name not in left])
        raise BackupError(
            f"could not switch the restored tables in ({exc}); the live database is as it was"
        ) from exc
    try:
        _drop(cursor, live, [d for d in live_objects if d.kind != "TRIGGER"])
        _create(cursor, live, restored_objects)
    except MySQLdb.Error as exc:
        raise BackupError(
            f"the restored tables are live, but re-creating its views, triggers, routines "
            f"or events failed ({exc}); the previous tables are kept in the database {old}",
            live_untouched=False,
        ) from exc
