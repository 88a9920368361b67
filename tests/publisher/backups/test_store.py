"""Taking a backup on the test database (SQLite or MariaDB) into an S3 server."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import threading
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from publisher.backups.keys import manifest_key
from publisher.backups.manifest import Manifest
from tests.publisher.backups.support import (
    backup_keys,
    closed_port,
    drop_tables,
    keys,
    leftovers,
    live_db,
    read_object,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_backup_stores_the_dump_and_a_manifest_that_vouches_for_it(newsroom, backup_bucket):
    out = StringIO()
    call_command("backup", stdout=out)
    (key,) = backup_keys(backup_bucket)
    db = live_db()
    assert key.startswith(f"backups/{db.label}/{datetime.now(UTC):%Y/%m}/")
    assert key.endswith(".sql.gz" if db.engine == "mysql" else ".sqlite3.gz")
    body = read_object(backup_bucket, key)
    manifest = Manifest.from_json(read_object(backup_bucket, manifest_key(key)))
    assert manifest.sha256 == hashlib.sha256(body).hexdigest()
    assert manifest.bytes == len(body)
    assert manifest.database in (db.name, db.label)
    assert manifest.server_version and manifest.database_bytes > 0
    assert {"content_story", "content_byline", "django_migrations"} <= set(manifest.tables)
    raw = gzip.decompress(body)
    if db.engine == "mysql":
        assert raw.rstrip().rsplit(b"\n", 1)[-1].startswith(b"-- Dump completed")
        assert b"CREATE DATABASE" not in raw and b"\nUSE " not in raw
    else:
        assert raw.startswith(b"SQLite format 3\x00")
    assert out.getvalue().startswith(f"backup: {db.label} ")
    assert f"s3://{backup_bucket.bucket}/{key}" in out.getvalue()


def test_an_unreachable_s3_fails_the_backup_and_stores_nothing(
    newsroom, backup_bucket, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(CommandError, match="backup failed: .*no backup was stored"):
        call_command("backup", verbosity=0)
    assert keys(backup_bucket) == []
    assert leftovers() == []


def test_the_sqlite_copy_is_one_snapshot_while_a_writer_moves_money_between_tables(
    backup_bucket,
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's online backup API (MariaDB's snapshot: test_mariadb)")
    path = connection.settings_dict["NAME"]
    total = 1_000_000
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE backup_ledger_a (id INTEGER PRIMARY KEY, amount INTEGER)")
        cursor.execute("CREATE TABLE backup_ledger_z (id INTEGER PRIMARY KEY, amount INTEGER)")
        cursor.execute("INSERT INTO backup_ledger_a VALUES (1, %s)", [total])
        cursor.execute("INSERT INTO backup_ledger_z VALUES (1, 0)")
    stop, commits = threading.Event(), []

    def writer() -> None:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE backup_ledger_a SET amount = amount - 7")
            db.execute("UPDATE backup_ledger_z SET amount = amount + 7")
            db.execute("COMMIT")
            commits.append(1)
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(commits) < 20:
            stop.wait(0.01)
        during = len(commits)
        call_command("backup", verbosity=0)
        during = len(commits) - during
    finally:
        stop.set()
        thread.join()
    try:
        assert during > 0
        call_command("restore", "latest", yes=True, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT a.amount, z.amount FROM backup_ledger_a a, backup_ledger_z z")
            a, z = cursor.fetchone()
        assert a + z == total
        assert 0 < z < 7 * len(commits)  # a moment in the middle of the writing
    finally:
        drop_tables("backup_ledger_a", "backup_ledger_z")
