"""Django's SQLite backend, with the database file private to its owner.

SQLite creates a missing database file with mode 0644 (less the umask), so on
a shared host anyone could read the newsroom's drafts, users and password
hashes. Each new connection first creates the file with mode 0600 (or
tightens an older, looser one); SQLite gives its -wal and -shm files the
database file's mode, so they follow.
"""

from __future__ import annotations

import os
import threading
from contextlib import suppress
from typing import Any

from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

PRIVATE = 0o600
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_creating = threading.Lock()


def make_private(path: str) -> None:
    """Create ``path`` (empty, mode 0600) if missing; take group and world
    access away from it and its -wal/-shm/-journal files if they have any.

    An existing database is never opened here: closing any descriptor of a
    file drops every POSIX lock this process holds on it, those of the
    SQLite connections other threads have open included (SQLite's own
    warning). A file this call creates exclusively has no other descriptor,
    and the lock keeps the other threads' connections from opening it until
    ours is closed."""
    with _creating:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, PRIVATE)
        except FileExistsError:
            pass
        except OSError:
            return  # SQLite itself says what is wrong with the path
        else:
            os.close(fd)
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        with suppress(FileNotFoundError, PermissionError):  # gone, or not ours to change
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, PRIVATE)


def is_file_database(name: str) -> bool:
    return bool(name) and name != ":memory:" and not name.startswith("file:")


class DatabaseWrapper(SQLiteDatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(conn_params.get("database") or "")
        if is_file_database(name):
            make_private(name)
        return super().get_new_connection(conn_params)
