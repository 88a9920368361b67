"""SQLite scratch files and checks, shared by the backup and the restore."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def scratch_file(directory: Path, purpose: str) -> Iterator[Path]:
    """A path for a scratch SQLite file in ``directory``, removed (with its
    journal files) afterwards."""
    path = directory / f".{purpose}-{os.getpid()}-{secrets.token_hex(4)}.sqlite3"
    try:
        yield path
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")


def sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def sqlite_integrity(connection: sqlite3.Connection) -> str | None:
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    return None if rows == ["ok"] else "; ".join(rows[:5])


def sqlite_rows(connection: sqlite3.Connection, tables: list[str]) -> int:
    """How many rows ``tables`` hold together."""
    count = 'SELECT COUNT(*) FROM "{}"'  # the name's own quotes doubled below
    return sum(
        connection.execute(count.format(name.replace('"', '""'))).fetchone()[0] for name in tables
    )
