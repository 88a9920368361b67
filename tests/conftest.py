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


@pytest.fixture
def subprocess_env(settings):
    """Environment for running manage.py in a subprocess against the test database."""
    import os

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        url = f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        PUBLISHER_BUILD_DIR=str(settings.PUBLISHER_BUILD_DIR),
        PUBLISHER_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PUBLISHER_PAGE_SIZE=str(settings.PUBLISHER_PAGE_SIZE),
        PUBLISHER_SITE_URL=settings.PUBLISHER_SITE_URL,
    )
    return env
