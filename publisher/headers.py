"""What readers get with each file of the site: the one header policy.

Its Content-Type, its Cache-Control, the headers sent with every file,
whether it is worth compressing, and which files are never served. Everything
that serves the site reads this table and nothing else: lighttpd's generated
config (``publisher.lighttpd``), the Python fallback server
(``publisher.pyserver``), the S3 deploy (``publisher.deploy``) and the dev
server (``Page.view`` under runserver). No Django in here.
"""

from __future__ import annotations

import os
import re

MIME_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".geojson": "application/geo+json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
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
    # The search index (publisher.searchindex): gzip inside, which its
    # script unpacks itself, so binary and never compressed again.
    ".idx": "application/octet-stream",
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
    "application/geo+json",
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
RENDITIONS = r"^/media/renditions/"
# A search index shard's files are named by their content, or are in a folder
# that is (search/index/2026-q4/3fa9c1b2d4e5f607/w3.idx,
# search/index/2026-q4/t-9be1c04d5a7e3f21.idx): a re-indexed shard is new
# names, so these are cached for good. The file that names the folders
# (shards.json) keeps the page rule: always revalidated.
SEARCH_DATA = r"/search/index/[^/]+/([0-9a-f]{16}/[^/]+|t-[0-9a-f]{16})\.idx$"
# ... and the file that names them, which a deploy uploads after them.
SEARCH_NAMES = r"/search/index/shards\.json$"
# (regex on the site path, Cache-Control); the last rule that matches wins,
# as lighttpd's conditionals do.
CACHE_RULES: list[tuple[str, str]] = [
    (r"", PAGE_CACHE),  # pages, feeds, sitemap: always fresh, so news is news
    (r"^/static/", "public, max-age=3600"),  # static under its plain name
    (FINGERPRINTED, "public, max-age=31536000, immutable"),
    (MEDIA, "public, max-age=86400"),  # a replaced photo is a new upload with a new name
    # A rendition's name is the digest of its photo and recipe: never another content.
    (RENDITIONS, "public, max-age=31536000, immutable"),
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


def content_type(path: str) -> str:
    """The Content-Type of a site path (``/news/``, ``/static/site.css``)."""
    if path.endswith("/"):
        path += "index.html"
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".xml" and re.search(FEEDS, path):
        return FEED_MIME_TYPE
    return MIME_TYPES.get(suffix, DEFAULT_MIME_TYPE)


def cache_control(path: str) -> str:
    """The Cache-Control of a site path: the last of ``CACHE_RULES`` that matches."""
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


def file_headers(path: str) -> dict[str, str]:
    """Every header of the policy that a reader gets with the file at a site
    path: its Content-Type, its Cache-Control and the site-wide headers."""
    return {
        "Content-Type": content_type(path),
        "Cache-Control": cache_control(path),
        **SITE_HEADERS,
    }
