"""Rendering pages to files: the same code for a full build and for a handful.

``render_pages`` walks page types in registry order (pages that others link
to first) and streams every page of each type from ``Page.contexts()``:
batched querysets in, bytes out to a background writer. Nothing holds the
whole site in memory.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, connections
from django.template import engines

from publisher.files import FileWriter
from publisher.forked import Claims, die_with_parent
from publisher.pages.base import Page, Site, Unit
from publisher.pages.registry import registry
from publisher.paths import file_path

MIN_UNIT = 200  # pages: smaller shares cost more in queries than they gain in balance
UNITS_PER_JOB = 8
# Python's youngest collection runs every 700 new objects by default; a
# render makes and drops millions, nearly none in reference cycles (the rows
# that are get a full collection per batch: keyset.stream). Every 20,000
# instead: about 3% of a build's CPU time less. (50,000 saved a little more
# and held 2-3 MB more at 50,000 stories, all processes.)
RENDER_GC_THRESHOLD = 20_000


class RenderError(RuntimeError):
    """A page failed to render; the message names the page."""


@dataclass
class RenderResult:
    pages: int = 0
    bytes: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


@contextmanager
def consistent_reads() -> Iterator[None]:
    """Run every query of a render against one snapshot of the database.

    Without it, an editor publishing mid-build could put a story on a list
    rendered after the story pages were written: a link to a missing page.
    """
    if connection.in_atomic_block:  # already one transaction (tests, callers' own atomic)
        yield
        return
    connection.ensure_connection()
    vendor = connection.vendor
    if vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
    elif vendor == "sqlite":
        # A deferred read transaction: a WAL snapshot that blocks no writer.
        connection.connection.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if vendor in ("mysql", "sqlite"):
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")


def page_total(site: Site, pages: Iterable[Page] | None = None) -> int:
    return sum(page.count(site) for page in (registry().pages if pages is None else pages))


def plan(site: Site, pages: Iterable[Page], jobs: int) -> list[Unit]:
    """Cut the pages into units: whole page types for one process; for several,
    shares small enough to balance, biggest first."""
    pages = list(pages)
    if jobs <= 1:
        return [unit for page in pages for unit in page.units(site)]
    size = max(MIN_UNIT, page_total(site, pages) // (jobs * UNITS_PER_JOB))
    units = [unit for page in pages for unit in page.units(site, size)]
    return sorted(units, key=lambda unit: unit.weight, reverse=True)


def render_pages(
    root: Path,
    site: Site,
    pages: Iterable[Page] | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> RenderResult:
    """Render every page of ``pages`` into ``root`` with ``jobs`` processes.

    Raises RenderError naming the page on the first failure. With one job,
    every query reads the snapshot the caller holds; with more, each worker
    reads its own, and units are cut so that no page is rendered twice or
    skipped when rows change meanwhile.
    """
    pages = registry().pages if pages is None else list(pages)
    units = plan(site, pages, jobs)
    by_name = {page.name: page for page in pages}
    if jobs <= 1:
        result = RenderResult()
        with FileWriter(root) as writer:
            _render_units(units, by_name, iter(range(len(units))), site, writer, result, progress)
            writer.close()
            result.bytes = writer.bytes_written
        return result
    return _render_parallel(root, site, units, by_name, jobs, progress)


def _render_units(
    units: list[Unit],
    by_name: dict[str, Page],
    claims: Iterator[int],
    site: Site,
    writer: FileWriter,
    result: RenderResult,
    progress: Callable[[int], None] | None,
) -> None:
    # What exists now (Django, templates, the site) lives as long as the
    # render: the collections that free each batch of rows (see
    # pages.stream) need not walk it again every time.
    gc.collect()
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(RENDER_GC_THRESHOLD, *threshold[1:])
    try:
        _render_claims(units, by_name, claims, site, writer, result, progress)
        if site.spool is not None:
            site.spool.flush()
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _render_claims(
    units: list[Unit],
    by_name: dict[str, Page],
    claims: Iterator[int],
    site: Site,
    writer: FileWriter,
    result: RenderResult,
    progress: Callable[[int], None] | None,
) -> None:
    for index in claims:
        unit = units[index]
        page = by_name[unit.page]
        done = 0
        for params, context in _contexts(page, site, unit):
            url = page.url(params)
            try:
                body = page.render(site, params, context)
                relative = file_path(url)
            except Exception as exc:
                raise RenderError(f"{url} ({page.name}): {exc}") from exc
            writer.write(relative, body)
            page.rendered(site, params, context)
            done += 1
            if progress is not None:
                progress(1)
        result.by_type[page.name] = result.by_type.get(page.name, 0) + done
        result.pages += done


def _contexts(page: Page, site: Site, unit: Unit) -> Iterator[tuple[dict, dict]]:
    iterator = page.unit_contexts(site, unit)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise RenderError(f"{page.name} pages: {exc}") from exc


class _SharedQueue(Claims):
    """Units handed out one at a time to whichever process is free, and the
    pages rendered so far (for the progress bar)."""

    def __init__(self, mp: Any, count: int) -> None:
        super().__init__(mp, count)
        self.pages = mp.Value("q", 0)

    def count_page(self, _n: int) -> None:
        with self.pages.get_lock():
            self.pages.value += 1


def warm_templates(pages: Iterable[Page]) -> None:
    """Compile every page type's template, and every template an engine that
    can list its templates (Jinja2) has: the pages' includes too."""
    for page in pages:
        page.warm()
    for engine in engines.all():
        env = getattr(engine, "env", None)  # Django's Jinja2 backend
        if env is not None and hasattr(env, "list_templates"):
            for name in env.list_templates():
                env.get_template(name)


def _child(
    root: Path,
    site: Site,
    units: list[Unit],
    by_name: dict[str, Page],
    shared: _SharedQueue,
    results: Any,
) -> None:
    die_with_parent()
    try:
        result = RenderResult()
        with consistent_reads(), FileWriter(root) as writer:
            _render_units(units, by_name, iter(shared), site, writer, result, shared.count_page)
            writer.close()
            result.bytes = writer.bytes_written
        results.put(("done", result))
    except BaseException as exc:  # reported to the parent, which fails the build
        shared.failed.value = 1
        results.put(("error", str(exc)))
        raise SystemExit(1) from None
    finally:
        connections.close_all()


def _render_parallel(
    root: Path,
    site: Site,
    units: list[Unit],
    by_name: dict[str, Page],
    jobs: int,
    progress: Callable[[int], None] | None,
) -> RenderResult:
    # Compile the templates and freeze what exists now in this process, so
    # the workers inherit both: no worker compiles a template again, and
    # their collections never walk (and so never copy) the parent's objects.
    warm_templates(by_name.values())
    gc.collect()
    gc.freeze()
    mp = multiprocessing.get_context("fork")
    shared = _SharedQueue(mp, len(units))
    results = mp.Queue()
    # Children must not share the parent's database connection.
    connections.close_all()
    children = [
        mp.Process(target=_child, args=(root, site, units, by_name, shared, results), daemon=True)
        for _ in range(jobs - 1)
    ]
    for child in children:
        child.start()
    total = RenderResult()
    seen = 0

    def report(_n: int = 0) -> None:
        nonlocal seen
        if progress is not None:
            now = shared.pages.value
            if now > seen:
                progress(now - seen)
                seen = now

    try:
        # The parent works too: one process fewer to hold Django in memory.
        mine = RenderResult()
        with consistent_reads(), FileWriter(root) as writer:
            claims = iter(shared)
            _render_units(units, by_name, claims, site, writer, mine, _counting(shared, report))
            writer.close()
            mine.bytes = writer.bytes_written
        connections.close_all()
        _merge(total, mine)
        errors = _collect(children, results, total, report)
    except BaseException:
        shared.failed.value = 1
        for child in children:
            child.terminate()
        for child in children:
            child.join()
        raise
    report()
    if errors:
        raise RenderError(errors[0])
    return total


def _counting(shared: _SharedQueue, report: Callable[[int], None]) -> Callable[[int], None]:
    def count(n: int) -> None:
        shared.count_page(n)
        report()

    return count


def _collect(children: list, results: Any, total: RenderResult, report: Callable) -> list[str]:
    errors: list[str] = []
    pending = len(children)
    while pending:
        try:
            kind, payload = results.get(timeout=0.2)
        except queue.Empty:
            report()
            if not any(child.is_alive() for child in children) and results.empty():
                break
            continue
        pending -= 1
        if kind == "done":
            _merge(total, payload)
        else:
            errors.append(payload)
    for child in children:
        child.join()
        if child.exitcode not in (0, 1) and not errors:
            errors.append(f"a render worker died (exit code {child.exitcode})")
    if pending and not errors:
        errors.append("a render worker stopped without reporting")
    return errors


def _merge(total: RenderResult, part: RenderResult) -> None:
    total.pages += part.pages
    total.bytes += part.bytes
    for name, count in part.by_type.items():
        total.by_type[name] = total.by_type.get(name, 0) + count
