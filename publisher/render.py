"""Rendering pages to files: the same code for a full build and for a handful.

``render_pages`` walks page types in registry order (pages that others link
to first) and streams every page of each type from ``Page.contexts()``:
batched querysets in, bytes out to a background writer. Nothing holds the
whole site in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from publisher.files import FileWriter
from publisher.pages import REGISTRY, Page, Site, file_path


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


def page_total(site: Site, pages: Iterable[Page] = REGISTRY) -> int:
    return sum(page.count(site) for page in pages)


def render_pages(
    root: Path,
    site: Site,
    pages: Iterable[Page] = REGISTRY,
    progress: Callable[[int], None] | None = None,
) -> RenderResult:
    """Render every page of ``pages`` into ``root``; raises RenderError on the first failure."""
    result = RenderResult()
    with FileWriter(root) as writer:
        for page in pages:
            done = 0
            for params, context in _contexts(page, site):
                url = page.url(params)
                try:
                    body = page.render(site, params, context)
                    relative = file_path(url)
                except Exception as exc:
                    raise RenderError(f"{url} ({page.name}): {exc}") from exc
                writer.write(relative, body)
                done += 1
                if progress is not None:
                    progress(1)
            result.by_type[page.name] = done
            result.pages += done
        writer.close()
        result.bytes = writer.bytes_written
    return result


def _contexts(page: Page, site: Site) -> Iterator[tuple[dict, dict]]:
    iterator = page.contexts(site)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise RenderError(f"{page.name} pages: {exc}") from exc
