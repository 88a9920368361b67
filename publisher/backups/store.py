"""Taking a backup: the dump (mysqldump, or SQLite's online backup API) streamed
through gzip into S3, checked, its manifest written, then old backups pruned."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError
from publisher.backups.keys import backup_key, manifest_key
from publisher.backups.manifest import Manifest
from publisher.backups.mysql import (
    DumpProcess,
    dump_command,
    find_dump_tool,
    mysql_connect,
    option_file,
)
from publisher.backups.retention import StoredBackup, prune
from publisher.backups.scan import DumpScanner, completion_problem, sqlite_image_problem
from publisher.backups.sqlite import scratch_file, sqlite_integrity, sqlite_tables
from publisher.backups.stream import CompressingReader, MiB
from publisher.s3 import make_client

# 8 MB parts, two uploading at a time and two waiting: about 40 MB of buffers
# whatever the size of the database.
PART_SIZE = 8 * MiB
UPLOAD_CONCURRENCY = 2


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
    s3 = s3 or make_client()
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


def _mysql_facts(db: Database) -> tuple[str, int, bool]:
    """The server's version, the database's size on disk (data + indexes), and
    whether the server writes binary logs."""
    connection = mysql_connect(db)
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
        cursor.execute("SELECT @@GLOBAL.log_bin")
        (log_bin,) = cursor.fetchone()
        return str(version), int(size), bool(int(log_bin))
    finally:
        connection.close()


def _store_mysql(
    db: Database, settings: BackupSettings, s3: Any, key: str, now: datetime
) -> Manifest:
    tool = find_dump_tool()
    server_version, database_bytes, log_bin = _mysql_facts(db)
    started = time.monotonic()
    scanner = DumpScanner()
    with (
        option_file(db) as options,
        DumpProcess(dump_command(tool, options, db.name, binlog=log_bin)) as dump,
    ):

        def check_dump() -> None:
            # Runs when the dump's output ends, before the last part is sent.
            dump.wait_ok()
            problem = completion_problem("mysql", scanner)
            if problem:
                raise BackupError(f"{dump.name}: {problem}")

        reader = CompressingReader(dump.read, on_raw=scanner.feed, on_end=check_dump)
        _upload(s3, settings.bucket, key, reader)
    position = scanner.binlog_position
    if log_bin and position is None and tool.flavor == "mariadb":
        _discard(s3, settings.bucket, key)
        raise BackupError(
            f"{dump.name} did not write its binary log position (--master-data); "
            "no backup was stored"
        )
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
        binlog_file=position[0] if position else "",
        binlog_position=position[1] if position else 0,
        gtid_position=scanner.gtid,
    )
    _put_manifest(s3, settings.bucket, manifest)
    return manifest


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
        problem = sqlite_integrity(copy)
        if problem:
            raise BackupError(f"SQLite's integrity check failed on the copy of {source}: {problem}")
        return sqlite_tables(copy)
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
    with scratch_file(source.parent, "backup") as copy_path:
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
