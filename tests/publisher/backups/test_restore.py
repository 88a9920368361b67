"""Backups end to end on the test database (SQLite or MariaDB) and an S3 server:
back up, list, prune, restore, and refuse what is damaged."""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from content.models import Byline, Obituary, Story
from publisher.backups.config import BackupSettings, Database
from publisher.backups.errors import BackupError
from publisher.backups.keys import backup_key, manifest_key
from publisher.backups.manifest import Manifest
from publisher.backups.restore import run_restore
from publisher.backups.store import run_backup
from tests.factories import make_story
from tests.sitecheck import file_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]


# Helpers shared with the other test_backup_* files


@pytest.fixture
def backup_bucket(settings, s3):
    """The S3 test bucket, configured as the backup bucket."""
    settings.BACKUP_S3_BUCKET = s3.bucket
    settings.BACKUP_S3_PREFIX = "backups"
    return s3


def live_db() -> Database:
    return Database.from_settings_dict(connection.settings_dict)


def keys(s3: Any) -> list[str]:
    listing = s3.client.list_objects_v2(Bucket=s3.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def backup_keys(s3: Any) -> list[str]:
    return [key for key in keys(s3) if not key.endswith(".manifest.json")]


def fingerprints() -> dict[str, Any]:
    """Every table's contents as one value: CHECKSUM TABLE on MariaDB, a hash of
    its sorted rows on SQLite."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "mysql":
            cursor.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
            return {name.split(".", 1)[1]: checksum for name, checksum in cursor.fetchall()}
        result = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (a table name we listed)
            rows = sorted(repr(row) for row in cursor.fetchall())
            result[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return result


def leftovers() -> list[str]:
    """Scratch databases or files a restore or backup left behind (there must be none)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES")
            return [db for (db,) in cursor.fetchall() if db.startswith(f"{name[:40]}_backup_")]
    folder = Path(name).parent
    return sorted(
        p.name for p in folder.glob(".*.sqlite3*") if p.name.startswith((".backup-", ".restore-"))
    )


def drop_tables(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def manage_env(subprocess_env: dict[str, str], s3: Any, **extra: str) -> dict[str, str]:
    """The environment for manage.py in a subprocess: test database, test bucket."""
    env = dict(subprocess_env)
    env.update(
        BACKUP_S3_BUCKET=s3.bucket,
        BACKUP_S3_PREFIX="backups",
        AWS_ENDPOINT_URL=s3.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    env.update(extra)
    return env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: nothing listens


def read_object(s3: Any, key: str) -> bytes:
    return s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def put_object(s3: Any, key: str, body: bytes) -> None:
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body)


def clone_backup(s3: Any, key: str, when: datetime) -> str:
    """A copy of the real backup at ``key``, as if it had been taken ``when``."""
    db = live_db()
    new = backup_key("backups", db.label, db.engine, when)
    s3.client.copy_object(Bucket=s3.bucket, Key=new, CopySource={"Bucket": s3.bucket, "Key": key})
    manifest = Manifest.from_json(read_object(s3, manifest_key(key)))
    manifest.key, manifest.created_at = new, when.isoformat()
    put_object(s3, manifest_key(new), manifest.to_json())
    return new


# Backing up


def test_a_backup_without_a_bucket_fails_with_a_message_saying_what_to_set(settings):
    settings.BACKUP_S3_BUCKET = ""
    with pytest.raises(CommandError, match="BACKUP_S3_BUCKET is not set: set it to"):
        call_command("backup", verbosity=0)


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


# Listing


def test_backups_lists_each_backup_with_its_size_and_whether_it_counts(newsroom, backup_bucket):
    call_command("backup", verbosity=0)
    (good,) = backup_keys(backup_bucket)
    db = live_db()
    # What a run that died before its manifest leaves behind.
    died = backup_key("backups", db.label, db.engine, datetime.now(UTC) - timedelta(hours=1))
    put_object(backup_bucket, died, b"\x1f\x8b half a dump")
    out = StringIO()
    call_command("backups", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert died in lines[0] and "UNVERIFIED (no manifest" in lines[0]
    assert good in lines[1] and lines[1].endswith("verified") and " kB " in lines[1]
    assert lines[2].startswith(f"backups: 2 in s3://{backup_bucket.bucket}/backups ")
    assert "1 verified" in lines[2]


def test_backups_verify_downloads_each_backup_and_flags_a_damaged_one(newsroom, backup_bucket):
    call_command("backup", verbosity=0)
    (key,) = backup_keys(backup_bucket)
    clone = clone_backup(backup_bucket, key, datetime.now(UTC) - timedelta(days=1))
    body = bytearray(read_object(backup_bucket, clone))
    body[len(body) // 2] ^= 0xFF
    put_object(backup_bucket, clone, bytes(body))
    out = StringIO()
    call_command("backups", verify=True, stdout=out)
    lines = out.getvalue().splitlines()
    assert clone in lines[0] and "UNVERIFIED" in lines[0] and "corrupt" in lines[0]
    assert key in lines[1] and lines[1].endswith("verified")


# Retention


def test_pruning_after_a_backup_keeps_exactly_the_retention_set(newsroom, backup_bucket):
    db = live_db()
    keep_all = BackupSettings(backup_bucket.bucket, keep_daily=99, keep_monthly=99)
    seed = run_backup(db, keep_all, now=datetime(2026, 4, 1, 9, tzinfo=UTC)).key
    dated = {
        day: clone_backup(backup_bucket, seed, datetime.fromisoformat(f"{day}T09:00:00+00:00"))
        for day in [
            "2026-04-15",
            "2026-04-30",
            "2026-05-20",
            "2026-06-20",
            "2026-06-22",
            "2026-06-27",
            "2026-06-28",
            "2026-06-29",
        ]
    }
    rules = BackupSettings(
        backup_bucket.bucket, keep_daily=3, keep_weekly=2, keep_monthly=3, time_zone="UTC"
    )
    result = run_backup(db, rules, now=datetime(2026, 6, 30, 9, tzinfo=UTC))
    kept = {key for key in backup_keys(backup_bucket)}
    # daily: 06-28, 06-29, 06-30; weekly: week 27 (06-30) and week 26 (06-28);
    # monthly: June (06-30), May (05-20), April (04-30).
    assert kept == {
        result.key,
        dated["2026-06-29"],
        dated["2026-06-28"],
        dated["2026-05-20"],
        dated["2026-04-30"],
    }
    assert {b.key for b in result.pruned} == {
        seed,
        dated["2026-04-15"],
        dated["2026-06-20"],
        dated["2026-06-22"],
        dated["2026-06-27"],
    }
    assert all(manifest_key(key) in keys(backup_bucket) for key in kept)
    assert len(keys(backup_bucket)) == 2 * len(kept)  # no manifest left without its dump


def test_a_dry_run_deletes_nothing_and_names_what_the_real_run_then_deletes(
    newsroom, backup_bucket, settings
):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    call_command("backup", verbosity=0)
    (first,) = backup_keys(backup_bucket)
    for days in (1, 2, 3):
        clone_backup(backup_bucket, first, datetime.now(UTC) - timedelta(days=days))
    before = keys(backup_bucket)
    out = StringIO()
    call_command("backup", dry_run=True, stdout=out)
    assert keys(backup_bucket) == before
    would = {line.removeprefix("would delete ") for line in out.getvalue().splitlines()[:-1]}
    assert out.getvalue().splitlines()[-1].startswith("backup (dry run): would store s3://")
    call_command("backup", verbosity=0)
    assert would == set(before) - set(keys(backup_bucket)) - {manifest_key(k) for k in before}
    assert len(would) == 3  # four older backups, one day of them kept besides today's


# Restoring


def test_a_restore_brings_back_every_table_as_it_was_at_backup_time(newsroom, backup_bucket):
    call_command("backup", verbosity=0)
    at_backup = fingerprints()
    try:
        first, second = newsroom["published"][:2]
        Story.objects.filter(pk=first.pk).update(headline="Changed after the backup")
        Byline.objects.filter(story=second).delete()
        Story.objects.filter(pk=second.pk).delete()
        Obituary.objects.all().delete()
        make_story(headline="Written after the backup")
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE backup_added_later (x INTEGER)")
        assert fingerprints() != at_backup
        out = StringIO()
        call_command("restore", "latest", yes=True, stdout=out)
        assert fingerprints() == at_backup
        assert "backup_added_later" not in connection.introspection.table_names()
        assert leftovers() == []
        assert "Run `manage.py build` to make the site match it." in out.getvalue()
    finally:
        drop_tables("backup_added_later")


def test_a_build_after_a_restore_makes_the_site_match_the_restored_database(
    newsroom, backup_bucket, settings
):
    story = newsroom["published"][0]
    site = Path(settings.PUBLISHER_BUILD_DIR) / "site"
    call_command("backup", verbosity=0)
    Byline.objects.filter(story=story).delete()
    Story.objects.filter(pk=story.pk).delete()
    call_command("build", verbosity=0, no_progress=True)
    assert not file_for(site, story.get_absolute_url()).exists()
    call_command("restore", "latest", yes=True, verbosity=0)
    call_command("build", verbosity=0, no_progress=True)
    assert story.headline in file_for(site, story.get_absolute_url()).read_text()


def cut_in_half(s3: Any, key: str) -> None:
    body = read_object(s3, key)
    put_object(s3, key, body[: len(body) // 2])


def flip_one_byte(s3: Any, key: str) -> None:
    body = bytearray(read_object(s3, key))
    body[len(body) // 2] ^= 0x01
    put_object(s3, key, bytes(body))


def lose_the_manifest(s3: Any, key: str) -> None:
    s3.client.delete_object(Bucket=s3.bucket, Key=manifest_key(key))


def cut_the_end_and_vouch_for_it(s3: Any, key: str) -> None:
    """A dump cut short whose manifest matches it anyway: only the completion
    check (the trailer, or the SQLite image's size) can catch it."""
    raw = gzip.decompress(read_object(s3, key))
    mysql = connection.vendor == "mysql"
    raw = raw[: raw.rindex(b"-- Dump completed")] if mysql else raw[:-4096]
    body = gzip.compress(raw)
    put_object(s3, key, body)
    manifest = Manifest.from_json(read_object(s3, manifest_key(key)))
    manifest.sha256, manifest.bytes = hashlib.sha256(body).hexdigest(), len(body)
    put_object(s3, manifest_key(key), manifest.to_json())


@pytest.mark.parametrize(
    "damage,message",
    [
        (cut_in_half, r"is truncated: S3 holds [\d,]+ bytes, its manifest says [\d,]+"),
        (flip_one_byte, r"is corrupt: its SHA-256 is \w+…, its manifest says"),
        (lose_the_manifest, r"has no manifest .*: the backup never finished its checks"),
        (cut_the_end_and_vouch_for_it, r"is incomplete: .*cut short"),
    ],
    ids=["truncated", "flipped-byte", "no-manifest", "no-trailer"],
)
def test_a_damaged_backup_is_refused_and_the_live_database_is_untouched(
    newsroom, backup_bucket, damage, message
):
    call_command("backup", verbosity=0)
    (key,) = backup_keys(backup_bucket)
    damage(backup_bucket, key)
    make_story(headline="Written after the backup")
    before = fingerprints()
    with pytest.raises(CommandError, match=message) as refused:
        call_command("restore", key, yes=True, verbosity=0)
    assert str(refused.value).startswith("restore failed: ")
    assert str(refused.value).endswith("The live database was not touched.")
    assert fingerprints() == before
    assert leftovers() == []


def test_a_backup_replaced_in_s3_after_its_check_is_not_loaded(newsroom, backup_bucket):
    conf = BackupSettings(backup_bucket.bucket)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    first = run_backup(live_db(), conf, now=yesterday).key
    make_story(headline="Written after the backup")
    second = run_backup(live_db(), conf).key
    before = fingerprints()

    def replace_it_then_say_yes(question: str) -> bool:
        put_object(backup_bucket, first, read_object(backup_bucket, second))
        return True

    with pytest.raises(BackupError, match="changed in S3 while it was being restored"):
        run_restore(live_db(), conf, first, confirm=replace_it_then_say_yes)
    assert fingerprints() == before
    assert leftovers() == []


def test_restore_latest_skips_a_backup_that_never_got_its_manifest(newsroom, backup_bucket):
    call_command("backup", verbosity=0)
    (good,) = backup_keys(backup_bucket)
    db = live_db()
    newer = backup_key("backups", db.label, db.engine, datetime.now(UTC) + timedelta(minutes=1))
    put_object(backup_bucket, newer, read_object(backup_bucket, good))
    out = StringIO()
    call_command("restore", "latest", yes=True, stdout=out)
    assert out.getvalue().startswith(f"restore: {good} -> ")


def test_restore_asks_first_and_a_no_changes_nothing(newsroom, backup_bucket, subprocess_env):
    call_command("backup", verbosity=0)
    make_story(headline="Written after the backup")
    before = fingerprints()
    answered = subprocess.run(
        [sys.executable, "manage.py", "restore", "latest"],
        cwd=ROOT,
        env=manage_env(subprocess_env, backup_bucket),
        input="no\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answered.returncode == 1
    assert "Replace the live database" in answered.stdout
    assert "Type 'yes' to replace it:" in answered.stdout
    assert "restore cancelled: nothing was changed" in answered.stderr
    assert fingerprints() == before
    assert leftovers() == []


def test_restore_of_a_key_that_is_not_there_says_so(backup_bucket):
    db = live_db()
    missing = backup_key("backups", db.label, db.engine, datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(CommandError, match="has no manifest"):
        call_command("restore", missing, yes=True, verbosity=0)
    with pytest.raises(CommandError, match="there is no verified backup of"):
        call_command("restore", "latest", yes=True, verbosity=0)
    with pytest.raises(CommandError, match="is not a backup's key"):
        call_command("restore", "yesterday", yes=True, verbosity=0)


# SQLite's own snapshot


def test_the_sqlite_copy_is_one_snapshot_while_a_writer_moves_money_between_tables(
    backup_bucket,
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's online backup API (MariaDB's snapshot: test_backup_mysql)")
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


def test_no_scratch_file_is_left_next_to_the_sqlite_database(newsroom, backup_bucket):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's scratch files")
    call_command("backup", verbosity=0)
    call_command("restore", "latest", yes=True, verbosity=0)
    folder = Path(connection.settings_dict["NAME"]).parent
    assert [p for p in os.listdir(folder) if p.startswith((".backup-", ".restore-"))] == []
