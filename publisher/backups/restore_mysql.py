"""Restoring MySQL/MariaDB: the dump loaded into a scratch database through the
client, checked, then switched in with one RENAME TABLE; views, triggers,
routines and events moved across by hand."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.manifest import Manifest, missing_tables
from publisher.backups.mysql import (
    client_command,
    find_client,
    find_dump_tool,
    mysql_connect,
    option_file,
    quote,
)
from publisher.backups.verify import stream_backup

# How long a restore waits for other sessions to release the live tables.
SWAP_LOCK_WAIT_SECONDS = 60


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
    cursor.execute(f"USE {quote(schema)}")
    found: list[_Definition] = []
    cursor.execute(
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
        [schema],
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE TRIGGER {quote(name)}")
        row = cursor.fetchone()
        found.append(_Definition("TRIGGER", name, row[2], sql_mode=row[1]))
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s", [schema]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE VIEW {quote(name)}")
        found.append(_Definition("VIEW", name, cursor.fetchone()[1]))
    cursor.execute(
        "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = %s",
        [schema],
    )
    for name, kind in cursor.fetchall():
        cursor.execute(f"SHOW CREATE {kind} {quote(name)}")
        row = cursor.fetchone()
        found.append(_Definition(kind, name, row[2], sql_mode=row[1]))
    cursor.execute(
        "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s", [schema]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE EVENT {quote(name)}")
        row = cursor.fetchone()
        found.append(_Definition("EVENT", name, row[3], sql_mode=row[1], time_zone=row[2]))
    return found


def _create(cursor: Any, schema: str, definitions: list[_Definition]) -> None:
    """Run ``definitions`` in ``schema``, each under the sql_mode it was made with.
    Views may use other views, so those are retried until no more succeed."""
    import MySQLdb

    cursor.execute(f"USE {quote(schema)}")
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
        cursor.execute(f"DROP {item.kind} IF EXISTS {quote(schema)}.{quote(item.name)}")


def _moving_tables(cursor: Any, schema: str) -> list[str]:
    cursor.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
        "AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE') ORDER BY TABLE_NAME",
        [schema],
    )
    return [name for (name,) in cursor.fetchall()]


def _load_into(
    db: Database,
    s3: Any,
    bucket: str,
    key: str,
    manifest: Manifest,
    etag: str,
    scratch: str,
    *,
    unlogged: bool = False,
) -> None:
    """Stream the backup into the scratch database through the mysql client."""
    client = find_client(find_dump_tool())
    with option_file(db) as options, tempfile.TemporaryFile() as errors:
        loader = subprocess.Popen(
            client_command(client, options, scratch, unlogged=unlogged),
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
    missing_tables(manifest, present)
    tables = _moving_tables(cursor, scratch)
    rows = 0
    for name in tables:
        cursor.execute(f"CHECK TABLE {quote(scratch)}.{quote(name)}")
        bad = [
            row
            for row in cursor.fetchall()
            if row[2] == "error" or (row[2] == "status" and row[3] != "OK")
        ]
        if bad:
            raise BackupRefused(f"CHECK TABLE fails on the restored {name}: {bad[0][3]}")
        cursor.execute(f"SELECT COUNT(*) FROM {quote(scratch)}.{quote(name)}")  # noqa: S608 (quoted)
        rows += cursor.fetchone()[0]
    return len(tables), rows


def restore_mysql(
    db: Database,
    settings: BackupSettings,
    s3: Any,
    key: str,
    manifest: Manifest,
    etag: str,
    before_replace: Callable[[], None],
    *,
    after_load: Callable[[str], None] | None = None,
    into: str = "",
    unlogged: bool = False,
) -> tuple[int, int]:
    """Load the backup into a scratch database, run ``after_load`` on it (the
    binlog replay of a restore to a moment), check it, and switch it in for
    the live tables; with ``into``, load it into that new database instead and
    leave the live one alone."""
    import MySQLdb

    token = secrets.token_hex(4)
    # Both names contain "backup" so an operator can tell what they are.
    scratch = into or f"{db.name[:40]}_backup_new_{token}"
    old = f"{db.name[:40]}_backup_old_{token}"
    connection = mysql_connect(db)
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
        if into:
            cursor.execute(
                "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [into]
            )
            if cursor.fetchone() is not None:
                raise BackupRefused(
                    f"the database {into!r} already exists on {db.where}: name a new one"
                )
        done = False
        try:
            cursor.execute(f"CREATE DATABASE {quote(scratch)} {charset}")
            _load_into(db, s3, settings.bucket, key, manifest, etag, scratch, unlogged=unlogged)
            if after_load is not None:
                after_load(scratch)
            tables, rows = _check_scratch(cursor, scratch, manifest)
            if into:
                done = True
                return tables, rows
            before_replace()
            cursor.execute(f"CREATE DATABASE {quote(old)} {charset}")
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
                if not done:
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(scratch)}")
                if not keep_old:
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
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
        moves = [
            f"{quote(live)}.{quote(t)} TO {quote(old)}.{quote(t)}"
            for t in _moving_tables(cursor, live)
        ]
        moves += [
            f"{quote(scratch)}.{quote(t)} TO {quote(live)}.{quote(t)}"
            for t in _moving_tables(cursor, scratch)
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
