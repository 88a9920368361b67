"""django-distill renders the same site; a killed build leaves the live site serving."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from publisher.releases import live_release
from tests.support import page_files

pytestmark = pytest.mark.django_db(transaction=True)


def test_distill_generate_renders_the_very_same_site(newsroom, settings, tmp_path):
    call_command("build", verbosity=0)
    ours = page_files(Path(settings.PUBLISHER_BUILD_DIR) / "site")
    out = tmp_path / "distill"
    call_command(
        "distill",
        "generate",
        output_directory=str(out),
        force=True,
        quiet=True,
        exclude_staticfiles=True,
    )
    theirs = page_files(out)
    assert sorted(theirs) == sorted(ours)
    for url, path in ours.items():
        assert theirs[url].read_bytes() == path.read_bytes(), url


def no_process_with(token: str, wait: float = 1.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        alive = False
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                alive |= token.encode() in cmdline.read_bytes()
            except OSError:
                continue
        if not alive:
            return True
        time.sleep(0.1)
    return False


KILLER = textwrap.dedent(
    """
    import os, signal, django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    django.setup()
    import time
    from publisher.pages import base as pages
    original = pages.Page.render
    from publisher.build import default_jobs
    build_process = os.getpid()
    jobs = default_jobs()
    rendered = 0
    def render(self, *args):
        global rendered
        time.sleep(0.1)  # slow enough that a surviving worker would be seen
        rendered += 1
        # Killed from a worker (if there is one), so a worker is mid-way too.
        if rendered == 5 and (os.getpid() != build_process or jobs == 1):
            os.kill(build_process, signal.SIGKILL)
        return original(self, *args)
    pages.Page.render = render
    from django.core.management import call_command
    call_command("build", verbosity=0)
    """
)


def test_a_killed_build_leaves_the_live_site_as_it_was(newsroom, settings, subprocess_env):
    root = Path(__file__).resolve().parents[2]
    first = subprocess.run(
        [sys.executable, "manage.py", "build"],
        cwd=root,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    before = live_release(settings.PUBLISHER_BUILD_DIR)
    snapshot = {p: p.read_bytes() for p in before.rglob("*.html")}

    token = f"killed-build-{uuid.uuid4()}"
    # No pipes: an orphaned worker holding them would keep run() waiting.
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, token],
        cwd=root,
        env=subprocess_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    assert killed.returncode == -9
    assert no_process_with(token), "a render worker outlived the killed build"
    assert live_release(settings.PUBLISHER_BUILD_DIR) == before
    assert {p: p.read_bytes() for p in before.rglob("*.html")} == snapshot
    partials = list((Path(settings.PUBLISHER_BUILD_DIR) / "releases").glob(".*.partial"))
    assert len(partials) == 1, "the killed build's partial release is left, unserved"

    again = subprocess.run(
        [sys.executable, "manage.py", "build"],
        cwd=root,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert not list((Path(settings.PUBLISHER_BUILD_DIR) / "releases").glob(".*.partial"))
    assert django_settings.PUBLISHER_BUILD_DIR == settings.PUBLISHER_BUILD_DIR
