"""manage.py serve: lighttpd (or http.server) serves the built site on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from publisher.serve import lighttpd_config, python_server

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def fetch(url: str) -> tuple[int, Any, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port}")


@pytest.mark.skipif(
    not shutil.which("lighttpd") and not Path("/usr/sbin/lighttpd").exists(),
    reason="lighttpd not installed",
)
def test_lighttpd_serves_pages_redirects_and_the_sites_404(newsroom, settings, tmp_path):
    call_command("build", verbosity=0)
    port = free_port()
    config = tmp_path / "lighttpd.conf"
    config.write_text(
        lighttpd_config(Path(settings.PUBLISHER_BUILD_DIR) / "site", "127.0.0.1", port, tmp_path)
    )
    server = subprocess.Popen(
        [shutil.which("lighttpd") or "/usr/sbin/lighttpd", "-D", "-f", str(config)]
    )
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        status, headers, body = fetch(base + "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"Council story 0" in body
        story = newsroom["published"][0].get_absolute_url()
        assert fetch(base + story)[0] == 200
        status, headers, _ = fetch(base + "/feeds/news.xml")
        assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        status, headers, body = fetch(base + "/no/such/page/")
        assert status == 404 and b"Page not found" in body
        status, headers, _ = fetch(base + "/news")
        assert status == 301 and headers["Location"].endswith("/news/")
        css = next((Path(settings.PUBLISHER_BUILD_DIR) / "site/static/content").glob("site.*.css"))
        status, headers, _ = fetch(f"{base}/static/content/{css.name}")
        assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_python_fallback_answers_missing_pages_with_the_sites_404(newsroom, settings):
    call_command("build", verbosity=0)
    server = python_server(Path(settings.PUBLISHER_BUILD_DIR) / "site", "127.0.0.1", 0)
    port = server.server_address[1]
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, headers, body = fetch(f"http://127.0.0.1:{port}/no/such/page/")
        assert status == 404 and b"Page not found" in body
        status, headers, body = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_to_start_before_the_first_build(settings, subprocess_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run `manage.py build` first" in result.stderr
