"""Where a backup lives in the bucket: ``<prefix>/<database>/<yyyy>/<mm>/<timestamp><ext>``,
its manifest beside it, and when a key says it was taken."""

from __future__ import annotations

import re
from datetime import UTC, datetime

MANIFEST_SUFFIX = ".manifest.json"
EXTENSIONS = {"mysql": ".sql.gz", "sqlite": ".sqlite3.gz"}
_STAMP = re.compile(r"^(?P<stamp>\d{8}T\d{6})(?P<micro>\d{6})Z(?P<ext>\.sql\.gz|\.sqlite3\.gz)$")


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
