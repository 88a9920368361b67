"""The local side of a deploy: every object the built site puts in the
bucket, with the headers readers get and a fingerprint, in upload order.

The headers come from ``publisher.headers``, the one policy lighttpd and
the dev server use too. The fingerprint is the SHA-256 of the file's bytes and of
those headers, so a header change re-uploads too. The upload order follows
the page registry: static and media, the page types in registry order
(detail pages before the lists, feeds and sitemap that link to them),
redirects and anything unknown last -- so a reader never follows a link to
an object not there yet.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import Resolver404, resolve

from publisher import s3
from publisher.deploy.errors import DeployError
from publisher.deploy.ownership import Target
from publisher.headers import (
    SEARCH_NAMES,
    cache_control,
    compressible,
    content_type,
    is_served,
)
from publisher.pages.registry import registry
from publisher.paths import url_path
from publisher.redirects_file import RedirectsError, load_redirects, redirect_file

# Upload order: static and media, the page types (1, 2, ... in registry
# order), redirects, anything else.
STATIC_GROUP = 0
REDIRECT_GROUP = 1 << 20
UNKNOWN_GROUP = REDIRECT_GROUP + 1
# The files that name a search index's data files go up after all of them
# (publisher.search): a reader never loads an entry whose data is not there.
SEARCH_NAMES_GROUP = UNKNOWN_GROUP + 1
# Not looked up yet: only an object to upload needs its place in the order
# (finding it resolves the file's URL, the dearest part of describing a file).
UNGROUPED = -1


@dataclass
class LocalObject:
    relative: str  # path under the document root: news/index.html
    key: str
    group: int  # UNGROUPED until it is to be uploaded (see in_upload_order)
    content_type: str
    cache_control: str
    gzip: bool
    source: Path | None = None
    body: bytes | None = None  # generated objects (redirects)
    redirect: str | None = None
    size: int = 0
    digest: str = ""  # SHA-256 of the file's bytes (before gzip)

    @property
    def fingerprint(self) -> str:
        headers = [
            self.digest,
            self.content_type,
            self.cache_control,
            "gzip" if self.gzip else "",
            self.redirect or "",
        ]
        return s3.sha256_bytes(json.dumps(headers).encode())

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        assert self.source is not None
        return self.source.read_bytes()


@cache
def _route_order() -> dict[str, int]:
    pages = registry().pages
    return {name: index for index, page in enumerate(pages) for _, name, _ in page.routes()}


def upload_group(relative: str) -> int:
    """Where a file goes in the upload order: static and media first, then
    page types in the registry's order (found by resolving the file's URL
    with the URLconf the registry builds), anything unknown last."""
    if relative.startswith(("static/", "media/")):
        return STATIC_GROUP
    if re.search(SEARCH_NAMES, "/" + relative):
        return SEARCH_NAMES_GROUP
    try:
        name = resolve(url_path(relative)).url_name
    except Resolver404:
        return UNKNOWN_GROUP
    index = _route_order().get(name or "")
    return UNKNOWN_GROUP if index is None else 1 + index


def in_upload_order(objects: Iterable[LocalObject]) -> list[LocalObject]:
    objects = list(objects)
    for obj in objects:
        if obj.group == UNGROUPED:
            obj.group = upload_group(obj.relative)
    return sorted(objects, key=lambda obj: (obj.group, obj.key))


def walk_site(root: Path) -> Iterator[tuple[str, Path]]:
    """Every served file under ``root`` (following symlinks, should a release hold any)."""
    seen: set[tuple[int, int]] = set()

    def walk(directory: Path, base: str) -> Iterator[tuple[str, Path]]:
        stat = os.stat(directory)
        if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
            return
        seen.add((stat.st_dev, stat.st_ino))
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        folders = []
        # (A directory entry knows whether it is a file without a stat.)
        for entry in entries:
            if entry.is_dir():
                if not entry.name.startswith("."):
                    folders.append(entry)
                continue
            relative = f"{base}{entry.name}"
            if is_served(relative) and entry.is_file():
                yield relative, directory / entry.name
        for entry in folders:
            yield from walk(directory / entry.name, f"{base}{entry.name}/")

    yield from walk(root, "")


def file_object(target: Target, relative: str, path: Path) -> LocalObject:
    mime = content_type("/" + relative)
    return LocalObject(
        relative=relative,
        key=target.key(relative),
        group=UNGROUPED,
        content_type=mime,
        cache_control=cache_control("/" + relative),
        gzip=target.gzip and compressible(mime),
        source=path,
    )


def site_objects(target: Target, root: Path) -> list[LocalObject]:
    """Every object of the site at ``root``."""
    return [file_object(target, relative, path) for relative, path in walk_site(root)]


def changed_objects(
    target: Target, root: Path, relatives: Iterable[str]
) -> tuple[list[LocalObject], set[str]]:
    """The objects of the files a publish rewrote, and those of ``relatives``
    no longer served (gone since, or never a reader's file)."""
    objects: list[LocalObject] = []
    gone: set[str] = set()
    for relative in sorted(set(relatives)):
        path = root / relative
        if is_served(relative) and path.is_file():
            objects.append(file_object(target, relative, path))
        else:
            gone.add(relative)
    return objects, gone


def redirect_body(new: str) -> bytes:
    """What a browser gets where S3 website redirects are not in play."""
    href = html.escape(new)
    canonical = html.escape(settings.PUBLISHER_SITE_URL + new)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        f'<link rel="canonical" href="{canonical}"><title>Moved</title></head>\n'
        f'<body><p>This page has moved to <a href="{href}">{href}</a>.</p></body></html>\n'
    ).encode()


def with_redirects(target: Target, root: Path, objects: list[LocalObject]) -> list[LocalObject]:
    """``objects`` with the redirects of redirects.json applied: the object at
    each old path gets the new path as its website redirect -- the small page
    publishing left there, or one made here if there is none -- and goes up
    after every page, so it never points at a page not there yet."""
    try:
        redirects = load_redirects(Path(settings.PUBLISHER_BUILD_DIR))
    except RedirectsError as exc:
        raise DeployError(str(exc)) from exc
    by_relative = {obj.relative: obj for obj in objects}
    out = list(objects)
    for old, new in redirects.items():
        relative = redirect_file(old)
        obj = by_relative.get(relative)
        if obj is None:
            obj = file_object(target, relative, root / relative)
            if not (root / relative).is_file():
                obj.source, obj.body = None, redirect_body(new)
            out.append(obj)
        obj.redirect = new
        obj.group = REDIRECT_GROUP
    return out


def hash_all(objects: list[LocalObject], pool: ThreadPoolExecutor) -> None:
    """Fill in each object's digest and size, reading the files in ``pool``."""

    def digest(obj: LocalObject) -> tuple[str, int]:
        if obj.source is None:
            body = obj.read()
            return s3.sha256_bytes(body), len(body)
        return s3.sha256_file(obj.source), obj.source.stat().st_size

    for obj, (hexdigest, size) in zip(objects, pool.map(digest, objects), strict=True):
        obj.digest, obj.size = hexdigest, size
