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
from publisher.backups.errors import BackupError
from publisher.backups.keys import manifest_key
from publisher.backups.manifest import Manifest
from publisher.backups.restore import run_restore
from publisher.backups.store import run_backup
from tests.factories import make_story
from tests.publisher.backups.support import (
    backup_keys,
    clone_backup,
    fingerprints,
    leftovers,
    live_db,
    put_object,
    read_object,
)

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
