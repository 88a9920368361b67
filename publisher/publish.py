"""Publishing: render just the pages a change affects, in place, atomically.

``process_queue`` claims the due publish jobs, asks every page type which of
its pages the changes affect (``Page.affected``), renders those with the same
code as the full build, and writes each file atomically into the live
release: pages others link to first (registry order), removals last. A page
whose context is gone (Http404) is removed. Failures are recorded on the jobs
and retried with a back-off; the editor sees them in the admin.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from publisher import media, releases
from publisher.changes import stored_state
from publisher.files import exclusive_lock, write_atomic
from publisher.models import PublishJob, Redirect
from publisher.pages import PAGES, REGISTRY, SETTLED, Change, Site, file_path, live_media

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)  # a RUNNING job older than this lost its worker


class PublishError(RuntimeError):
    """Rendering the changed pages failed; the jobs are marked failed."""


@dataclass
class PublishResult:
    jobs: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    full_build: bool = False
    failed: int = 0


def publish_lock(build_dir: Path) -> AbstractContextManager[None]:
    """One renderer at a time writes into the live site (waits its turn)."""
    return exclusive_lock(build_dir / ".publish.lock")


def claim_due_jobs() -> list[PublishJob]:
    """Claim every due job with a conditional update, so two workers never
    take the same one."""
    now = timezone.now()
    PublishJob.objects.filter(
        status=PublishJob.Status.RUNNING, updated_at__lt=now - STUCK_AFTER
    ).update(status=PublishJob.Status.QUEUED)
    due = list(
        PublishJob.objects.filter(status=PublishJob.Status.QUEUED, due_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    if not due:
        return []
    token = uuid.uuid4().hex
    PublishJob.objects.filter(pk__in=due, status=PublishJob.Status.QUEUED).update(
        status=PublishJob.Status.RUNNING, claim=token, updated_at=now
    )
    return list(PublishJob.objects.filter(claim=token, status=PublishJob.Status.RUNNING))


def process_queue(build_dir: Path | None = None) -> PublishResult:
    """Publish everything due, until the queue is empty. Returns what was done;
    raises PublishError if a batch failed (after recording it on its jobs)."""
    build_dir = Path(build_dir or settings.PUBLISHER_BUILD_DIR)
    total = PublishResult()
    started = time.perf_counter()
    errors = []
    with publish_lock(build_dir):
        while jobs := claim_due_jobs():
            try:
                result = publish_jobs(jobs, build_dir)
            except Exception as exc:
                log.exception("publishing %d jobs failed", len(jobs))
                _failed(jobs, exc)
                total.failed += len(jobs)
                errors.append(f"{exc}")
                continue
            _finished(jobs)
            total.jobs += len(jobs)
            total.written += result.written
            total.removed += result.removed
            total.full_build |= result.full_build
    total.seconds = time.perf_counter() - started
    if errors:
        raise PublishError("; ".join(errors))
    return total


def _finished(jobs: list[PublishJob]) -> None:
    PublishJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
        status=PublishJob.Status.LIVE, error="", finished_at=timezone.now()
    )


def _failed(jobs: list[PublishJob], exc: Exception) -> None:
    for job in jobs:
        job.attempts += 1
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts < MAX_ATTEMPTS:
            # Back to the queue, a little later each time (1, 2, 4, 8 minutes).
            job.status = PublishJob.Status.QUEUED
            job.due_at = timezone.now() + timedelta(minutes=2 ** (job.attempts - 1))
        else:
            job.status = PublishJob.Status.FAILED
        job.save(update_fields=["attempts", "error", "status", "due_at", "updated_at"])
    # Stay visible as failed until the retry succeeds: the admin reads `error`.


def publish_jobs(jobs: list[PublishJob], build_dir: Path) -> PublishResult:
    """Render what these jobs' changes affect into the live release."""
    started = time.perf_counter()
    live = releases.live_release(build_dir)
    if live is None:
        # No site yet: the first `manage.py build` will publish everything.
        return PublishResult(jobs=len(jobs))
    if any(job.kind == PublishJob.SITE for job in jobs):
        # A section or author changed: names on (nearly) every page.
        from publisher.build import build_site

        build_site(build_dir, lock_publish=False)  # this worker holds the lock
        return PublishResult(jobs=len(jobs), full_build=True)

    changes = [
        Change(job.kind, job.object_id, list(job.states), stored_state(job.kind, job.object_id))
        for job in jobs
    ]
    site = Site.current(previous=live)
    with transaction.atomic():
        moved = PAGES["redirect"].apply(site, changes)  # type: ignore[attr-defined]
    result = render_affected(live, site, changes)
    if moved:
        redirects_changed(build_dir)
    result.jobs = len(jobs)
    result.seconds = time.perf_counter() - started
    push_to_s3(live, result)
    return result


def render_affected(root: Path, site: Site, changes: list[Change]) -> PublishResult:
    """Render every affected page first, then write: a failing template leaves
    the live site untouched, not half updated."""
    result = PublishResult()
    rendered: list[tuple[str, bytes]] = []
    gone: list[str] = []
    for page in REGISTRY:
        seen: set[tuple] = set()
        for params in page.affected(site, changes):
            key = tuple(sorted(params.items()))
            if key in seen:
                continue
            seen.add(key)
            relative = file_path(page.url(params))
            try:
                context = page.context(site, params)
            except Http404:
                gone.append(relative)
                continue
            rendered.append((relative, page.render(site, params, context)))
    # Uploads first and last, like pages: a photo is in place before any
    # page shows it, and leaves only once no page written here shows it.
    uploads = set().union(*(change.media() for change in changes))
    live = live_media(site, uploads)
    result.written += media.place_all(root, live)
    # Registry order: a page is written before the pages that link to it.
    for relative, body in rendered:
        write_atomic(root / relative, body)
        result.written.append(relative)
    # Removed last: by now nothing written above links to them. (A page gone
    # from one type may be another's now, e.g. a redirect at a moved address.)
    for relative in sorted(set(gone) - set(result.written)):
        path = root / relative
        if path.exists():
            path.unlink()
            result.removed.append(relative)
            _prune_empty_dirs(path.parent, root)
    result.removed += media.remove_all(root, uploads - live)
    return result


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def redirects_changed(build_dir: Path) -> None:
    """Tell the servers: rewrite redirects.json and lighttpd's rules, and
    gracefully restart a lighttpd started by ``manage.py serve``."""
    from publisher.serve import reload_lighttpd, write_redirect_rules

    write_redirects_file(build_dir)
    var_dir = Path(settings.VAR_DIR)
    if write_redirect_rules(build_dir, var_dir):
        reload_lighttpd(var_dir)


def write_redirects_file(build_dir: Path) -> None:
    """``build/redirects.json``: {old path: new path}, for lighttpd and S3."""
    moves = dict(Redirect.objects.order_by("old_path").values_list("old_path", "new_path"))
    data = json.dumps(moves, indent=1, sort_keys=True).encode() + b"\n"
    write_atomic(build_dir / "redirects.json", data)


def push_to_s3(root: Path, result: PublishResult) -> None:
    """When S3 is configured, the changed files follow to the bucket."""
    if not settings.PUBLISHER_S3_BUCKET:
        return
    try:
        from publisher.deploy import deploy_changes
    except ImportError:  # the deploy module is optional in this checkout
        return
    deploy_changes(root, result.written, result.removed)


def requeue_since(moment: object) -> int:
    """After a full build: jobs published while it ran are published again into
    the new release (their pages may be older there)."""
    count = PublishJob.objects.filter(
        status=PublishJob.Status.LIVE, finished_at__gte=moment
    ).update(status=PublishJob.Status.QUEUED, due_at=timezone.now())
    return count


def release_due(window: timedelta = SETTLED) -> int:
    """Queue items whose embargo has ended but that no job has put live (items
    made without a save signal, such as seeded ones, or a missed schedule)."""
    from publisher.changes import KINDS, record

    now = timezone.now()
    released = 0
    for kind, model in KINDS.items():
        recent = model.objects.published(now).filter(publish_at__gte=now - window)
        for pk, publish_at in recent.values_list("pk", "publish_at"):
            jobs = PublishJob.objects.filter(kind=kind, object_id=pk)
            if jobs.filter(status=PublishJob.Status.LIVE, finished_at__gte=publish_at).exists():
                continue
            if jobs.filter(status__in=["queued", "running"], due_at__lte=now).exists():
                continue
            record(kind, pk, None)
            released += 1
    return released


def prune_jobs(older_than: timedelta = timedelta(days=30)) -> int:
    """Forget old finished jobs, keeping each item's latest (the admin shows
    when it was last published)."""
    cutoff = timezone.now() - older_than
    newer = PublishJob.objects.filter(
        kind=OuterRef("kind"),
        object_id=OuterRef("object_id"),
        status=PublishJob.Status.LIVE,
        id__gt=OuterRef("id"),
    )
    stale = PublishJob.objects.filter(status=PublishJob.Status.LIVE, finished_at__lt=cutoff).filter(
        Exists(newer)
    )
    # Ids first: MySQL cannot delete from a table its own subquery reads.
    ids = list(stale.values_list("id", flat=True)[:10_000])
    return PublishJob.objects.filter(pk__in=ids).delete()[0]
