"""The desk's tests: submitted photos and rate-limit counts in the test's own folders."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _desk_dirs(settings, tmp_path):
    settings.PUBLISHER_SUBMISSIONS_ROOT = tmp_path / "submissions"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.PUBLISHER_NEWSROOM_EMAIL = "desk@ledger.example"
