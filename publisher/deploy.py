"""Deploying the built site to S3: only what changed, in link order, safe deletes.

``deploy_site`` (``manage.py deploy``) syncs the whole live site;
``deploy_changes`` (publishing on save) pushes a handful of files. Both:

1. describe every local object: its key under ``PUBLISHER_S3_PREFIX``, the
   headers readers get (``publisher.serve``'s table) and a fingerprint --
   SHA-256 of the file's bytes and of those headers, so a header change
   re-uploads too;
2. find what is already in the bucket: ``deploy_site`` lists the prefix (every
   page of the listing) and reads the manifest the last deploy left (key ->
   fingerprint, ETag, size); an entry counts only if the listing still shows
   that ETag and size, otherwise a HEAD reads the fingerprint from the
   object's metadata. An unchanged site costs one GET and one LIST per 1,000
   objects: no PUT, no DELETE, whatever the upload (multipart or not) was;
3. upload what differs, a page type at a time in the page registry's order
   (static and media, detail pages, then the lists, feeds and sitemap that
   link to them; redirects and anything unknown last), so a reader never
   follows a link to an object not there yet;
4. delete what is gone -- only objects a deploy of this site uploaded (in the
   manifest, or marked so in their metadata), never anything that looks like
   a database backup, only after every upload succeeded, only keys under the
   prefix (an empty prefix only when the site owns the bucket), and no more
   than ``--max-deletes`` unless forced;
5. save the manifest, and ask CloudFront to invalidate the changed paths.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.urls import Resolver404, resolve

from publisher import s3
from publisher.locks import deploy_lock
from publisher.pages.registry import registry
from publisher.paths import url_path
from publisher.releases import live_link
from publisher.serve import (
    SEARCH_DATA,
    SEARCH_NAMES,
    RedirectsError,
    cache_control,
    compressible,
    content_type,
    is_served,
    load_redirects,
    redirect_file,
)

WORKERS = 8
MULTIPART_THRESHOLD = 8 * 1024 * 1024  # boto3's default
INVALIDATE_ALL_ABOVE = 1000  # paths; past that one "/*" costs less and does the same
# Every upload carries x-amz-meta-newsroom-site: where in the bucket the site
# lives. It proves an object ours to delete when the manifest does not list it.
MARK = "newsroom-site"
# What database backups look like (publisher/backup.py's keys:
# <BACKUP_S3_PREFIX>/<db>/<yyyy>/<mm>/<timestamp>.sql.gz and its .manifest.json).
# A deploy never deletes them, whatever the settings in its environment say.
DEFAULT_BACKUP_PREFIX = "backups"
BACKUP_SUFFIXES = (".sql.gz", ".sqlite3.gz", ".manifest.json")

# Upload order: static and media, the page types (1, 2, ... in registry
# order), redirects, anything else.
STATIC_GROUP = 0
REDIRECT_GROUP = 1 << 20
UNKNOWN_GROUP = REDIRECT_GROUP + 1
# The files that name a search index's data files go up after all of them
# (publisher.search): a reader never loads an entry whose data is not there.
SEARCH_NAMES_GROUP = UNKNOWN_GROUP + 1
# Search data files are named by their content and replaced by a re-index
# of their shard, a few dozen at a time: deleting the old ones is routine,
# so they do not count towards --max-deletes (a lost one is rebuilt by the
# next build; pages and photos are what the limit protects).


class DeployError(RuntimeError):
    """The deploy stopped; the message says what happened and what to do."""


class NotConfigured(DeployError):
    pass


class TooManyDeletes(DeployError):
    pass


# -- What goes into the bucket -----------------------------------------------------


def backup_prefixes() -> tuple[str, ...]:
    """Where backups may be, in any bucket: the configured prefix and the default."""
    return tuple(sorted({settings.BACKUP_S3_PREFIX.strip("/"), DEFAULT_BACKUP_PREFIX} - {""}))


def prefix_problem(bucket: str, prefix: str, owns_bucket: bool) -> tuple[str, str] | None:
    """Why the site must not be synced to ``bucket`` under ``prefix``, and
    what to set instead; None when it may."""
    if not prefix and not owns_bucket:
        return (
            f"PUBLISHER_S3_PREFIX is empty, so the site would be synced with the whole "
            f"bucket {bucket}",
            "Set PUBLISHER_S3_PREFIX to the folder the site lives in (e.g. site), or, if "
            "nothing but this site uses the bucket, set PUBLISHER_S3_OWNS_BUCKET=true.",
        )
    for backups in backup_prefixes():
        if prefix == backups or prefix.startswith(backups + "/"):
            return (
                f"PUBLISHER_S3_PREFIX={prefix!r} is where database backups are kept ({backups}/)",
                "Set PUBLISHER_S3_PREFIX to another folder, e.g. site.",
            )
    return None


@dataclass(frozen=True)
class Target:
    bucket: str
    prefix: str
    gzip: bool
    distribution: str
    backup_prefixes: tuple[str, ...] = (DEFAULT_BACKUP_PREFIX,)

    @classmethod
    def from_settings(cls, gzip: bool | None = None) -> Target:
        bucket = settings.PUBLISHER_S3_BUCKET
        if not bucket:
            raise NotConfigured(
                "S3 is not configured: set PUBLISHER_S3_BUCKET (and PUBLISHER_S3_PREFIX) "
                "to the bucket the site is served from."
            )
        prefix = settings.PUBLISHER_S3_PREFIX.strip("/")
        problem = prefix_problem(bucket, prefix, settings.PUBLISHER_S3_OWNS_BUCKET)
        if problem:
            raise NotConfigured(f"{problem[0]}. {problem[1]} Nothing was uploaded or deleted.")
        return cls(
            bucket=bucket,
            prefix=prefix,
            gzip=settings.PUBLISHER_S3_GZIP if gzip is None else gzip,
            distribution=settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID,
            backup_prefixes=backup_prefixes(),
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{s3.list_prefix(self.prefix)}"

    @property
    def manifest_key(self) -> str:
        return s3.join_key(self.prefix, s3.MANIFEST_NAME)

    def key(self, relative: str) -> str:
        return s3.join_key(self.prefix, relative)

    def relative(self, key: str) -> str:
        return key[len(s3.list_prefix(self.prefix)) :]

    @property
    def mark(self) -> str:
        """The mark's value: where in the bucket this site lives (``site/``, or
        ``/`` for the whole bucket), so a site at the bucket's root never takes
        another newsroom's objects under ``other/`` for its own."""
        return s3.list_prefix(self.prefix) or "/"

    def protected(self, key: str) -> bool:
        """Keys a deploy never deletes, even under its prefix and marked as
        ours: its manifest, and anything that looks like a database backup."""
        if key == self.manifest_key or key.endswith(BACKUP_SUFFIXES):
            return True
        return any(key.startswith(backups + "/") for backups in self.backup_prefixes)


@dataclass
class LocalObject:
    relative: str  # path under the document root: news/index.html
    key: str
    group: int
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


def walk_site(root: Path) -> Iterator[tuple[str, Path]]:
    """Every served file under ``root`` (following symlinks, should a release hold any)."""
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        stat = os.stat(dirpath)
        if (stat.st_dev, stat.st_ino) in seen:  # a symlink loop
            dirnames[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        base = Path(dirpath).relative_to(root).as_posix()
        for name in sorted(filenames):
            relative = name if base == "." else f"{base}/{name}"
            path = Path(dirpath, name)
            if is_served(relative) and path.is_file():
                yield relative, path


def file_object(target: Target, relative: str, path: Path) -> LocalObject:
    mime = content_type("/" + relative)
    return LocalObject(
        relative=relative,
        key=target.key(relative),
        group=upload_group(relative),
        content_type=mime,
        cache_control=cache_control("/" + relative),
        gzip=target.gzip and compressible(mime),
        source=path,
    )


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


def _hash_all(objects: list[LocalObject], pool: ThreadPoolExecutor) -> None:
    def digest(obj: LocalObject) -> tuple[str, int]:
        if obj.source is None:
            body = obj.read()
            return s3.sha256_bytes(body), len(body)
        return s3.sha256_file(obj.source), obj.source.stat().st_size

    for obj, (hexdigest, size) in zip(objects, pool.map(digest, objects), strict=True):
        obj.digest, obj.size = hexdigest, size


# -- The plan ---------------------------------------------------------------------------


@dataclass
class Plan:
    uploads: list[LocalObject]
    deletes: list[str]  # gone from the site, and proven ours
    unchanged: int
    entries: dict[str, s3.Entry]  # manifest entries of objects already in place
    foreign: dict[str, s3.Listed]  # gone from the site, or never in it, and not ours
    manifest: s3.Manifest  # as read


@dataclass
class DeployResult:
    location: str
    uploaded: list[str] = field(default_factory=list)  # keys, in upload order
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    bytes: int = 0
    seconds: float = 0.0
    requests: int = 0
    dry_run: bool = False
    invalidation: str | None = None
    refused_deletes: bool = False  # dry run: the deletes would be refused
    left_alone: list[str] = field(default_factory=list)  # under the prefix, not ours


def _ordered(objects: list[LocalObject]) -> list[LocalObject]:
    return sorted(objects, key=lambda obj: (obj.group, obj.key))


def _head(client: Any, target: Target, key: str) -> dict[str, Any] | None:
    try:
        return client.head_object(Bucket=target.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return None
        raise


def plan_sync(
    client: Any,
    target: Target,
    local: list[LocalObject],
    remote: dict[str, s3.Listed],
    manifest: s3.Manifest,
    pool: ThreadPoolExecutor,
) -> Plan:
    """Compare: what to upload, what to delete, what is already in place."""
    entries: dict[str, s3.Entry] = {}
    uploads: list[LocalObject] = []
    unverified: list[LocalObject] = []
    for obj in local:
        listed = remote.get(obj.key)
        entry = manifest.objects.get(obj.key)
        if listed is None:
            uploads.append(obj)
        elif entry is not None and entry.vouches_for(listed):
            if entry.fingerprint == obj.fingerprint:
                entries[obj.key] = entry
            else:
                uploads.append(obj)
        else:
            unverified.append(obj)

    heads = pool.map(lambda obj: _head(client, target, obj.key), unverified)
    for obj, head in zip(unverified, heads, strict=True):
        metadata = (head or {}).get("Metadata", {})
        if metadata.get("fingerprint") == obj.fingerprint and metadata.get(MARK) == target.mark:
            listed = remote[obj.key]
            entries[obj.key] = s3.Entry(obj.fingerprint, listed.etag, listed.size)
        else:  # changed, or someone else's: ours from now on, and marked
            uploads.append(obj)
    local_keys = {obj.key for obj in local}
    gone = [key for key in remote if key not in local_keys and not target.protected(key)]
    deletes, foreign = sort_out(client, target, gone, manifest, pool, remote)
    return Plan(_ordered(uploads), deletes, len(entries), entries, foreign, manifest)


def sort_out(
    client: Any,
    target: Target,
    keys: list[str],
    manifest: s3.Manifest,
    pool: ThreadPoolExecutor,
    remote: dict[str, s3.Listed] | None = None,
) -> tuple[list[str], dict[str, s3.Listed]]:
    """Split ``keys`` (objects gone from the site) into those a deploy of this
    site uploaded -- its to delete -- and the others, with their ETag and size.

    The manifest answers for nearly all: an entry counts while the listing
    (``remote``; publishing has none) shows the object as we left it, and an
    object found foreign once is not asked about again while unchanged. Only
    the rest cost a HEAD each, for the mark in their metadata.
    """
    ours: list[str] = []
    foreign: dict[str, s3.Listed] = {}
    unknown: list[str] = []
    for key in keys:
        listed = remote.get(key) if remote is not None else None
        entry = manifest.objects.get(key)
        known = manifest.foreign.get(key)
        if entry is not None and (remote is None or entry.vouches_for(listed)):
            ours.append(key)
        elif known is not None and (remote is None or known == listed):
            foreign[key] = known
        else:
            unknown.append(key)
    heads = pool.map(lambda key: _head(client, target, key), unknown)
    for key, head in zip(unknown, heads, strict=True):
        if head is None:
            continue  # not there (any more)
        if head.get("Metadata", {}).get(MARK) == target.mark:
            ours.append(key)
        else:
            foreign[key] = s3.Listed(head["ETag"].strip('"'), head["ContentLength"])
    return sorted(ours), foreign


# -- Doing it ---------------------------------------------------------------------------


def _metadata(target: Target, obj: LocalObject) -> dict[str, str]:
    return {"sha256": obj.digest, "fingerprint": obj.fingerprint, MARK: target.mark}


def upload(client: Any, target: Target, obj: LocalObject, multipart_threshold: int) -> s3.Entry:
    """Put one object; returns its manifest entry (ETag and size as stored)."""
    extra: dict[str, Any] = {"ContentType": obj.content_type, "CacheControl": obj.cache_control}
    if obj.redirect:
        extra["WebsiteRedirectLocation"] = obj.redirect
    if obj.source is not None and not obj.gzip and obj.size >= multipart_threshold:
        # Large media: streamed from disk in parts, never read whole into memory.
        extra["Metadata"] = _metadata(target, obj)
        config = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, 5 * 1024 * 1024),
            use_threads=False,
        )
        client.upload_file(str(obj.source), target.bucket, obj.key, ExtraArgs=extra, Config=config)
        head = client.head_object(Bucket=target.bucket, Key=obj.key)
        return s3.Entry(obj.fingerprint, head["ETag"].strip('"'), head["ContentLength"])
    raw = obj.read()
    obj.digest = s3.sha256_bytes(raw)  # the bytes sent, even if the file changed since
    body = s3.gzip_bytes(raw) if obj.gzip else raw
    if obj.gzip:
        extra["ContentEncoding"] = "gzip"
    extra["Metadata"] = _metadata(target, obj)
    response = client.put_object(Bucket=target.bucket, Key=obj.key, Body=body, **extra)
    return s3.Entry(obj.fingerprint, response["ETag"].strip('"'), len(body))


def _upload_all(
    client: Any,
    target: Target,
    plan: Plan,
    manifest: s3.Manifest,
    result: DeployResult,
    pool: ThreadPoolExecutor,
    multipart_threshold: int,
    progress: Callable[[int], None] | None,
) -> None:
    """Upload a group at a time; the next group starts only when the whole
    previous one is in. Stops at the first failure (what is in stays in)."""
    for _group, members in groupby(plan.uploads, key=lambda obj: obj.group):
        batch = list(members)
        futures: list[Future] = [
            pool.submit(upload, client, target, obj, multipart_threshold) for obj in batch
        ]
        if progress is not None:
            for future in futures:
                future.add_done_callback(
                    lambda f: progress(1) if not f.cancelled() and f.exception() is None else None
                )
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
        finally:  # a failure or Ctrl-C: start nothing more
            for future in futures:
                future.cancel()
        wait(futures)
        failure: BaseException | None = None
        for obj, future in zip(batch, futures, strict=True):
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None:
                failure = failure or error
                continue
            entry = future.result()
            manifest.objects[obj.key] = entry
            manifest.foreign.pop(obj.key, None)
            result.uploaded.append(obj.key)
            result.bytes += entry.size
        if failure is not None:
            raise DeployError(
                f"upload failed after {len(result.uploaded):,} of {len(plan.uploads):,} "
                f"objects ({type(failure).__name__}: {failure}); nothing was deleted. "
                "Run deploy again: it uploads only what is still missing."
            ) from failure


def _execute(
    client: Any,
    target: Target,
    plan: Plan,
    manifest: s3.Manifest,
    result: DeployResult,
    pool: ThreadPoolExecutor,
    multipart_threshold: int,
    progress: Callable[[int], None] | None,
) -> None:
    try:
        _upload_all(client, target, plan, manifest, result, pool, multipart_threshold, progress)
    except BaseException:
        # Best effort: remember what did go up, so the rerun need not check it.
        with suppress(Exception):
            s3.write_manifest(client, target.bucket, target.manifest_key, manifest)
        raise
    if plan.deletes:
        try:
            s3.delete_objects(client, target.bucket, plan.deletes)
        except (BotoCoreError, ClientError, RuntimeError) as exc:
            with suppress(Exception):
                s3.write_manifest(client, target.bucket, target.manifest_key, manifest)
            raise DeployError(f"every upload succeeded, but deleting failed: {exc}") from exc
        result.deleted = list(plan.deletes)
        for key in plan.deletes:
            manifest.objects.pop(key, None)
    if manifest != plan.manifest:
        s3.write_manifest(client, target.bucket, target.manifest_key, manifest)
    changed = [target.relative(key) for key in result.uploaded + result.deleted]
    if target.distribution and changed:
        result.invalidation = invalidate(target.distribution, changed)


def invalidation_paths(relatives: Iterable[str]) -> list[str]:
    """The URLs readers use for these files: /news/ as well as /news/index.html."""
    paths: set[str] = set()
    for relative in relatives:
        paths.add("/" + quote(relative))
        paths.add(quote(url_path(relative)))
    if len(paths) > INVALIDATE_ALL_ABOVE:
        return ["/*"]
    return sorted(paths)


def invalidate(distribution: str, relatives: Iterable[str]) -> str:
    """One CloudFront invalidation for the changed paths; returns its id."""
    paths = invalidation_paths(relatives)
    client = s3.make_client("cloudfront", pool=1)
    try:
        response = client.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"newsroom-deploy-{time.time_ns()}-{os.getpid()}",
            },
        )
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"the bucket is up to date, but the CloudFront invalidation failed ({exc}); "
            f'invalidate by hand: aws cloudfront create-invalidation --distribution-id {distribution} --paths "/*"'
        ) from exc
    return response["Invalidation"]["Id"]


def _check_deletes(plan: Plan, max_deletes: int, force: bool, dry_run: bool) -> bool:
    counted = [key for key in plan.deletes if not re.search(SEARCH_DATA, "/" + key)]
    if len(counted) <= max_deletes or force:
        return False
    if dry_run:
        return True
    raise TooManyDeletes(
        f"refusing to delete {len(counted):,} objects (more than {max_deletes:,}); "
        "nothing was uploaded or deleted. Check the plan with --dry-run, then use "
        "--force or a larger --max-deletes."
    )


def site_root(site_dir: Path | None = None) -> Path:
    """The release to deploy: build/site resolved once, so a build that goes
    live meanwhile does not mix two releases into one deploy."""
    link = Path(site_dir) if site_dir else live_link(Path(settings.PUBLISHER_BUILD_DIR))
    root = link.resolve()
    if not (root / "index.html").is_file():
        raise DeployError(f"{link} has no site yet: run `manage.py build` first.")
    return root


def s3_configured() -> bool:
    return bool(settings.PUBLISHER_S3_BUCKET)


def deploy_site(
    site_dir: Path | None = None,
    *,
    dry_run: bool = False,
    max_deletes: int | None = None,
    force: bool = False,
    gzip: bool | None = None,
    workers: int = WORKERS,
    multipart_threshold: int = MULTIPART_THRESHOLD,
    client: Any = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> DeployResult:
    """Sync the live site (or ``site_dir``) to the bucket. Raises DeployError."""
    target = Target.from_settings(gzip)
    root = site_root(site_dir)
    max_deletes = settings.PUBLISHER_S3_MAX_DELETES if max_deletes is None else max_deletes
    started = time.perf_counter()
    client = client or s3.make_client(pool=workers)
    counter = s3.RequestCounter(client)
    result = DeployResult(target.location, dry_run=dry_run)
    try:
        with (
            deploy_lock(Path(settings.PUBLISHER_BUILD_DIR)),
            ThreadPoolExecutor(workers, thread_name_prefix="deploy") as pool,
        ):
            # Listing the bucket and hashing the files take about as long: overlap them.
            remote = pool.submit(s3.list_objects, client, target.bucket, target.prefix)
            manifest = pool.submit(s3.read_manifest, client, target.bucket, target.manifest_key)
            local = [file_object(target, rel, path) for rel, path in walk_site(root)]
            local = with_redirects(target, root, local)
            _hash_all(local, pool)
            plan = plan_sync(client, target, local, remote.result(), manifest.result(), pool)
            result.unchanged = plan.unchanged
            result.left_alone = sorted(plan.foreign)
            result.refused_deletes = _check_deletes(plan, max_deletes, force, dry_run)
            if dry_run:
                result.uploaded = [obj.key for obj in plan.uploads]
                result.deleted = list(plan.deletes)
                result.bytes = sum(obj.size for obj in plan.uploads)
            else:
                if on_total is not None:
                    on_total(len(plan.uploads))
                known = s3.Manifest(dict(plan.entries), dict(plan.foreign))
                _execute(client, target, plan, known, result, pool, multipart_threshold, progress)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"deploy to {target.location} failed: {exc}") from exc
    finally:
        counter.close()
    result.seconds = time.perf_counter() - started
    result.requests = counter.count
    return result


def _relative(path: str) -> str:
    relative = path.lstrip("/")
    parts = relative.split("/")
    if not relative or any(part in ("", ".", "..") for part in parts) or "\\" in relative:
        raise DeployError(f"{path!r} is not a file path under the document root")
    return relative


def deploy_changes(
    site_dir: Path | None,
    changed: Iterable[str],
    removed: Iterable[str],
    *,
    max_deletes: int | None = None,
    force: bool = False,
    workers: int = WORKERS,
    multipart_threshold: int = MULTIPART_THRESHOLD,
    client: Any = None,
) -> DeployResult:
    """Push the files a publish rewrote (``changed``) and remove those it
    deleted (``removed``): paths relative to the document root, e.g.
    ``news/2026/11/03/a-story/index.html``. Same headers, order and delete
    limit as ``deploy_site``; the redirects in redirects.json are brought up
    to date too. Compares with the manifest only (no listing): the nightly
    full ``deploy`` is the one that checks the whole bucket.
    """
    target = Target.from_settings()
    root = site_root(site_dir)
    max_deletes = settings.PUBLISHER_S3_MAX_DELETES if max_deletes is None else max_deletes
    started = time.perf_counter()
    client = client or s3.make_client(pool=workers)
    counter = s3.RequestCounter(client)
    result = DeployResult(target.location)
    gone = {_relative(path) for path in removed}
    local: list[LocalObject] = []
    for relative in sorted({_relative(path) for path in changed}):
        path = root / relative
        if is_served(relative) and path.is_file():
            local.append(file_object(target, relative, path))
        else:
            gone.add(relative)
    try:
        with (
            deploy_lock(Path(settings.PUBLISHER_BUILD_DIR)),
            ThreadPoolExecutor(workers, thread_name_prefix="deploy") as pool,
        ):
            # Every redirect, not only the new ones: compared with the manifest,
            # the ones already up cost nothing.
            local = with_redirects(target, root, local)
            _hash_all(local, pool)
            manifest = s3.read_manifest(client, target.bucket, target.manifest_key)
            uploads = [
                obj
                for obj in local
                if obj.key not in manifest.objects
                or manifest.objects[obj.key].fingerprint != obj.fingerprint
            ]
            local_keys = {obj.key for obj in local}
            removed_keys = sorted(
                key
                for key in map(target.key, gone)
                if key not in local_keys and not target.protected(key)
            )
            deletes, foreign = sort_out(client, target, removed_keys, manifest, pool)
            plan = Plan(
                _ordered(uploads), deletes, len(local) - len(uploads), {}, foreign, manifest
            )
            result.unchanged = plan.unchanged
            result.left_alone = sorted(foreign)
            _check_deletes(plan, max_deletes, force, dry_run=False)
            known = manifest.copy()
            known.foreign.update(foreign)
            _execute(client, target, plan, known, result, pool, multipart_threshold, None)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"deploy to {target.location} failed: {exc}") from exc
    finally:
        counter.close()
    result.seconds = time.perf_counter() - started
    result.requests = counter.count
    return result
