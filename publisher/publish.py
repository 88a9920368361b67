"""Publishing: render just the pages a change affects, in place, atomically.

``process_queue`` claims the due publish jobs, asks every page type which of
its pages the changes affect (``Page.affected``), renders those with the same
code as the full build, and writes each file atomically into the live
release: pages others link to first (registry order), removals last. A page
whose context is gone (Http404) is removed. Failures are recorded on the jobs
and retried with a back-off; the editor sees them in the admin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import Http404

from publisher import media, queue, releases, renditions, search
from publisher.build import build_site
from publisher.changes import stored_state
from publisher.deploy.errors import DeployError
from publisher.files import write_atomic
from publisher.lighttpd import reload_lighttpd, write_redirect_rules
from publisher.locks import publish_lock
from publisher.models import PublishJob
from publisher.pages.base import Change, Page, Site
from publisher.pages.gone import GonePage, write_gone_file
from publisher.pages.redirects import Moves, RedirectPage, write_redirects_file
from publisher.pages.registry import registry
from publisher.paths import file_path

log = logging.getLogger(__name__)


# Faults of the whole system (the disk, the database, S3), not of one item:
# trying each job on its own would only fail as many times.
GLOBAL_FAULTS: tuple[type[BaseException], ...] = (OSError, DatabaseError, DeployError)


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
    # Removed addresses rendered (or given back): gone.json follows.
    gone_pages: int = 0
    renditions_made: int = 0  # files encoded for new photos
    photo_problems: dict[str, str] = field(default_factory=dict)  # upload -> why not made


def process_queue(build_dir: Path | None = None) -> PublishResult:
    """Publish everything due, until the queue is empty. Returns what was done;
    raises PublishError if a batch failed (after recording it on its jobs)."""
    build_dir = Path(build_dir or settings.PUBLISHER_BUILD_DIR)
    total = PublishResult()
    started = time.perf_counter()
    errors = []
    with publish_lock(build_dir):
        while claimed := queue.claim_due_jobs():
            batches = [claimed]
            while batches:
                jobs = batches.pop(0)
                try:
                    result = publish_jobs(jobs, build_dir)
                except Exception as exc:
                    if len(jobs) > 1 and not isinstance(exc, GLOBAL_FAULTS):
                        # One item's fault (a page that will not render) must
                        # not hold back the others' changes: each job again
                        # on its own, and only the faulty one fails.
                        log.warning("publishing %d jobs failed (%s): one by one", len(jobs), exc)
                        batches += [[job] for job in jobs]
                        continue
                    log.exception("publishing %d jobs failed", len(jobs))
                    queue.failed(jobs, exc)
                    total.failed += len(jobs)
                    errors.append(f"{exc}")
                    continue
                queue.finished(jobs)
                total.jobs += len(jobs)
                total.written += result.written
                total.removed += result.removed
                total.full_build |= result.full_build
                total.renditions_made += result.renditions_made
                total.photo_problems.update(result.photo_problems)
    total.seconds = time.perf_counter() - started
    if errors:
        raise PublishError("; ".join(errors))
    return total


def publish_jobs(jobs: list[PublishJob], build_dir: Path) -> PublishResult:
    """Render what these jobs' changes affect into the live release."""
    started = time.perf_counter()
    live = releases.live_release(build_dir)
    if live is None:
        # No site yet: the first `manage.py build` will publish everything.
        return PublishResult(jobs=len(jobs))
    if any(job.kind == PublishJob.SITE for job in jobs):
        # A section or author changed: names on (nearly) every page.
        build_site(build_dir, lock_publish=False)  # this worker holds the lock
        return PublishResult(jobs=len(jobs), full_build=True)

    changes = [
        Change(job.kind, job.object_id, list(job.states), stored_state(job.kind, job.object_id))
        for job in jobs
    ]
    pages = registry()
    site = pages.site(previous=live)
    redirects = pages.find(RedirectPage)
    gone = pages.gone()
    moves, retaken = Moves(), frozenset[str]()
    with transaction.atomic():
        if redirects is not None:
            moves = redirects.apply(site, changes)
        if gone is not None:
            retaken = gone.apply(site, changes)
    result = render_affected(live, site, changes, moves, pages.pages, retaken)
    if moves.changed or result.gone_pages:
        redirects_changed(build_dir)
    result.jobs = len(jobs)
    result.seconds = time.perf_counter() - started
    push_to_s3(live, result)
    return result


def publish_expired(build_dir: Path | None = None) -> PublishResult:
    """Rewrite the live pages that time alone has changed (``Page.expired``:
    the news sitemap, whose items leave it after 48 hours). Cron's
    ``manage.py publish`` runs it every minute; when nothing expired it only
    asks, and writes nothing."""
    build_dir = Path(build_dir or settings.PUBLISHER_BUILD_DIR)
    started = time.perf_counter()
    result = PublishResult()
    with publish_lock(build_dir):
        live = releases.live_release(build_dir)
        if live is None:
            return result
        pages = registry()
        site = pages.site(previous=live)
        rendered = [
            (file_path(page.url(params)), page.render(site, params, page.context(site, params)))
            for page in pages.pages
            for params in page.expired(site)
        ]
        for relative, body in rendered:
            write_atomic(live / relative, body)
            result.written.append(relative)
        push_to_s3(live, result)
    result.seconds = time.perf_counter() - started
    return result


def render_affected(
    root: Path,
    site: Site,
    changes: list[Change],
    moves: Moves | None = None,
    pages: Iterable[Page] | None = None,
    retaken: frozenset[str] = frozenset(),
) -> PublishResult:
    """Render every affected page first, then write: a failing template leaves
    the live site untouched, not half updated. ``moves`` are the redirects
    these changes made (``RedirectPage.apply``), ``retaken`` the removed
    addresses they gave back (``GonePage.apply``)."""
    result = PublishResult()
    rendered: list[tuple[str, bytes]] = []
    gone: list[str] = []
    # Renditions before the pages are rendered: a page names a photo's
    # renditions only once they are on disk (an unchanged photo's cost a
    # stat; a new photo's are made here, once).
    uploads = set().union(*(change.media() for change in changes))
    photos = registry().live_photos(site, uploads)
    ensured = renditions.ensure(photos)
    result.renditions_made = ensured.encodes
    result.photo_problems = ensured.failed
    live = media.media_names(photos)
    for page in registry().pages if pages is None else pages:
        if isinstance(page, RedirectPage):
            targets = page.pages_moved(site, changes, moves or Moves())
        elif isinstance(page, GonePage):
            targets = list(page.pages_gone(site, changes, retaken))
            result.gone_pages += len(targets)
        else:
            targets = page.affected(site, changes)
        seen: set[tuple] = set()
        for params in targets:
            key = tuple(sorted(params.items()))
            if key in seen:
                continue
            seen.add(key)
            relative = file_path(page.url(params))
            try:
                context = page.publish_context(site, params, changes)
            except Http404:
                gone.append(relative)
                continue
            rendered.append((relative, page.render(site, params, context)))
    # Uploads first and last, like pages: a photo is in place before any
    # page shows it, and leaves only once no page written here shows it.
    result.written += media.place_all(root, live)
    # Registry order: a page is written before the pages that link to it.
    for relative, body in rendered:
        write_atomic(root / relative, body)
        result.written.append(relative)
    # The search index after the pages its results link to, before the
    # pages that went: a reader never finds an item that is gone.
    if search.enabled():
        found = search.reindex(root, site, changes)
        result.written += found.written
        result.removed += found.removed
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
    """Tell the servers: rewrite redirects.json, gone.json and lighttpd's rules, and
    gracefully restart a lighttpd started by ``manage.py serve``."""
    write_redirects_file(build_dir)
    write_gone_file(build_dir)
    var_dir = Path(settings.VAR_DIR)
    if write_redirect_rules(build_dir, var_dir):
        reload_lighttpd(var_dir)


def push_to_s3(root: Path, result: PublishResult) -> None:
    """When S3 is configured, the changed files follow to the bucket."""
    if not settings.PUBLISHER_S3_BUCKET:
        return
    # Only then: S3's client library costs every process that imports it
    # several MB, and most sites publish to their own disk.
    from publisher.deploy.sync import deploy_changes

    deploy_changes(root, result.written, result.removed)
