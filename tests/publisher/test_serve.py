"""manage.py serve: lighttpd (or http.server) serves the built site on loopback."""

from __future__ import annotations

import gzip
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from publisher.headers import PAGE_CACHE, file_headers
from publisher.lighttpd import AdminProxy
from publisher.pages import sitemap
from publisher.pages.registry import registry
from publisher.pyserver import python_server
from publisher.redirects_file import RedirectsError, load_redirects
from tests.support import (
    LIGHTTPD,
    ROOT,
    fetch,
    file_for,
    free_port,
    lighttpd,
    make_birth,
    make_wedding,
    needs_lighttpd,
    one_page_of_each_type,
    page_files,
    wait_for,
)


def expected_type(url: str) -> str:
    if url.startswith("/feeds/"):
        return "application/rss+xml; charset=utf-8"
    if url.endswith(".xml"):
        return "application/xml; charset=utf-8"
    if url.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"


@pytest.fixture
def built(newsroom, settings) -> Path:
    """The newsroom (with its photos) built; returns the build directory."""
    call_command("build", verbosity=0)
    return Path(settings.PUBLISHER_BUILD_DIR)


@needs_lighttpd
def test_lighttpd_serves_pages_redirects_and_the_sites_404(newsroom, built, tmp_path):
    with lighttpd(built, tmp_path / "var") as (base, _):
        status, headers, body = fetch(base + "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"Council story 0" in body
        story = newsroom["published"][0].get_absolute_url()
        assert fetch(base + story)[0] == 200
        status, headers, _ = fetch(base + "/feeds/news.xml")
        assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        status, headers, body = fetch(base + "/no/such/page/")
        assert status == 404 and b"Page not found" in body
        assert body == (built / "site/404.html").read_bytes()
        status, headers, _ = fetch(base + "/news")
        assert status == 301 and headers["Location"].endswith("/news/")
        css = next((built / "site/static/content").glob("site.*.css"))
        status, headers, _ = fetch(f"{base}/static/content/{css.name}")
        assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"


@needs_lighttpd
def test_lighttpd_serves_every_page_type_with_its_type_and_a_short_cache(built, tmp_path):
    pages = page_files((built / "site").resolve())
    with lighttpd(built, tmp_path / "var") as (base, _):
        for url, path in pages.items():
            status, headers, body = fetch(base + url)
            assert status == 200, url
            assert headers["Content-Type"] == expected_type(url), url
            assert headers["Cache-Control"] == PAGE_CACHE, url
            assert body == path.read_bytes(), url
    names = {url.split("/")[1] for url in pages}
    assert {"news", "obituaries", "crime", "authors", "archive", "feeds"} <= names


@needs_lighttpd
def test_the_dev_server_sends_what_lighttpd_sends_with_the_built_file_of_every_page_type(
    newsroom, settings, tmp_path, client, monkeypatch
):
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 6)  # an index and its parts
    make_birth(), make_wedding()  # the newsroom has none
    call_command("build", verbosity=0)
    pages = registry()
    urls = one_page_of_each_type(pages)
    assert set(urls) == {page.name for page in pages.pages if page.routes()}
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var") as (base, _):
        for url in urls.values():
            policy = file_headers(url)
            status, served, _ = fetch(base + url)
            assert status == 200, url
            assert {name: served.get_all(name) for name in policy} == {
                name: [value] for name, value in policy.items()
            }, url
            response = client.get(url)
            assert {name: response.headers.get(name) for name in policy} == policy, url
        # A missing page: both answer with the 404 page and its headers.
        policy = file_headers(urls["not_found"])
        status, served, _ = fetch(base + "/no/such/page/")
        response = client.get("/no/such/page/")
        assert status == response.status_code == 404
        assert {name: served[name] for name in policy} == policy
        assert {name: response.headers.get(name) for name in policy} == policy


@needs_lighttpd
def test_lighttpd_caches_fingerprinted_static_for_good_and_compresses_text(built, tmp_path):
    site = built / "site"
    hashed = next((site / "static/content").glob("site.*.css")).name
    gzipped = {"Accept-Encoding": "gzip"}
    with lighttpd(built, tmp_path / "var") as (base, _):
        status, headers, body = fetch(f"{base}/static/content/{hashed}", gzipped)
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept-Encoding"
        assert gzip.decompress(body) == (site / "static/content" / hashed).read_bytes()

        _, headers, _ = fetch(f"{base}/static/content/site.css")
        assert headers["Cache-Control"] == "public, max-age=3600"

        for url in ["/", "/news/", "/feeds/news.xml", "/sitemap.xml"]:
            status, headers, body = fetch(base + url, gzipped)
            assert headers["Content-Encoding"] == "gzip", url
            assert gzip.decompress(body) == file_for(site, url).read_bytes(), url

        status, headers, body = fetch(f"{base}/media/photos/lead.jpg", gzipped)
        assert status == 200 and headers["Content-Type"] == "image/jpeg"
        assert headers["Cache-Control"] == "public, max-age=86400"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Encoding" not in headers  # photos are compressed already
        status, _, _ = fetch(f"{base}/media/photos/draft-photo.jpg")
        assert status == 404  # a draft's photo is in MEDIA_ROOT, not on the site

        status, headers, _ = fetch(f"{base}/static/.hidden")
        assert status in (403, 404)


@needs_lighttpd
def test_lighttpd_redirects_the_urls_in_redirects_json(built, tmp_path, settings):
    story = "/news/" + "/".join(
        next((built / "site/news").glob("2*/*/*/*/index.html")).parent.parts[-4:]
    )
    # Publishing leaves a small page at a moved story's old address.
    left = built / "site/news/2020/01/03/moved-story/index.html"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"<p>This story moved.</p>")
    (built / "redirects.json").write_text(
        json.dumps(
            {
                "/news/2020/01/01/old-slug/": "/news/2020/01/02/older-slug/",
                "/news/2020/01/02/older-slug/": story + "/",  # a chain, followed
                "/news/2020/01/03/moved-story/": story + "/",
            }
        )
    )
    with lighttpd(built, tmp_path / "var") as (base, _):
        status, headers, _ = fetch(base + "/news/2020/01/01/old-slug/?from=feed")
        assert status == 301 and headers["Location"] == story + "/?from=feed"
        status, headers, _ = fetch(base + "/news/2020/01/01/old-slug")
        assert status == 301 and headers["Location"] == story + "/"
        status, headers, _ = fetch(base + "/news/2020/01/03/moved-story/")
        assert status == 301 and headers["Location"] == story + "/"
        assert fetch(base + story + "/")[0] == 200
        assert fetch(base + "/news/2020/01/01/old-slug-2/")[0] == 404


@needs_lighttpd
def test_serve_reload_picks_up_new_redirects_without_stopping(built, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    with lighttpd(built, settings.VAR_DIR) as (base, server):
        assert fetch(base + "/news/2020/01/01/moved/")[0] == 404
        (built / "redirects.json").write_text(json.dumps({"/news/2020/01/01/moved/": "/news/"}))
        out = StringIO()

        call_command("serve", "--reload", stdout=out)

        assert "lighttpd restarted gracefully" in out.getvalue()
        for _ in range(100):
            status = fetch(base + "/news/2020/01/01/moved/")[0]
            if status == 301:
                break
            time.sleep(0.05)
        assert status == 301
        assert server.poll() is None


def test_redirects_json_with_an_unsafe_path_is_refused(tmp_path):
    (tmp_path / "redirects.json").write_text(json.dumps({'/a" => "/b': "/c/"}))
    with pytest.raises(RedirectsError, match="is not a site path"):
        load_redirects(tmp_path)
    (tmp_path / "redirects.json").write_text(json.dumps({"/a/": "/b/", "/b/": "/a/"}))
    with pytest.raises(RedirectsError, match="loop"):
        load_redirects(tmp_path)


@needs_lighttpd
@pytest.mark.skipif(not importlib.util.find_spec("gunicorn"), reason="gunicorn not installed")
def test_lighttpd_proxies_the_admin_to_django_under_gunicorn(
    built, tmp_path, settings, subprocess_env
):
    with (
        gunicorn(built, settings, subprocess_env) as port,
        lighttpd(built, tmp_path / "var", AdminProxy("127.0.0.1", port)) as (base, _),
    ):
        status, headers, body = fetch(base + "/admin/login/", {"Accept-Encoding": "gzip"})
        assert status == 200 and b'name="username"' in body
        assert "private" in headers["Cache-Control"]  # Django's own, not the site's
        assert "Content-Encoding" not in headers
        # Django's own security headers, not doubled by the site's.
        assert headers.get_all("Referrer-Policy") == ["same-origin"]
        assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert fetch(base + "/")[0] == 200


@contextmanager
def gunicorn(built: Path, settings: Any, env: dict[str, str]) -> Iterator[int]:
    """Django (the admin) under gunicorn on a free loopback port."""
    # Where a build collected the static files the admin's pages name (the
    # tests collect them once per session, elsewhere).
    (built / "static-collected").symlink_to(settings.STATIC_ROOT)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--no-control-socket", "publisher.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


@needs_lighttpd
def test_the_committed_production_config_is_what_serve_write_config_writes(
    tmp_path, subprocess_env
):
    (tmp_path / "scripts").mkdir()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "serve",
            "--skip-checks",
            "--write-config",
            "scripts/lighttpd.conf",
            "--host",
            "0.0.0.0",  # noqa: S104 (the production config's address)
            "--port",
            "80",
            "--user",
            "www-data",
            "--group",
            "www-data",
            "--admin-proxy",
            "127.0.0.1:8000",
        ],
        cwd=tmp_path,
        env={
            **subprocess_env,
            "PUBLISHER_BUILD_DIR": "/srv/newsroom/build",
            "PUBLISHER_VAR_DIR": "/srv/newsroom/var",
            "DJANGO_SECRET_KEY": "only-for-this-test",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    generated = (tmp_path / "scripts/lighttpd.conf").read_text()
    assert generated == (ROOT / "scripts/lighttpd.conf").read_text()
    assert 'server.username = "www-data"' in generated
    parsed = subprocess.run(
        [LIGHTTPD, "-p", "-f", str(tmp_path / "scripts/lighttpd.conf")],
        capture_output=True,
        text=True,
    )
    assert parsed.returncode == 0, parsed.stderr


def test_the_python_fallback_answers_missing_pages_with_the_sites_404(built, settings):
    redirects = {"/news/old/": "/news/"}
    server = python_server(built / "site", "127.0.0.1", 0, redirects)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, headers, body = fetch(f"http://127.0.0.1:{port}/no/such/page/")
        assert status == 404 and b"Page not found" in body
        status, headers, body = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == PAGE_CACHE
        status, headers, _ = fetch(f"http://127.0.0.1:{port}/feeds/news.xml")
        assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        status, headers, _ = fetch(f"http://127.0.0.1:{port}/news/old/")
        assert status == 301 and headers["Location"] == "/news/"
        status, headers, _ = fetch(f"http://127.0.0.1:{port}/media/photos/lead.jpg")
        assert status == 200 and headers["Content-Type"] == "image/jpeg"
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, _, _ = fetch(f"http://127.0.0.1:{port}/media/photos/draft-photo.jpg")
        assert status == 404
    finally:
        server.shutdown()
        server.server_close()


def test_serve_refuses_to_start_before_the_first_build(settings, subprocess_env, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env={**subprocess_env, "PUBLISHER_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run `manage.py build` first" in result.stderr


def test_serve_print_config_shows_the_generated_lighttpd_config(settings):
    out = StringIO()
    call_command("serve", "--print-config", "--port", "9090", stdout=out)
    assert "server.port = 9090" in out.getvalue()
    assert f'server.document-root = "{settings.PUBLISHER_BUILD_DIR}/site"' in out.getvalue()
    assert os.path.basename(str(settings.VAR_DIR)) in out.getvalue()


# -- Hardening: headers, request bodies, the TLS terminator, the fallback's refusals ----


@contextmanager
def echo_backend() -> Iterator[tuple[AdminProxy, list[dict[str, Any]]]]:
    """A stand-in for gunicorn: records each request's headers and body size."""
    seen: list[dict[str, Any]] = []

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.reply(0)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self.reply(len(self.rfile.read(length)))

        def reply(self, length: int) -> None:
            seen.append({"length": length, **{k.lower(): v for k, v in self.headers.items()}})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield AdminProxy("127.0.0.1", server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, size: int) -> int:
    """POST ``size`` bytes; the status, or 413 when the server hung up on
    the body after answering that."""
    request = urllib.request.Request(url, data=b"x" * size, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (ConnectionError, urllib.error.URLError):
        return 413


@needs_lighttpd
def test_lighttpd_sends_nosniff_and_a_referrer_policy_with_every_file(built, tmp_path):
    css = next((built / "site/static/content").glob("site.*.css")).name
    urls = ["/", "/news/", "/feeds/news.xml", "/sitemap.xml", f"/static/content/{css}"]
    urls += ["/media/photos/lead.jpg", "/no/such/page/"]
    with lighttpd(built, tmp_path / "var") as (base, _):
        for url in urls:
            _, headers, _ = fetch(base + url)
            assert headers.get_all("X-Content-Type-Options") == ["nosniff"], url
            assert headers.get_all("Referrer-Policy") == ["strict-origin-when-cross-origin"], url
            assert headers["Cache-Control"], url  # the kind's own rule still applies


@needs_lighttpd
def test_lighttpd_takes_an_upload_sized_body_for_the_admin_and_none_for_the_site(built, tmp_path):
    with echo_backend() as (admin, seen), lighttpd(built, tmp_path / "var", admin) as (base, _):
        # A 15 MB photo with its form reaches Django...
        assert post(base + "/admin/content/story/add/", 15 * 1024 * 1024 + 50_000) == 200
        assert seen[-1]["length"] == 15 * 1024 * 1024 + 50_000
        # ... a body past 20 MB never does.
        assert post(base + "/admin/content/story/add/", 21 * 1024 * 1024) == 413
        assert len(seen) == 1
        # Readers send no bodies: the site refuses one.
        assert post(base + "/", 1024 * 1024) == 413


@needs_lighttpd
def test_lighttpd_believes_x_forwarded_proto_only_from_the_trusted_proxy(built, tmp_path):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    with echo_backend() as (admin, seen):
        # No trusted proxy: whoever sends it, lighttpd says what it saw itself.
        with lighttpd(built, tmp_path / "var", admin) as (base, _):
            fetch(base + "/admin/", forwarded)
            assert seen[-1]["x-forwarded-proto"] == "http"
        # The TLS terminator is on loopback, like this test: believed.
        admin.trusted = ("127.0.0.1",)
        with lighttpd(built, tmp_path / "var", admin) as (base, _):
            fetch(base + "/admin/", forwarded)
            assert seen[-1]["x-forwarded-proto"] == "https"
        # Trusted is another address: a client on loopback cannot claim https.
        admin.trusted = ("192.0.2.10", "10.0.0.0/8")
        with lighttpd(built, tmp_path / "var", admin) as (base, _):
            fetch(base + "/admin/", forwarded)
            assert seen[-1]["x-forwarded-proto"] == "http"


def csrf_login(base: str, origin: str, headers: dict[str, str]) -> int:
    """An editor's login through lighttpd: the form's CSRF token, then the POST
    a browser on ``origin`` sends. The status of the POST."""
    status, response_headers, body = fetch(base + "/admin/login/", headers)
    assert status == 200
    cookie = response_headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong", "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        base + "/admin/login/",
        data=data,
        headers={**headers, "Cookie": cookie, "Origin": origin},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@needs_lighttpd
@pytest.mark.skipif(not importlib.util.find_spec("gunicorn"), reason="gunicorn not installed")
def test_behind_a_trusted_tls_terminator_the_admin_sees_https(
    built, tmp_path, settings, subprocess_env
):
    # What a TLS terminator on this machine sends on for a browser on https://.
    terminator = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    with gunicorn(built, settings, {**subprocess_env, "DJANGO_HTTPS_PROXY": "true"}) as port:
        admin = AdminProxy("127.0.0.1", port, trusted=("127.0.0.1",))
        with lighttpd(built, tmp_path / "var", admin) as (base, _):
            https_origin = base.replace("http://", "https://")
            # Django takes the request for https: the browser's https Origin
            # passes the CSRF check (the login itself fails: no such user).
            assert csrf_login(base, https_origin, terminator) == 200
        admin.trusted = ()
        with lighttpd(built, tmp_path / "var", admin) as (base, _):
            # Without the setting, Django is told http, and refuses the login.
            assert csrf_login(base, base.replace("http://", "https://"), terminator) == 403


def test_the_python_fallback_lists_no_directory_and_serves_no_hidden_or_partial_file(built):
    site = (built / "site").resolve()
    (site / "news/.index.html.4242.140000.tmp").write_text("half-written")
    (site / ".secret").write_text("dot file")
    (site / "news/notes.html~").write_text("editor backup")
    (site / "empty-dir").mkdir()
    server = python_server(built / "site", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for url in [
            "/news/.index.html.4242.140000.tmp",
            "/news/%2Eindex.html.4242.140000.tmp",
            "/news/../.secret",
            "/.secret",
            "/%2Esecret",
            "/news/notes.html~",
            "/empty-dir/",
            "/static/",
        ]:
            status, headers, body = fetch(base + url)
            assert status == 404, url
            assert b"Page not found" in body and b"Directory listing" not in body, url
            assert headers["X-Content-Type-Options"] == "nosniff", url
        status, headers, _ = fetch(base + "/news/")
        assert status == 200
        assert fetch(base + "/static/../news/")[0] == 200  # read as /news/, as lighttpd does
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    finally:
        server.shutdown()
        server.server_close()
