"""lighttpd, as it serves the built site: its configuration, generated from
the header policy (``publisher.headers``) and settings; the 301 rules for the
redirects publishing leaves; and the graceful restart that picks them up.

The main config (``lighttpd_config``) includes ``var/lighttpd.d/*.conf``;
``write_redirect_rules`` rewrites ``redirects.conf`` there from
``redirects.json`` and ``reload_lighttpd`` makes a running lighttpd read it.
No Django in here.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

from publisher.gone_file import load_gone
from publisher.headers import (
    CACHE_RULES,
    COMPRESSIBLE_TYPES,
    DEFAULT_MIME_TYPE,
    DENIED_SUFFIXES,
    FEED_MIME_TYPE,
    FEEDS,
    MIME_TYPES,
    SITE_HEADERS,
)
from publisher.redirects_file import load_redirects

# Request bodies lighttpd accepts, in KB. Readers only read, so the site
# takes none to speak of; the admin takes a photo upload (capped at 15 MB by
# the upload form) with the rest of its form.
SITE_MAX_REQUEST_KB = 64
# Where, under the document root, the build writes the pages lighttpd answers
# /submit/ with when Django is down: <this><status>.html, for 502, 503, 504.
SUBMIT_ERRORS = "submit/unavailable/"
ADMIN_MAX_REQUEST_KB = 20 * 1024

# -- Redirects left by publishing -------------------------------------------------


def _pcre_literal(text: str) -> str:
    return re.sub(r"([^A-Za-z0-9/_])", r"\\\1", text)


def redirect_rules(redirects: dict[str, str]) -> str:
    """lighttpd rules: 301 for each old path (with or without its final slash;
    the query string is kept)."""
    lines = [
        "# Generated from redirects.json by publisher.lighttpd.write_redirect_rules; do not edit.",
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


def gone_rules(gone: dict[str, str]) -> str:
    """lighttpd rules: 410 Gone for each removed address (with or without its
    final slash, any query string), answered with the short page left there."""
    lines = ["# Generated from gone.json by publisher.lighttpd.write_redirect_rules; do not edit."]
    for path in gone:
        pattern = "^" + _pcre_literal(path.rstrip("/")) + "/?(?:\\?|$)"
        # mod_redirect with a 4xx code sends no Location, only the status;
        # the error handler then serves the page at the address, status kept.
        lines += [
            f'$HTTP["url"] =~ "{pattern}" {{',
            f'  url.redirect = ("" => "{path}")',
            "  url.redirect-code = 410",
            f'  server.error-handler = "{path}index.html"',
            "}",
        ]
    return "\n".join(lines) + "\n"


def write_redirect_rules(build_dir: Path, var_dir: Path) -> bool:
    """Write ``var/lighttpd.d/redirects.conf`` from redirects.json and
    ``gone.conf`` from gone.json; True if either changed.

    A running lighttpd picks the new rules up on a graceful restart
    (``reload_lighttpd``)."""
    redirects = load_redirects(build_dir)
    gone = load_gone(build_dir)
    # An address is either moved or gone: gone wins (the item is no more).
    redirects = {
        old: new for old, new in redirects.items() if old not in gone and old + "/" not in gone
    }
    changed = _write_rules(include_dir(var_dir) / "redirects.conf", redirect_rules(redirects))
    return _write_rules(include_dir(var_dir) / "gone.conf", gone_rules(gone)) or changed


def _write_rules(path: Path, text: str) -> bool:
    try:
        if path.read_text() == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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
    """Where gunicorn (Django: the admin, the editors' preview and the readers'
    forms at /submit/) listens."""

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
# Redirects that publishing leaves when a URL changes (from redirects.json),
# and 410 Gone for removed items (from gone.json).
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
# The readers' forms (/submit/): Django too, the one dynamic path readers
# reach. When Django does not answer, lighttpd answers 502, 503 or 504 with
# the page the build writes for it ({submit_errors}<status>.html): the forms
# are down, and how else to reach the newsroom. Every other path is static.
# Compressed like the site's pages (a phone on a slow line fetches them): a
# form page holds no secret but its CSRF token, which Django masks afresh on
# every response, so compression tells an eavesdropper nothing (BREACH).
$HTTP["url"] =~ "^/submit(/|$)" {{
  proxy.server = ("" => (("host" => "{host}", "port" => {port})))
  proxy.forwarded = ("for" => 1, "proto" => 1, "host" => 1)
  # A photo with its form (KB).
  server.max-request-size = {max_request_kb}
  server.errorfile-prefix = "{docroot}/{submit_errors}"
  setenv.set-response-header = ()
  setenv.add-response-header = ()
}}
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
# Generated by `manage.py serve` from settings (publisher/lighttpd.py holds the
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
            docroot=docroot_s,
            submit_errors=SUBMIT_ERRORS,
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


def deflate_cache_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "lighttpd-deflate"


def clear_deflate_cache(var_dir: Path) -> int:
    """Delete lighttpd's compressed copies (the files, not the folders it
    made); returns how many. A copy is kept per file version, so a page
    rewritten leaves its old text there until cron's clean-up: a takedown
    decision clears them at once. lighttpd compresses again on demand."""
    count = 0
    for root, _dirs, files in os.walk(deflate_cache_dir(var_dir)):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
                count += 1
            except FileNotFoundError:
                pass  # lighttpd replaced it meanwhile
    return count


def prepare_var_dir(var_dir: Path) -> None:
    """The directories lighttpd writes to (it does not create them itself)."""
    (Path(var_dir) / "lighttpd-deflate").mkdir(parents=True, exist_ok=True)
    include_dir(var_dir).mkdir(parents=True, exist_ok=True)
