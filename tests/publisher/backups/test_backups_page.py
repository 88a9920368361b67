"""The admin's backups page: the last restore drill's result, for superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from publisher.backups.drill import RESULT_FILE, DrillResult, TableCheck, write_result

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_failed_drill_loudly(admin_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.BACKUP_S3_BUCKET = "ledger-backups"
    write_result(
        tmp_path / RESULT_FILE,
        DrillResult(
            database="newsroom",
            started_at="2026-12-06T09:00:00+00:00",
            problem="the binlog binlog.000042 is not in S3",
            rpo_seconds=3600.0,
            tables=[TableCheck("content_story", 10_000, 9_999, 123, 456)],
        ),
    )

    page = admin_client.get("/admin/backups/").content.decode()

    assert "Last restore drill: FAILED" in page
    assert "the binlog binlog.000042 is not in S3" in page
    assert "3600 s" in page
    assert "DIFFERENT" in page


def test_the_admin_says_when_no_drill_ran_and_what_sqlite_keeps(admin_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.BACKUP_S3_BUCKET = "ledger-backups"
    page = admin_client.get("/admin/backups/").content.decode()
    assert "No restore drill has run yet" in page
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert "it keeps nightly backups only" in page


def test_only_superusers_see_the_backups_page(client):
    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/backups/").status_code == 403
