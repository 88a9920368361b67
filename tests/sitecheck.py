"""Reading a built site the way a reader's browser would (test helpers)."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TEXT_SUFFIXES = {".html", ".xml", ".txt"}


def page_files(root: Path) -> dict[str, Path]:
    """Every rendered page of a release by URL (static and media left out)."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("static/", "media/")) or not path.is_file():
            continue
        if path.suffix not in TEXT_SUFFIXES:
            continue
        url = "/" + rel.removesuffix("index.html")
        out[url] = path
    return out


def media_files(root: Path) -> dict[str, str]:
    """Every upload in a release (``media/...``) with the SHA-256 of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / "media").rglob("*"))
        if path.is_file()
    }


def file_for(root: Path, url: str) -> Path:
    path = urlsplit(url).path
    return root / (path[1:] + "index.html" if path.endswith("/") else path[1:])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def internal_path(link: str, site_url: str) -> str | None:
    """The site path a link points at, or None for an external link."""
    if link.startswith(site_url + "/"):
        link = link[len(site_url) :]
    if link.startswith("/") and not link.startswith("//"):
        return urlsplit(link).path
    return None


def one_page_of_each_type(registry: Any) -> dict[str, str]:
    """The URL of the first page of each page type the dev server routes, by
    page type (redirects are not routed: servers answer them with a 301)."""
    site = registry.site()
    urls: dict[str, str] = {}
    for page in registry.pages:
        if not page.routes():
            continue
        params = next(iter(page.params(site)), None)
        if params is not None:
            urls[page.name] = page.url(params)
    return urls
