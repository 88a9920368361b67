"""/submit/ behind real lighttpd: forwarded to Django, and a clear page when Django is down."""

from __future__ import annotations

import gzip
import http.server
import json
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import RequestFactory

from desk.client import client_address
from publisher.lighttpd import AdminProxy
from tests.support import build, fetch, free_port, lighttpd, make_birth, needs_lighttpd

pytestmark = [needs_lighttpd, pytest.mark.django_db]


@contextmanager
def echo_backend() -> Iterator[tuple[int, list[dict]]]:
    """A stand-in for gunicorn that records the headers each request brought."""
    seen: list[dict] = []

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"client": self.client_address[0], **dict(self.headers)})
            body = json.dumps(seen[-1]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_with_django_down_the_forms_say_so_and_every_other_page_is_served(settings, tmp_path):
    birth = make_birth(baby_name="Already Live")
    build(settings)
    stopped = AdminProxy("127.0.0.1", free_port())  # nothing listens there
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var", admin=stopped) as (url, _):
        for path in ("/submit/", "/submit/birth/", "/submit"):
            status, headers, body = fetch(url + path)
            assert status == 503, path
            assert headers["Content-Type"].startswith("text/html")
            text = body.decode()
            assert "Our forms are down for a moment" in text
            assert "try again in a few minutes" in text
            assert "mailto:desk@ledger.example" in text
            assert '<link rel="stylesheet" href="/static/content/site.' in text
        # A form posted meanwhile gets the same page, not a bare error.
        request = urllib.request.Request(  # noqa: S310 (loopback)
            url + "/submit/tip/", data=b"body=hello", method="POST"
        )
        try:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 (loopback)
        except urllib.error.HTTPError as error:
            assert error.code == 503 and b"Our forms are down" in error.read()
        else:
            raise AssertionError("a POST to a stopped Django succeeded")
        # Everything else is static, as before.
        for path in ("/", "/births/", birth.get_absolute_url(), "/static/content/site.css"):
            assert fetch(url + path)[0] == 200, path
        status, _, body = fetch(url + "/no-such-page/")
        assert status == 404 and b"Page not found" in body


def test_the_rate_limit_counts_the_address_lighttpd_saw_not_one_a_reader_claims(settings, tmp_path):
    build(settings)
    with (
        echo_backend() as (port, seen),
        lighttpd(
            Path(settings.PUBLISHER_BUILD_DIR),
            tmp_path / "var",
            admin=AdminProxy("127.0.0.1", port),
        ) as (url, _),
    ):
        status, _, _ = fetch(url + "/submit/tip/", {"X-Forwarded-For": "203.0.113.9"})
        assert status == 200
    (headers,) = seen
    assert headers["client"] == "127.0.0.1"  # lighttpd, on the same host
    # lighttpd appends the address it saw (here loopback: the test is the reader).
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    request = RequestFactory().get(
        "/submit/tip/",
        REMOTE_ADDR=headers["client"],
        HTTP_X_FORWARDED_FOR=headers["X-Forwarded-For"],
    )
    assert client_address(request) == "127.0.0.1"


@pytest.mark.django_db(transaction=True)
def test_the_forms_come_compressed_through_lighttpd_with_a_description(
    settings, tmp_path, live_server
):
    build(settings)
    django = urllib.parse.urlsplit(live_server.url)
    admin = AdminProxy(django.hostname, django.port)
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var", admin=admin) as (url, _):
        for path in ("/submit/", "/submit/birth/"):
            status, headers, body = fetch(url + path, {"Accept-Encoding": "gzip"})
            assert status == 200, path
            assert headers["Content-Encoding"] == "gzip", path
            assert "Accept-Encoding" in headers["Vary"]
            page = gzip.decompress(body).decode()
            assert 'name="csrfmiddlewaretoken"' in page or path == "/submit/"
            (description,) = re.findall(r'<meta name="description" content="([^"]+)">', page)
            assert len(description) > 50
            # Uncompressed for a client that asks for nothing else.
            status, headers, plain = fetch(url + path)
            assert status == 200 and "Content-Encoding" not in headers
            assert b"<!DOCTYPE html>" in plain
        # The admin's pages stay uncompressed (its pages hold an editor's data).
        status, headers, _ = fetch(url + "/admin/login/", {"Accept-Encoding": "gzip"})
        assert status == 200 and "Content-Encoding" not in headers
