"""The two ways in: ``deploy_site`` (``manage.py deploy``) syncs the whole
live site; ``deploy_changes`` (publishing on save) pushes a handful of files.
Both hold the deploy lock, describe the local objects, plan, and carry the
plan out; only ``deploy_site`` lists the bucket and has a dry run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from publisher import s3
from publisher.deploy.errors import DeployError
from publisher.deploy.local import changed_objects, hash_all, site_objects, with_redirects
from publisher.deploy.manifest import Manifest, read_manifest
from publisher.deploy.ownership import Target
from publisher.deploy.plan import (
    DeployResult,
    check_deletes,
    plan_changes,
    plan_sync,
    plan_trusted,
)
from publisher.deploy.record import RECORD_NAME, hash_changed, read_record, write_record
from publisher.deploy.transfer import MULTIPART_THRESHOLD, Transfer
from publisher.locks import deploy_lock
from publisher.releases import live_link

WORKERS = 8


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


@contextmanager
def _deploying(
    target: Target, client: Any, workers: int, result: DeployResult
) -> Iterator[ThreadPoolExecutor]:
    """The deploy lock and a pool of ``workers`` threads; S3's errors become
    a DeployError, and ``result`` gets the time taken and the requests sent."""
    started = time.perf_counter()
    counter = s3.RequestCounter(client)
    try:
        with (
            deploy_lock(Path(settings.PUBLISHER_BUILD_DIR)),
            ThreadPoolExecutor(workers, thread_name_prefix="deploy") as pool,
        ):
            yield pool
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"deploy to {target.location} failed: {exc}") from exc
    finally:
        counter.close()
    result.seconds = time.perf_counter() - started
    result.requests = counter.count


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
    verify: bool = False,
    list_bucket: bool = False,
) -> DeployResult:
    """Sync the live site (or ``site_dir``) to the bucket. Raises DeployError.

    Only the files changed since the last deploy are hashed (``record``),
    and they are compared with the manifest the last deploy left, without
    listing the bucket, once a deploy that listed it wrote that manifest
    (``manifest``: complete); else, and with ``list_bucket``, with the
    listing too, which finds objects changed or deleted behind our back.
    ``verify`` hashes every file and reads every object's fingerprint back
    from the bucket, trusting neither the record nor the manifest."""
    target = Target.from_settings(gzip)
    root = site_root(site_dir)
    max_deletes = settings.PUBLISHER_S3_MAX_DELETES if max_deletes is None else max_deletes
    client = client or s3.make_client(pool=workers, raw_times=True)
    result = DeployResult(target.location, dry_run=dry_run)
    with _deploying(target, client, workers, result) as pool:
        manifest = pool.submit(read_manifest, client, target.bucket, target.manifest_key)
        remote = None
        if verify or list_bucket:
            # Listing the bucket and hashing the files take about as long: overlap them.
            remote = pool.submit(s3.list_objects, client, target.bucket, target.folder)
        local = with_redirects(target, root, site_objects(target, root))
        record_path = Path(settings.PUBLISHER_BUILD_DIR) / RECORD_NAME
        result.hashed, stamps = hash_changed(
            local, pool, {} if verify else read_record(record_path)
        )
        if remote is None and manifest.result().complete:
            # The last deploy's record of the bucket: nothing listed, nothing
            # asked about but what is gone from the site.
            plan = plan_trusted(client, target, local, manifest.result(), pool)
            known = manifest.result().copy()
            for key in plan.foreign:  # replaced by someone else: no longer ours
                known.objects.pop(key, None)
        else:
            if remote is None:  # a first deploy, or no complete record: list
                remote = pool.submit(s3.list_objects, client, target.bucket, target.folder)
            result.listed = True
            # Verifying: no manifest entry vouches for an object, so each is
            # checked with HEAD (its fingerprint and our mark), and ownership of
            # what is gone too.
            known_before = Manifest() if verify else manifest.result()
            plan = plan_sync(client, target, local, remote.result(), known_before, pool)
            known = Manifest(dict(plan.entries), dict(plan.foreign), complete=True)
        result.unchanged = plan.unchanged
        result.left_alone = sorted(plan.foreign)
        result.refused_deletes = check_deletes(plan, max_deletes, force, dry_run)
        if dry_run:
            result.uploaded = [obj.key for obj in plan.uploads]
            result.deleted = list(plan.deletes)
            result.bytes = sum(obj.size for obj in plan.uploads)
        else:
            if on_total is not None:
                on_total(len(plan.uploads))
            known.foreign.update(plan.foreign)
            transfer = Transfer(client, target, pool, multipart_threshold, progress)
            transfer.execute(plan, known, result)
            write_record(record_path, local, stamps)
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
    client = client or s3.make_client(pool=workers, raw_times=True)
    result = DeployResult(target.location)
    local, gone = changed_objects(target, root, map(_relative, changed))
    gone |= {_relative(path) for path in removed}
    with _deploying(target, client, workers, result) as pool:
        # Every redirect, not only the new ones: compared with the manifest,
        # the ones already up cost nothing.
        local = with_redirects(target, root, local)
        hash_all(local, pool)
        manifest = read_manifest(client, target.bucket, target.manifest_key)
        plan = plan_changes(client, target, local, gone, manifest, pool)
        result.unchanged = plan.unchanged
        result.left_alone = sorted(plan.foreign)
        check_deletes(plan, max_deletes, force, dry_run=False)
        known = manifest.copy()
        known.foreign.update(plan.foreign)
        Transfer(client, target, pool, multipart_threshold).execute(plan, known, result)
    return result
