"""Shared fixtures: every test gets its own build directory and media root."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected (and fingerprinted) once for the whole session."""
    root = tmp_path_factory.mktemp("static-collected")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def _isolated_dirs(settings, tmp_path, collected_static):
    """Each test renders into its own build directory, never the real build/."""
    settings.PUBLISHER_BUILD_DIR = tmp_path / "build"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = collected_static
