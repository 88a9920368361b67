"""Serving the flat site to readers (no Django in here).

One table of what readers get for each file -- its Content-Type, its
Cache-Control, whether it is compressed, which files are never served -- and
the two things that read it: the lighttpd configuration (``lighttpd_config``)
and the S3 deploy (``publisher.deploy`` asks ``content_type()`` and
``cache_control()`` for every object). Python's http.server is a fallback for
machines without lighttpd.

Redirects: when publishing changes a page's URL it writes
``<build dir>/redirects.json``, ``{"/old/path/": "/new/path/", ...}``.
``load_redirects`` reads and checks it; lighttpd gets a 301 rule for each
(``var/lighttpd.d/redirects.conf``, included by the main config, rewritten by
``write_redirect_rules`` and picked up by a graceful restart); the S3 deploy
uploads a redirect object for each.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import posixpath
import re
import signal
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from publisher.paths import file_path

# -- What readers get for each file ---------------------------------------------

MIME_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    # Pagefind's search index (publisher.search): gzip inside, which its
    # script unpacks itself, so binary and never compressed again.
    ".pf_fragment": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
DEFAULT_MIME_TYPE = "application/octet-stream"
FEEDS = r"^/feeds/"
FEED_MIME_TYPE = "application/rss+xml; charset=utf-8"

# Text compresses well; images and fonts are compressed already.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/xml",
    "application/rss+xml",
    "application/json",
    "image/svg+xml",
)

# ManifestStaticFilesStorage puts 12 hex digits of the content's MD5 in the
# name (site.b24cde7f953f.css, LICENSE.2c54f4e1ca1c): a new content is a new
# name, so those files can be cached for good.
FINGERPRINTED = r"^/static/.+\.[0-9a-f]{12}(\.[^./]+)?$"

# Browsers check back every time (a cheap 304 when nothing changed), so a
# correction or a takedown reaches readers at once; shared caches (a CDN) keep
# pages five minutes, and a deploy invalidates what changed.
PAGE_CACHE = "public, max-age=0, s-maxage=300, must-revalidate"
MEDIA = r"^/media/"
# Pagefind names its index files by their content (en_3fa9c1b.pf_fragment,
# pagefind.en_219dfbcdb0.pf_meta): a re-indexed shard is new names, so these
# are cached for good. The files that name them (pagefind-entry.json,
# shards.json) and the search code keep the page rule: always revalidated.
SEARCH_DATA = r"/search/pagefind/.*\.pf_(fragment|index|filter|meta)$"
# ... and the files that name them, which a deploy uploads after them.
SEARCH_NAMES = r"/search/pagefind/(.+/)?(pagefind-entry|shards)\.json$"
# (regex on the site path, Cache-Control); the last rule that matches wins,
# as lighttpd's conditionals do.
CACHE_RULES: list[tuple[str, str]] = [
    (r"", PAGE_CACHE),  # pages, feeds, sitemap: always fresh, so news is news
    (r"^/static/", "public, max-age=3600"),  # static under its plain name
    (FINGERPRINTED, "public, max-age=31536000, immutable"),
    (MEDIA, "public, max-age=86400"),  # a replaced photo is a new upload with a new name
    ("^" + SEARCH_DATA, "public, max-age=31536000, immutable"),
]

# Uploads (photos) are what a hostile user can put on the site: a browser
# takes each for the image type its name says and never sniffs one into HTML
# or script. (S3 cannot store this header on an object: put a response
# headers policy, such as CloudFront's managed SecurityHeadersPolicy, in front.)
NOSNIFF = ("X-Content-Type-Options", "nosniff")

# Never served (and never uploaded): editor backups, include files, files
# being written (publisher.files writes ``.name.tmp`` then renames), dot files.
DENIED_SUFFIXES = ("~", ".inc", ".tmp")

# Sent with every file of the site (the admin sends Django's own). nosniff:
# a browser never takes a file for another type than the one we send (an
# upload read as HTML); the referrer policy keeps a reader's full path (an
# unlisted page, a search) from other sites.
SITE_HEADERS = dict([NOSNIFF, ("Referrer-Policy", "strict-origin-when-cross-origin")])

# Request bodies lighttpd accepts, in KB. Readers only read, so the site
# takes none to speak of; the admin takes a photo upload (capped at 15 MB by
# the upload form) with the rest of its form.
SITE_MAX_REQUEST_KB = 64
ADMIN_MAX_REQUEST_KB = 20 * 1024


def content_type(path: str) -> str:
    """The Content-Type of a site path (``/news/``, ``/static/site.css``)."""
    if path.endswith("/"):
        path += "index.html"
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".xml" and re.search(FEEDS, path):
        return FEED_MIME_TYPE
    return MIME_TYPES.get(suffix, DEFAULT_MIME_TYPE)


def cache_control(path: str) -> str:
    value = PAGE_CACHE
    for pattern, rule in CACHE_RULES:
        if re.search(pattern, path):
            value = rule
    return value


def compressible(mime_type: str) -> bool:
    return mime_type.startswith(COMPRESSIBLE_TYPES)


def is_served(relative: str) -> bool:
    """Whether a file (path relative to the document root) is part of the site."""
    if relative.endswith(DENIED_SUFFIXES):
        return False
    return not any(part.startswith(".") for part in relative.split("/"))


# -- Redirects left by publishing -------------------------------------------------

REDIRECTS_FILE = "redirects.json"
# Site paths only: what slugs and routes produce. No quotes, spaces, '%' or
# '$', so a path can go into lighttpd's config and an S3 header as it is.
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
_SITE_PATH = re.compile(rf"^/(?:{_SEGMENT}/)*(?:{_SEGMENT})?$")


class RedirectsError(ValueError):
    """redirects.json cannot be used; the message says which entry and why."""


def load_redirects(build_dir: Path) -> dict[str, str]:
    """``<build_dir>/redirects.json`` checked, chains followed (a -> b -> c
    becomes a -> c); ``{}`` when there is no such file.

    The file is the whole truth: an old path in it is redirected even though
    publishing leaves a small page there too (the fallback where a real
    redirect is not possible); a path that is a page again must leave it."""
    path = Path(build_dir) / REDIRECTS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RedirectsError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise RedirectsError(f"{path}: expected an object {{old path: new path}}")
    for old, new in raw.items():
        for value in (old, new):
            if not isinstance(value, str) or not _SITE_PATH.match(value):
                raise RedirectsError(f"{path}: {value!r} is not a site path like /news/a-story/")
        if old == "/" or old.startswith(("/static/", "/media/")):
            raise RedirectsError(f"{path}: {old!r} cannot be redirected")
    resolved: dict[str, str] = {}
    for old in raw:
        seen, target = {old}, raw[old]
        while target in raw:
            if target in seen:
                raise RedirectsError(f"{path}: {old!r} redirects in a loop")
            seen.add(target)
            target = raw[target]
        resolved[old] = target
    return dict(sorted(resolved.items()))


def redirect_file(old: str) -> str:
    """The file (relative to the document root) a redirect stands in for."""
    return file_path(old)


def _pcre_literal(text: str) -> str:
    return re.sub(r"([^A-Za-z0-9/_])", r"\\\1", text)


def redirect_rules(redirects: dict[str, str]) -> str:
    """lighttpd rules: 301 for each old path (with or without its final slash;
    the query string is kept)."""
    lines = [
        "# Generated from redirects.json by publisher.serve.write_redirect_rules; do not edit.",
        "url.redirect-code = 301",
    ]
    if not redirects:
        return "\n".join(lines) + "\n"
    lines.append("url.redirect = (")
    for old, new in redirects.items():
        pattern = "^" + _pcre_literal(old.rstrip("/")) + ("/?" if old.endswith("/") else "")
        lines.append(f'  "{pattern}(?:\\?|$)" => "{new}${{qsa}}",')
    lines.append(")")
    return "\n".join(lines) + "\n"


def include_dir(var_dir: Path) -> Path:
    """Extra lighttpd config (``*.conf``) that the main config includes."""
    return Path(var_dir) / "lighttpd.d"


def write_redirect_rules(build_dir: Path, var_dir: Path) -> bool:
    """Write ``var/lighttpd.d/redirects.conf`` from redirects.json; True if it changed.

    A running lighttpd picks the new rules up on a graceful restart
    (``reload_lighttpd``)."""
    text = redirect_rules(load_redirects(build_dir))
    path = include_dir(var_dir) / "redirects.conf"
    try:
        if path.read_text() == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".redirects.conf.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return True


def reload_lighttpd(var_dir: Path) -> bool:
    """Gracefully restart the lighttpd whose pid file is in ``var_dir`` (it
    re-reads its config, finishing requests in flight). False if none runs."""
    try:
        pid = int((Path(var_dir) / "lighttpd.pid").read_text().strip())
        os.kill(pid, signal.SIGUSR1)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return False
    return True


# -- lighttpd ------------------------------------------------------------------


@dataclass
class AdminProxy:
    """Where gunicorn (Django: the admin and the editors' preview) listens."""

    host: str
    port: int
    # Addresses (or networks) of a TLS terminator in front of lighttpd whose
    # X-Forwarded-For and X-Forwarded-Proto are believed (PUBLISHER_TRUSTED_PROXY).
    trusted: tuple[str, ...] = ()


LIGHTTPD_TEMPLATE = """\
{header}
server.modules = ({extforward_module}
  "mod_access",
  "mod_redirect",
  "mod_setenv",{deflate_module}
  "mod_staticfile",{proxy_module}
)
server.document-root = "{docroot}"
server.bind = "{host}"
server.port = {port}
{user}server.errorlog = "{var_dir}/lighttpd-error.log"
server.pid-file = "{var_dir}/lighttpd.pid"
server.tag = "lighttpd"
# build/site is a symlink to the live release: follow it.
server.follow-symlink = "enable"
# A missing page gets the site's own 404.html, with status 404.
server.errorfile-prefix = "{docroot}/"
index-file.names = ("index.html")
url.access-deny = ({denied})
$HTTP["url"] =~ "/\\." {{
  url.access-deny = ("")
}}

# A small-memory host: one process, no per-request processes, few fds,
# short keep-alive.
server.max-worker = 0
server.max-connections = 300
server.max-fds = 1024
server.max-keep-alive-requests = 100
server.max-keep-alive-idle = 5
server.max-read-idle = 30
# Readers only read: a request body is refused past this (KB; the admin's
# block below allows an upload).
server.max-request-size = {site_max_request_kb}
# No stat cache: a page written a moment ago is served at once, and a page
# never links to one that lighttpd still believes missing.
server.stat-cache-engine = "disable"

mimetype.use-xattr = "disable"
mimetype.assign = (
{mime_types}
)
$HTTP["url"] =~ "{feeds}" {{
  mimetype.assign = (".xml" => "{feed_type}", "" => "{default_type}")
}}
{deflate}
# Cache-Control by kind of file; the last block that matches wins.
{cache_rules}

# On every file of the site (the admin's block below leaves Django's own).
setenv.add-response-header = ({site_headers})
{admin}
# Redirects that publishing leaves when a URL changes (from redirects.json).
include "{include_dir}/*.conf"
"""

DEFLATE_TEMPLATE = """
# Text is compressed once per file version and kept in the cache directory
# (remove old entries by cron: find {var_dir}/lighttpd-deflate -type f -mtime +7 -delete).
deflate.mimetypes = ({compressible})
deflate.allowed-encodings = ("br", "gzip", "deflate")
deflate.cache-dir = "{var_dir}/lighttpd-deflate"
deflate.min-compress-size = 256
deflate.max-compress-size = 16384
"""

NO_DEFLATE = """
# No compression: mod_deflate is not installed (Debian: apt-get install lighttpd-mod-deflate).
"""

ADMIN_TEMPLATE = """
{trusted}# The admin and the editors' preview are Django, under gunicorn; never cached
# or compressed here (Django sets its own Cache-Control).
$HTTP["url"] =~ "^/(admin|preview)/" {{
  proxy.server = ("" => (("host" => "{host}", "port" => {port})))
  proxy.forwarded = ("for" => 1, "proto" => 1, "host" => 1)
  # A photo upload with its form (KB).
  server.max-request-size = {max_request_kb}
  setenv.set-response-header = ()
  setenv.add-response-header = ()
{admin_deflate}}}
"""

# Without it, lighttpd tells Django the scheme it saw itself (http, behind a
# TLS terminator), whatever X-Forwarded-Proto a client sent.
TRUSTED_PROXY_TEMPLATE = """\
# Behind a TLS terminator (PUBLISHER_TRUSTED_PROXY): from these addresses,
# and only from them, X-Forwarded-For and X-Forwarded-Proto are believed, so
# Django (with DJANGO_HTTPS_PROXY=true) sees the reader's https. The
# terminator must send both headers.
extforward.forwarder = ({forwarders})
extforward.headers = ("X-Forwarded-For")

"""

DEMO_HEADER = """\
# Generated by `manage.py serve` from settings (publisher/serve.py holds the
# template); regenerate rather than edit."""


def _quoted(value: str) -> str:
    if '"' in value or "\n" in value or "\\" in value:
        raise ValueError(f"cannot put {value!r} in a lighttpd config")
    return value


def lighttpd_config(
    docroot: Path,
    host: str,
    port: int,
    var_dir: Path,
    *,
    user: str | None = None,
    group: str | None = None,
    admin: AdminProxy | None = None,
    header: str = DEMO_HEADER,
    compress: bool = True,
) -> str:
    """lighttpd's configuration for serving ``docroot`` (build/site)."""
    docroot_s, var_s = _quoted(str(docroot)), _quoted(str(var_dir))
    user_lines = ""
    if user:
        user_lines += f'server.username = "{_quoted(user)}"\n'
    if group:
        user_lines += f'server.groupname = "{_quoted(group)}"\n'
    cache_rules = []
    for pattern, value in CACHE_RULES:
        if not pattern:
            cache_rules.append(f'setenv.set-response-header = ("Cache-Control" => "{value}")')
        else:
            cache_rules.append(
                f'$HTTP["url"] =~ "{pattern}" {{\n'
                f'  setenv.set-response-header = ("Cache-Control" => "{value}")\n}}'
            )
    mime_lines = [f'  "{suffix}" => "{mime}",' for suffix, mime in MIME_TYPES.items()]
    mime_lines.append(f'  "" => "{DEFAULT_MIME_TYPE}",')
    trusted = admin.trusted if admin else ()
    return LIGHTTPD_TEMPLATE.format(
        header=header,
        extforward_module='\n  "mod_extforward",' if trusted else "",
        proxy_module='\n  "mod_proxy",' if admin else "",
        deflate_module='\n  "mod_deflate",' if compress else "",
        deflate=DEFLATE_TEMPLATE.format(
            var_dir=var_s,
            compressible=", ".join(f'"{mime}"' for mime in COMPRESSIBLE_TYPES),
        )
        if compress
        else NO_DEFLATE,
        docroot=docroot_s,
        host=_quoted(host),
        port=int(port),
        user=user_lines,
        var_dir=var_s,
        denied=", ".join(f'"{suffix}"' for suffix in DENIED_SUFFIXES),
        mime_types="\n".join(mime_lines),
        feeds=FEEDS,
        feed_type=FEED_MIME_TYPE,
        default_type=DEFAULT_MIME_TYPE,
        cache_rules="\n".join(cache_rules),
        site_headers=", ".join(f'"{name}" => "{value}"' for name, value in SITE_HEADERS.items()),
        site_max_request_kb=SITE_MAX_REQUEST_KB,
        admin=ADMIN_TEMPLATE.format(
            trusted=TRUSTED_PROXY_TEMPLATE.format(
                forwarders=", ".join(f'"{_quoted(address)}" => "trust"' for address in trusted)
            )
            if trusted
            else "",
            host=_quoted(admin.host),
            port=int(admin.port),
            max_request_kb=ADMIN_MAX_REQUEST_KB,
            admin_deflate="  deflate.mimetypes = ()\n" if compress else "",
        )
        if admin
        else "",
        include_dir=_quoted(str(include_dir(var_dir))),
    )


LIGHTTPD_MODULE_DIRS = ("/usr/lib/lighttpd", "/usr/lib64/lighttpd", "/usr/local/lib/lighttpd")


def deflate_installed() -> bool:
    """Whether lighttpd has mod_deflate (a separate package on Debian:
    lighttpd-mod-deflate). True when the module directory is not found."""
    dirs = [Path(d) for d in LIGHTTPD_MODULE_DIRS if Path(d).is_dir()]
    return not dirs or any((d / "mod_deflate.so").exists() for d in dirs)


def prepare_var_dir(var_dir: Path) -> None:
    """The directories lighttpd writes to (it does not create them itself)."""
    (Path(var_dir) / "lighttpd-deflate").mkdir(parents=True, exist_ok=True)
    include_dir(var_dir).mkdir(parents=True, exist_ok=True)


# -- Python's http.server, the fallback ----------------------------------------------


class _StaticHandler(http.server.SimpleHTTPRequestHandler):
    """http.server with the site's types, headers and its own 404 page, and
    lighttpd's refusals: no directory listings, no dot files, no files being
    written (``.name.tmp``), nothing ``is_served`` turns down."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        return content_type(self.path.split("?", 1)[0])

    redirects: dict[str, str] = {}

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
        target = self.redirects.get(path) or self.redirects.get(path + "/")
        if target is None:
            return super().send_head()
        self.send_response(301)
        self.send_header("Location", target + ("?" + query if query else ""))
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

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
    docroot: Path, host: str, port: int, redirects: dict[str, str] | None = None
) -> http.server.ThreadingHTTPServer:
    handler_class = type("Handler", (_StaticHandler,), {"redirects": redirects or {}})
    handler = functools.partial(handler_class, directory=str(docroot))
    return http.server.ThreadingHTTPServer((host, port), handler)
