"""Restoring on the test database (SQLite or MariaDB) from an S3 server: every
table as it was, the site rebuilt from it, a question first."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from content.models import Byline, Obituary, Story
from publisher.backups.keys import backup_key
from tests.publisher.backups.support import (
    ROOT,
    backup_keys,
    drop_tables,
    fingerprints,
    leftovers,
    live_db,
    manage_env,
    put_object,
    read_object,
)
from tests.support import file_for, make_story

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_no_scratch_file_is_left_next_to_the_sqlite_database(newsroom, backup_bucket):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's scratch files")
    call_command("backup", verbosity=0)
    call_command("restore", "latest", yes=True, verbosity=0)
    folder = Path(connection.settings_dict["NAME"]).parent
    assert [p for p in os.listdir(folder) if p.startswith((".backup-", ".restore-"))] == []
