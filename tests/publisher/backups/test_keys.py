"""Backup keys: where a backup lives, and when its key says it was taken."""

from __future__ import annotations

from datetime import UTC, datetime

from publisher.backups.keys import backup_key, key_time, manifest_key


def test_a_backup_key_says_database_year_month_and_time_and_reads_back():
    when = datetime(2026, 11, 28, 9, 15, 0, 123456, tzinfo=UTC)
    key = backup_key("backups", "newsroom", "mysql", when)
    assert key == "backups/newsroom/2026/11/20261128T091500123456Z.sql.gz"
    assert key_time(key) == when
    assert manifest_key(key) == key + ".manifest.json"
    assert key_time(manifest_key(key)) is None
    assert key_time("backups/newsroom/notes.txt") is None
