"""The full build: render the whole site into a new release, then go live.

``build_site`` is what ``manage.py build`` (and cron) runs. Its steps:
take the lock, open a partial release, collect static files, link in the
uploads that published items use, render every page, finish the release, switch ``build/site`` to it, prune.
Any failure discards the partial release and leaves the live site as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from publisher import media, releases, renditions, search
from publisher.locks import build_lock, publish_lock
from publisher.pages.gone import write_gone_file
from publisher.pages.redirects import write_redirects_file
from publisher.pages.registry import registry
from publisher.queue import requeue_since
from publisher.render import RenderResult, consistent_reads, page_total, render_pages


@dataclass
class BuildResult:
    release: Path
    pages: int
    bytes: int
    seconds: float
    static_files: int
    media_files: int
    pruned: int
    by_type: dict[str, int]
    catch_up: int = 0  # saves published during the build, queued again for the new release
    renditions_made: int = 0  # files encoded (0 when every photo's renditions existed)
    # Photos whose renditions could not be made (upload name -> why): their
    # items' pages show their text without them.
    photo_problems: dict[str, str] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def collect_static(release: Path) -> int:
    """Collect (and fingerprint) static files, then hard-link them in.

    Collecting re-hashes every file (seconds); it is skipped when no source
    file changed since the last build."""
    root = Path(settings.STATIC_ROOT)
    # Beside the collected files, not among them: nothing in it is for readers.
    stamp_file = root.with_name(root.name + ".sources.sha256")
    stamp = _static_sources_stamp()
    manifest = root / "staticfiles.json"
    if not (manifest.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp):
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp_file.parent.mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(stamp)
    return releases.link_tree(root, release / "static")


def _static_sources_stamp() -> str:
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(settings.STATIC_URL.encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda entry: entry[0]):
            info = os.stat(storage.path(path))
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def default_jobs() -> int:
    return settings.PUBLISHER_BUILD_JOBS or len(os.sched_getaffinity(0))


def build_site(
    build_dir: Path | None = None,
    keep: int | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = None,
    lock_publish: bool = True,
) -> BuildResult:
    build_dir = Path(build_dir or settings.PUBLISHER_BUILD_DIR)
    keep = keep or settings.PUBLISHER_KEEP_RELEASES
    jobs = jobs or default_jobs()
    if connection.in_atomic_block:
        # Other processes cannot see this transaction's rows: render here.
        jobs = 1
    started = time.perf_counter()
    began = timezone.now()
    with build_lock(build_dir):
        releases.prune(build_dir, keep)  # leftovers of killed builds
        partial = releases.start_release(build_dir, releases.new_release_id())
        try:
            static_files = collect_static(partial)
            media_files, rendered, ensured = _render(partial, on_total, progress, jobs, build_dir)
            release = releases.finish_release(build_dir, partial)
        except BaseException:
            releases.discard(partial)
            raise
        # No incremental publish writes while the live release changes; the
        # ones that ran during the build are redone in the new release.
        with publish_lock(build_dir) if lock_publish else nullcontext():
            releases.switch_live(build_dir, release)
            write_redirects_file(build_dir)
            write_gone_file(build_dir)
            catch_up = requeue_since(began)
        pruned = releases.prune(build_dir, keep)
    return BuildResult(
        release=release,
        pages=rendered.pages,
        bytes=rendered.bytes,
        seconds=time.perf_counter() - started,
        static_files=static_files,
        media_files=media_files,
        pruned=len(pruned),
        by_type=rendered.by_type,
        catch_up=catch_up,
        renditions_made=ensured.encodes,
        photo_problems=ensured.failed,
    )


def _render(
    root: Path,
    on_total: Callable[[int], None] | None,
    progress: Callable[[int], None] | None,
    jobs: int,
    build_dir: Path,
) -> tuple[int, RenderResult, renditions.Ensured]:
    """Link in the live uploads, then render every page, then index the
    items for search, at one ``now``: a photo is in the release exactly when
    its item's page is, and a search finds exactly the items it has pages of."""
    # Several workers each read their own snapshot (render_pages explains why
    # that is safe); one renders everything from this one.
    with nullcontext() if jobs > 1 else consistent_reads():
        pages = registry()
        site = pages.site()
        if on_total is not None:
            on_total(page_total(site))
        # Renditions before any page: a page names a photo's renditions only
        # when they are on disk. Made once: a photo whose renditions exist
        # costs a stat, and no image file is opened. Made here in this one
        # process: two processes resizing at once took the first build with
        # 200 camera photos to 160 MB (PSS) against 113 MB for the render,
        # over the 150 MB budget; `manage.py renditions --jobs` makes a
        # backlog on every core where memory allows.
        photos = pages.live_photos(site)
        ensured = renditions.ensure(photos, processes=1)
        media_files = media.link_into_release(root, media.media_names(photos))
        plan = None
        if search.enabled():
            # Stamped before the render (a first build: by each indexer); the
            # render hands each item it reads of a shard to index to the
            # spool, so no row is read twice.
            plan = search.plan_index(root, site, previous=releases.live_release(build_dir))
            site.spool = plan.spool
        try:
            # One stat() a photo (in ensure), not one a page that shows it.
            with renditions.known_ready(ensured.ready):
                rendered = render_pages(root, site, progress=progress, jobs=jobs)
            if plan is not None:
                # After the render, on every core: this process and a forked
                # worker per other core index a shard each at a time, once
                # the render workers are gone (memory is the render's or the
                # indexers', never both).
                search.write_index(root, site, jobs=jobs, plan=plan)
        finally:
            if plan is not None:
                plan.spool.close()
                site.spool = None
        return media_files, rendered, ensured
