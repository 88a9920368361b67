"""Python's http.server serving the built site: the fallback for machines
without lighttpd (``manage.py serve --python``). It answers as lighttpd does:
the same header policy (``publisher.headers``), the same refusals, the
redirects from ``redirects.json`` and the site's own 404 page.
"""

from __future__ import annotations

import functools
import http.server
import os
import posixpath
import urllib.parse
from pathlib import Path

from publisher.headers import MIME_TYPES, SITE_HEADERS, cache_control, content_type, is_served


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """http.server with the site's types, headers and its own 404 page, and
    lighttpd's refusals: no directory listings, no dot files, no files being
    written (``.name.tmp``), nothing ``is_served`` turns down."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        return content_type(self.path.split("?", 1)[0])

    redirects: dict[str, str] = {}
    gone: dict[str, str] = {}

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def end_headers(self) -> None:
        if getattr(self, "_status", 200) < 400:
            self.send_header("Cache-Control", cache_control(self.path.split("?", 1)[0]))
        for name, value in SITE_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_head(self):  # type: ignore[no-untyped-def]
        path, _, query = self.path.partition("?")
        # As translate_path will read it: %-decoded, "." and ".." resolved.
        relative = posixpath.normpath(urllib.parse.unquote(path.split("#", 1)[0])).lstrip("/")
        if not is_served(relative):
            self.send_error(404)
            return None
        removed = path if path in self.gone else path + "/"
        if removed in self.gone:
            return self._send_gone(removed)
        target = self.redirects.get(path) or self.redirects.get(path + "/")
        if target is None:
            return super().send_head()
        self.send_response(301)
        self.send_header("Location", target + ("?" + query if query else ""))
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def _send_gone(self, path: str) -> None:
        # 410 with the short page publishing left at the address, as lighttpd;
        # the site's 410.html where none is (an address retired for a name).
        page = Path(self.directory) / path.lstrip("/") / "index.html"
        if not page.is_file():
            page = Path(self.directory) / "410.html"
        body = page.read_bytes() if page.is_file() else b""
        self.send_response(410)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path: str | os.PathLike[str]) -> None:  # type: ignore[override]
        # A directory without index.html is not a page.
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def python_server(
    docroot: Path,
    host: str,
    port: int,
    redirects: dict[str, str] | None = None,
    gone: dict[str, str] | None = None,
) -> http.server.ThreadingHTTPServer:
    handler_class = type(
        "Handler", (_StaticHandler,), {"redirects": redirects or {}, "gone": gone or {}}
    )
    handler = functools.partial(handler_class, directory=str(docroot))
    return http.server.ThreadingHTTPServer((host, port), handler)
