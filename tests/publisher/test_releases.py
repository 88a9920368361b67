"""Going live is one rename: a build that fails to switch leaves the old site live.

A failure to make the new ``site`` link (a full disk, a read-only
filesystem) cannot be provoked for real in a test, so it is the one fault
made by replacing ``os.symlink`` or ``os.replace`` (only for the link in the
build directory; every other link and rename of the build is left alone).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from publisher.build import build_site
from tests.support import fetch, lighttpd, live_root, needs_lighttpd, snapshot


def fail_for_the_live_link(monkeypatch, name: str, build_dir: Path) -> None:
    """Make ``os.<name>`` fail with ENOSPC when it makes or moves a link in
    ``build_dir`` itself (where ``site`` lives)."""
    real = getattr(os, name)

    def failing(src, dst, *args, **kwargs):
        if Path(dst).parent == build_dir:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.fixture
def built(newsroom, settings) -> Path:
    build_site(jobs=1)
    return Path(settings.PUBLISHER_BUILD_DIR)


@pytest.mark.parametrize("failing_call", ["symlink", "replace"])
def test_when_the_new_link_cannot_be_made_the_old_release_stays_live(
    built, newsroom, settings, monkeypatch, failing_call
):
    old_release = live_root(settings)
    old_pages = snapshot(old_release)
    story = newsroom["published"][0]
    type(story).objects.filter(pk=story.pk).update(headline="Only in the new release")

    fail_for_the_live_link(monkeypatch, failing_call, built)
    with pytest.raises(OSError, match="No space left on device"):
        build_site(jobs=1)

    assert (built / "site").is_symlink()
    assert live_root(settings) == old_release
    assert snapshot(built / "site") == old_pages
    monkeypatch.undo()
    # The next build, with room on the disk, goes live as usual.
    build_site(jobs=1)
    assert live_root(settings) != old_release
    assert "Only in the new release" in (built / "site/index.html").read_text()


@needs_lighttpd
def test_lighttpd_serves_the_old_site_whole_after_a_failed_switch(
    built, newsroom, settings, monkeypatch, tmp_path
):
    story = newsroom["published"][0]
    old_home = (built / "site/index.html").read_bytes()
    type(story).objects.filter(pk=story.pk).update(headline="Only in the new release")
    fail_for_the_live_link(monkeypatch, "symlink", built)
    with pytest.raises(OSError):
        build_site(jobs=1)
    monkeypatch.undo()
    with lighttpd(built, tmp_path / "var") as (base, _):
        status, _, body = fetch(base + "/")
        assert status == 200 and body == old_home
        status, _, body = fetch(base + story.get_absolute_url())
        assert status == 200 and story.headline.encode() in body
