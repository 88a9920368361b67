"""Django's SQLite backend, with the database file private to its owner.

SQLite creates a missing database file with mode 0644 (less the umask), so on
a shared host anyone could read the newsroom's drafts, users and password
hashes. Each new connection first creates the file with mode 0600 (or
tightens an older, looser one); SQLite gives its -wal and -shm files the
database file's mode, so they follow.
"""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Any

from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

PRIVATE = 0o600


def make_private(path: str) -> None:
    """Create ``path`` (empty, mode 0600) if missing; take group and world
    access away from it and its -wal/-shm/-journal files if they have any."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE)
    except OSError:
        return  # SQLite itself says what is wrong with the path
    try:
        if os.fstat(fd).st_mode & 0o077:
            with suppress(PermissionError):  # not ours to change
                os.fchmod(fd, PRIVATE)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError, PermissionError):
            if os.stat(path + suffix).st_mode & 0o077:
                os.chmod(path + suffix, PRIVATE)


def is_file_database(name: str) -> bool:
    return bool(name) and name != ":memory:" and not name.startswith("file:")


class DatabaseWrapper(SQLiteDatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(conn_params.get("database") or "")
        if is_file_database(name):
            make_private(name)
        return super().get_new_connection(conn_params)
