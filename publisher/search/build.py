"""The whole index of a build: planned before its render (shards linked
from the live release), written after it, shard by shard on every core."""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from publisher import forked
from publisher.pages.base import Site
from publisher.pages.detail import DetailPage
from publisher.search.archive import LOOSE, write_archive
from publisher.search.folders import (
    SEARCH_DIR,
    SearchError,
    SearchResult,
    files_under,
    index_into,
    link_same,
    read_shards,
    write_shards_file,
)
from publisher.search.shards import records
from publisher.search.spool import Spool
from publisher.search.stamps import shard_stamp, stamp_shards


@dataclass
class IndexPlan:
    """What a build indexes, decided before its render: the shards (newest
    first), those linked from the live release (their states) and those to
    index, with their stamps; ``spool`` keeps the records of the latter as
    the render reads their rows (``Site.spool``)."""

    base: Path
    by_shard: dict[str, list[DetailPage]]
    shards: list[str]
    states: dict[str, dict]
    todo: list[tuple[str, str | None]]
    spool: Spool
    # No render filled the spool: the records are made from the rows.
    from_rows: bool = False
    # A first build (nothing to reuse): the shards are those the render
    # spooled, each stamped by its indexer.
    first: bool = False
    # The live release, whose archive a build links if it is the same.
    previous: Path | None = None


def plan_index(
    root: Path, site: Site, previous: Path | None = None, spooled: bool = True
) -> IndexPlan:
    """Before a build's render: stamp every shard (from the rows, no record
    built) and hard-link from ``previous`` (the live release) each shard
    whose stamp is the same there. Stamped before the render reads the rows:
    an edit committed in between leaves a stamp older than the index, so
    the next build indexes the shard again rather than keeping a stale one.

    With no index in ``previous`` (a first build) nothing is stamped now:
    the render spools every item, and each indexer stamps its own shard, on
    every core. A save committed during the build is published again into
    the new release once it is live (``queue.requeue_since``), which
    indexes its shard again with a new stamp."""
    base = root / SEARCH_DIR
    if spooled and (previous is None or not read_shards(previous)):
        spool = Spool(base / ".spool", None)
        return IndexPlan(base, {}, [], {}, [], spool, first=True, previous=previous)
    by_shard, stamps = stamp_shards(site)
    shards = sorted(by_shard, reverse=True)
    states: dict[str, dict] = {}
    todo: list[tuple[str, str]] = []
    for shard in shards:
        stamped = stamps[shard]
        old = previous / SEARCH_DIR / shard if previous is not None else None
        state = link_same(old, base / shard, stamped) if old is not None else None
        if state is None:
            todo.append((shard, stamped))
        else:
            states[shard] = state
    spool = Spool(base / ".spool", [shard for shard, _ in todo])
    return IndexPlan(base, by_shard, shards, states, todo, spool, previous=previous)


def write_index(
    root: Path,
    site: Site,
    previous: Path | None = None,
    jobs: int = 1,
    plan: IndexPlan | None = None,
) -> SearchResult:
    """The whole index into a new release (a full build): the shards
    ``plan_index`` did not link are indexed, ``jobs`` at a time, each in its
    own process, from the records the render spooled (with a ``plan`` whose
    spool a render filled) or from the rows."""
    if plan is None:
        plan = plan_index(root, site, previous, spooled=False)
        plan.from_rows = True
    if plan.first:
        plan.shards = sorted(plan.spool.spooled(), reverse=True)
        plan.todo = [(shard, None) for shard in plan.shards]
    result = SearchResult()
    states = dict(plan.states)
    for state in _index_shards(plan, site, jobs):
        states[state["name"]] = state
    listed = [states[shard] for shard in plan.shards if states[shard]["version"]]
    # The old shards merged into the archive (oldest first), the newest listed.
    archive = write_archive(plan.base, listed[LOOSE:][::-1], plan.previous)
    write_shards_file(plan.base, listed[:LOOSE], archive)
    result.shards = len(plan.shards)
    result.records = sum(state["records"] for state in states.values())
    result.written = files_under(plan.base, root)
    return result


def _index_shards(plan: IndexPlan, site: Site, jobs: int) -> Iterator[dict]:
    """Index the plan's shards to do into its folder, on ``jobs`` processes
    (this one too), the biggest first (the last to finish is a small one);
    yields each one's state."""
    todo = plan.todo
    if not plan.from_rows:
        todo = sorted(todo, key=lambda job: -plan.spool.size(job[0]))
    # What exists now lives as long as the indexing: the collections that
    # free each batch of rows (keyset.stream) need not walk it every time,
    # and forked indexers never copy it by walking it.
    gc.collect()
    gc.freeze()
    try:
        work = functools.partial(_index_job, plan, site)
        yield from forked.share_out(todo, work, min(jobs, len(todo)))
    except forked.WorkerError as exc:
        raise SearchError(str(exc)) from exc
    finally:
        gc.unfreeze()


def _index_job(plan: IndexPlan, site: Site, job: tuple[str, str | None]) -> dict:
    shard, stamped = job
    try:
        if stamped is None:  # a first build's: stamped here, on every core
            stamped = shard_stamp(site, shard)
        if plan.from_rows:
            found = records(site, shard, plan.by_shard[shard])
        else:
            found = plan.spool.records(shard)
        # Nothing serves the new release yet, and a build that stops
        # discards it: its shard files are written as they are, not each to
        # a name of its own first (a shard with a folder here was linked,
        # never indexed again).
        return index_into(plan.base, shard, stamped, found, fresh=True)
    except Exception as exc:
        raise SearchError(f"search index of {shard}: {exc}") from exc
