"""Invariant 1: reads never touch the database. With the database unreachable,
`manage.py serve` still serves every file of the site, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from publisher.headers import is_served
from publisher.redirects_file import load_redirects
from tests.support import LIGHTTPD, ROOT, fetch, free_port, wait_for


def site_urls(root: Path) -> dict[str, Path]:
    """Every file readers can ask for -- pages, feeds, static, media -- by URL."""
    urls = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and is_served(relative):  # not the search index's dot-file notes
            urls["/" + relative.removesuffix("index.html")] = path
    return urls


@pytest.mark.parametrize(
    "server",
    [
        pytest.param(
            "lighttpd",
            marks=pytest.mark.skipif(not Path(LIGHTTPD).exists(), reason="no lighttpd"),
        ),
        "python",
    ],
)
def test_with_the_database_unreachable_every_page_is_still_served(
    server, newsroom, settings, subprocess_env, tmp_path, django_db_blocker
):
    call_command("build", verbosity=0)
    root = (Path(settings.PUBLISHER_BUILD_DIR) / "site").resolve()
    urls = site_urls(root)
    assert "/media/photos/lead.jpg" in urls  # the newsroom's photos are served too
    redirects = load_redirects(Path(settings.PUBLISHER_BUILD_DIR))
    assert len([u for u in urls if u.startswith(("/news/", "/obituaries/", "/crime/"))]) > 20
    # Nothing listens there: every connection to this "database" is refused.
    env = {
        **subprocess_env,
        "DATABASE_URL": f"mysql://root@127.0.0.1:{free_port()}/newsroom",
        "PUBLISHER_VAR_DIR": str(tmp_path / "var"),
    }
    dead = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dead.returncode != 0 and "connect" in dead.stderr.lower()
    connections.close_all()

    port = free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port)]
    if server == "python":
        command.append("--python")
    with django_db_blocker.block():  # and this process may not query either
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_for(port)
            base = f"http://127.0.0.1:{port}"
            for url, path in urls.items():
                status, headers, body = fetch(base + url)
                if url in redirects:  # a moved page's old address
                    assert (status, headers["Location"]) == (301, redirects[url]), url
                else:
                    assert (status, body) == (200, path.read_bytes()), url
            status, _, body = fetch(base + "/missing/")
            assert (status, body) == (404, (root / "404.html").read_bytes())
            status, headers, _ = fetch(base + "/news")
            assert status == 301 and headers["Location"].endswith("/news/")
        finally:
            process.terminate()
            process.wait(timeout=10)
