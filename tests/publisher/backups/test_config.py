"""What to back up and where: the settings and the database's connection facts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from publisher.backups.config import Database
from publisher.backups.errors import BackupError


def test_a_backup_without_a_bucket_fails_with_a_message_saying_what_to_set(settings):
    settings.BACKUP_S3_BUCKET = ""
    with pytest.raises(CommandError, match="BACKUP_S3_BUCKET is not set: set it to"):
        call_command("backup", verbosity=0)


def test_an_in_memory_sqlite_database_cannot_be_backed_up():
    with pytest.raises(BackupError, match="in-memory"):
        Database.from_settings_dict({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
