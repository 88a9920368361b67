"""Fixtures of the backup tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def backup_bucket(settings, s3):
    """The S3 test bucket, configured as the backup bucket."""
    settings.BACKUP_S3_BUCKET = s3.bucket
    settings.BACKUP_S3_PREFIX = "backups"
    return s3


@pytest.fixture(scope="session")
def binlog_server(tmp_path_factory):
    """A MariaDB server with binary logging on, of this test session's own."""
    from tests.publisher.backups import binlog_server as server

    if not server.available():
        pytest.skip("mariadbd and mariadb-install-db are not installed (scripts/setup dev)")
    running = server.start(tmp_path_factory.mktemp("mariadb-binlog"))
    yield running
    server.stop(running)
