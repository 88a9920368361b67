"""Fixtures of the backup tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def backup_bucket(settings, s3):
    """The S3 test bucket, configured as the backup bucket."""
    settings.BACKUP_S3_BUCKET = s3.bucket
    settings.BACKUP_S3_PREFIX = "backups"
    return s3
