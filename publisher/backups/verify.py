"""Checking a stored backup: streamed down and checked against its manifest
(size, SHA-256, a whole gzip stream, a complete dump) before anything uses it."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.config import BackupSettings
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.manifest import Manifest, read_manifest
from publisher.backups.scan import DumpScanner, completion_problem
from publisher.backups.stream import READ_SIZE, inflate
from publisher.s3 import error_code, is_not_found, make_client


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
        if is_not_found(exc):
            raise BackupRefused(f"s3://{bucket}/{key} does not exist") from exc
        if error_code(exc) in ("PreconditionFailed", "412"):
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
                for raw in inflate(unzip, chunk):
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
    s3 = s3 or make_client()
    manifest = read_manifest(s3, settings.bucket, key)
    stream_backup(s3, settings.bucket, key, manifest)
    return manifest
