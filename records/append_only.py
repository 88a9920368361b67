"""The audit log, append-only in the database itself.

The model refuses to change or delete a line (``records.models``), but a
script can go round the model (``_base_manager.update()``,
``save_base(force_update=True)``, ``bulk_create(update_conflicts=True)``, raw
SQL). Triggers made by migration ``records.0003`` refuse every UPDATE and
DELETE of ``records_auditentry`` on SQLite and MariaDB, with one exception
each:

- deleting a user account blanks ``actor`` on their lines (``SET_NULL``); the
  line keeps ``actor_name``, so it reads the same. Nothing else may change.
- ``audit_maintenance()`` opens the gate for one connection: the only caller
  is ``manage.py flush`` (which empties the whole database, the test suite's
  reset between tests included).

On SQLite the gate is a function each Django connection defines; any other
program (the ``sqlite3`` shell) has no such function, so its UPDATE or
DELETE fails too. On MariaDB it is the session variable
``@newsroom_audit_maintenance``. What the triggers do not stop: someone who
can drop them (a database administrator), or ``TRUNCATE``/``DROP TABLE``
(which need the DROP privilege the application's user should not have in
production), or a restore from a backup (the dump holds the triggers too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

GATE_FUNCTION = "newsroom_audit_maintenance"
GATE_VARIABLE = "@newsroom_audit_maintenance"
TRIGGERS = ("records_auditentry_no_update", "records_auditentry_no_delete")


def define_gate(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: give a SQLite connection the gate function,
    closed unless ``audit_maintenance()`` opened it on this connection."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        GATE_FUNCTION, 0, lambda: int(getattr(connection, "audit_maintenance", False))
    )


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let this connection update and delete audit lines, inside the block
    only. For emptying the database (``manage.py flush``); nothing else."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {GATE_VARIABLE} = 1")
    connection.audit_maintenance = True
    try:
        yield
    finally:
        connection.audit_maintenance = False
        if connection.vendor == "mysql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET {GATE_VARIABLE} = NULL")


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The audit log's triggers the database lacks (a SQLite table rebuilt by
    a later migration loses its triggers)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        elif connection.vendor == "mysql":
            cursor.execute(
                "SELECT trigger_name FROM information_schema.triggers "
                "WHERE trigger_schema = DATABASE()"
            )
        else:
            return list(TRIGGERS)
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in TRIGGERS if name not in present]
