"""A stored backup is checked whole against its manifest, and what is damaged is
refused before any database is touched."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from publisher.backups.config import BackupSettings
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.keys import backup_key, manifest_key
from publisher.backups.manifest import Manifest
from publisher.backups.restore import run_restore
from publisher.backups.store import run_backup
from publisher.backups.verify import verify_backup
from tests.publisher.backups.support import (
    backup_keys,
    clone_backup,
    fingerprints,
    leftovers,
    live_db,
    put_object,
    read_object,
)
from tests.support import make_story

pytestmark = pytest.mark.django_db(transaction=True)


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


def padded_to(body: bytes, size: int) -> bytes:
    """The same gzip member grown to ``size`` bytes by a file name in its header
    (FNAME): still one sound gzip stream of the very same data, other bytes."""
    room = size - len(body)
    assert room >= 0 and body[3] == 0  # no header flags: a 10-byte header
    if room == 0:
        return body[:4] + b"\x01\x00\x00\x00" + body[8:]  # another mtime
    return body[:3] + b"\x08" + body[4:10] + b"n" * (room - 1) + b"\x00" + body[10:]


def test_a_different_sound_gzip_of_the_same_size_is_refused_for_its_checksum(
    newsroom, backup_bucket
):
    conf = BackupSettings(backup_bucket.bucket)
    first = run_backup(live_db(), conf, now=datetime.now(UTC) - timedelta(days=1)).key
    make_story(headline="Written between the two backups", body="Council minutes. " * 200)
    second = run_backup(live_db(), conf).key
    bodies = {key: read_object(backup_bucket, key) for key in (first, second)}
    # The larger one is replaced by the other backup, padded to its exact size:
    # the size matches, the gzip is sound, the dump complete; only the SHA-256
    # in the manifest tells them apart.
    target, donor = sorted((first, second), key=lambda key: len(bodies[key]), reverse=True)
    swapped = padded_to(bodies[donor], len(bodies[target]))
    assert len(swapped) == len(bodies[target]) and swapped != bodies[target]
    assert gzip.decompress(swapped) == gzip.decompress(bodies[donor])
    put_object(backup_bucket, target, swapped)
    make_story(headline="Written after both backups")
    before = fingerprints()
    with pytest.raises(CommandError, match=r"is corrupt: its SHA-256 is \w+…") as refused:
        call_command("restore", target, yes=True, verbosity=0)
    assert "gzip" not in str(refused.value)
    assert str(refused.value).endswith("The live database was not touched.")
    assert fingerprints() == before
    assert leftovers() == []


def store_mysql_dump(s3: Any, raw: bytes, when: datetime) -> str:
    """``raw`` stored as a MariaDB backup with a manifest that vouches for it."""
    key = backup_key("backups", "newsroom", "mysql", when)
    body = gzip.compress(raw)
    manifest = Manifest(
        key=key,
        engine="mysql",
        database="newsroom",
        server_version="10.11",
        database_bytes=len(raw),
        sha256=hashlib.sha256(body).hexdigest(),
        bytes=len(body),
        raw_bytes=len(raw),
        tables=["content_story"],
        created_at=when.isoformat(),
        tool="mariadb-dump",
        seconds=0.1,
    )
    put_object(s3, key, body)
    put_object(s3, manifest_key(key), manifest.to_json())
    return key


def test_a_mysql_dump_cut_before_its_completion_line_is_refused_even_on_the_sqlite_pass(s3):
    """A mysqldump-like stream, so no MariaDB is needed: the gzip is sound and
    the manifest vouches for it, but the dump stops before `-- Dump completed`."""
    dump = (
        b"-- MariaDB dump 10.19\n--\n\n"
        b"CREATE TABLE `content_story` (\n  `id` bigint(20) NOT NULL\n);\n"
        b"INSERT INTO `content_story` VALUES (1),(2);\n"
        b"-- Dump completed on 2026-11-28  2:30:01\n"
    )
    conf = BackupSettings(s3.bucket)
    whole = store_mysql_dump(s3, dump, datetime(2026, 11, 27, 2, 30, tzinfo=UTC))
    assert verify_backup(conf, whole).tables == ["content_story"]
    cut = store_mysql_dump(
        s3, dump[: dump.index(b"-- Dump completed")], datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    )
    with pytest.raises(BackupRefused, match="is incomplete: the dump does not end with its comp"):
        verify_backup(conf, cut)
