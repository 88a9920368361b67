"""The manifest written next to a dump once it is complete and stored: a dump
without one does not count as a backup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.keys import manifest_key
from publisher.s3 import is_not_found


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
    # Where the dump stands in the server's binary log (MariaDB with log_bin
    # on; empty otherwise): a restore to a moment replays from here.
    binlog_file: str = ""
    binlog_position: int = 0
    gtid_position: str = ""

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            # Fields with defaults came later: older manifests lack them.
            manifest = cls(
                **{f.name: raw[f.name] for f in fields(cls) if f.name in raw or not _optional(f)}
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupRefused(f"its manifest is unreadable ({exc!r})") from exc
        if not re.fullmatch(r"[0-9a-f]{64}", str(manifest.sha256)):
            raise BackupRefused("its manifest has no valid SHA-256")
        return manifest


def _optional(f: Any) -> bool:
    return f.default is not MISSING


def read_manifest(s3: Any, bucket: str, key: str) -> Manifest:
    """The manifest of the backup at ``key``; BackupRefused if it has none."""
    try:
        body = s3.get_object(Bucket=bucket, Key=manifest_key(key))["Body"].read()
    except ClientError as exc:
        if is_not_found(exc):
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


def missing_tables(manifest: Manifest, present: Iterable[str]) -> None:
    missing = sorted(set(manifest.tables) - set(present))
    if missing:
        raise BackupRefused(
            f"the restored copy lacks {len(missing)} table(s) the backup holds: "
            + ", ".join(missing[:10])
        )
