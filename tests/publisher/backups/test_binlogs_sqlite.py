"""On SQLite there are no binary logs: the commands say so, and point at the
nightly backups SQLite keeps."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's side (MariaDB: test_binlogs, test_binlog_commands)")


def test_shipping_binlogs_on_sqlite_says_it_keeps_nightly_backups(backup_bucket):
    with pytest.raises(CommandError, match="SQLite has none and keeps nightly backups only"):
        call_command("backup", binlogs=True, verbosity=0)
    assert backup_bucket.client.list_objects_v2(Bucket=backup_bucket.bucket)["KeyCount"] == 0


def test_a_restore_to_a_moment_on_sqlite_says_it_keeps_nightly_backups(backup_bucket):
    with pytest.raises(CommandError, match="SQLite keeps nightly backups only"):
        call_command("restore", to="2026-12-07 16:58", yes=True, verbosity=0)
