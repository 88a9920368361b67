"""Shared fixtures: the build directory and static files live in a temp dir."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_build_dir(settings, tmp_path):
    """Each test renders into its own build directory, never the real build/."""
    settings.PUBLISHER_BUILD_DIR = tmp_path / "build"
    settings.MEDIA_ROOT = tmp_path / "media"
