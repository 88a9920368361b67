"""A publish re-indexes, in the live release, only the shards its changes touch."""

from __future__ import annotations

from pathlib import Path

from publisher.pages.base import Change, Site
from publisher.search.archive import read_archive
from publisher.search.folders import (
    SEARCH_DIR,
    SHARDS_FILE,
    SearchResult,
    index_into,
    read_shards,
    remove_old,
    served_files,
    write_shards_file,
)
from publisher.search.shards import affected_shards, records
from publisher.search.stamps import shard_stamp


def reindex(root: Path, site: Site, changes: list[Change]) -> SearchResult:
    """Re-index, in the live release, only the shards these changes touch.
    Returns the files written and removed (for the S3 push)."""
    result = SearchResult()
    base = root / SEARCH_DIR
    shards = affected_shards(site, changes)
    if not shards:
        return result
    listed = {state["name"]: state for state in read_shards(root)}
    before = dict(listed)
    archive = read_archive(root)
    # The shards of the archive, as it holds them: one listed beside it
    # replaces its part of it (with no version: nothing is left of it).
    held = archive["shards"] if archive else {}
    indexed: dict[str, dict] = {}
    for shard in sorted(shards):
        # Stamped before the rows are read: an edit committed in between
        # leaves a stamp older than the index, so the next build indexes the
        # shard again rather than keeping a stale one.
        stamped = shard_stamp(site, shard)
        state = indexed[shard] = index_into(base, shard, stamped, records(site, shard))
        result.records += state["records"]
        if not state["records"]:
            if shard in held:
                listed[shard] = {"name": shard, "version": None, "records": 0, "buckets": 0}
            else:
                listed.pop(shard, None)
            continue
        old = set(served_files(before[shard])) if shard in before else set()
        result.written += [
            f"{SEARCH_DIR}/{shard}/{name}" for name in served_files(state) if name not in old
        ]
        if held.get(shard) == state["version"]:  # as the archive holds it
            listed.pop(shard, None)
        else:
            listed[shard] = state
    result.shards = len(shards)
    if listed != before:
        write_shards_file(base, [listed[name] for name in sorted(listed, reverse=True)], archive)
        result.written.append(f"{SEARCH_DIR}/{SHARDS_FILE}")
    # Only once no list names them: the files replaced, and the shards left
    # with no live item (the archive's own links to a shard's text files
    # stay).
    for shard in sorted(shards):
        state = indexed[shard]
        keep = set(served_files(state)) if state["records"] else set()
        result.removed += [
            f"{SEARCH_DIR}/{shard}/{name}" for name in remove_old(base / shard, keep)
        ]
    return result
