"""Reader search: index files of the live items, written with the pages.

Readers search in their browser against static files (``/search/``), so the
site stays flat. What is indexed is declared by the page types: every
``DetailPage`` with ``searchable = True`` gives a ``search_record`` for each
live item (the same ``queryset`` its pages show, so a draft, an embargoed,
unpublished or deleted item is never in it). Lists, archives and fronts are
never indexed.

The index is cut into shards by publish time (``PUBLISHER_SEARCH_SHARD``:
year, quarter or month, in the newsroom's time zone). Publishing re-indexes
only the shards its changes touch; a build indexes the shards on every core
(one process a shard at a time, so memory follows the shard, not the
archive) and links from the live release every shard nothing changed in.
The format is ``publisher.searchindex``'s; the browser reads it with
``publisher/static/publisher/search-index.js``. Under the release::

    search/index/shards.json            the shards, newest first, and where
                                        each one's files are (revalidated)
    search/index/<shard>/<version>/…    one shard's files, in a folder named
                                        by their content (cached for good)
    search/index/<shard>/.shard.json    not served: what the shard indexed

A re-indexed shard is a new folder: its files go in first, ``shards.json``
that names it next, and the old folder last. An unpublished item's text
leaves the index in the same publish that takes its page down (a reader
whose search began a moment before finds the old folder gone; the script
then reads ``shards.json`` again).
"""

from __future__ import annotations

import functools
import gc
import glob
import hashlib
import inspect
import json
import os
import pickle
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from publisher import forked, searchindex
from publisher.files import write_atomic, write_file
from publisher.pages.base import Change, Site, views_of
from publisher.pages.detail import DetailPage
from publisher.pages.registry import registry

SEARCH_DIR = "search/index"
SHARDS_FILE = "shards.json"
# Not served (a dot file): where a shard's files are and what it indexed.
SHARD_STATE = ".shard.json"


class SearchError(RuntimeError):
    """The search index could not be written; the message says why."""


@dataclass
class SearchResult:
    shards: int = 0
    records: int = 0
    written: list[str] = field(default_factory=list)  # paths relative to the release
    removed: list[str] = field(default_factory=list)


def enabled() -> bool:
    return settings.PUBLISHER_SEARCH


def searchable_pages() -> list[DetailPage]:
    return [page for page in registry().pages if isinstance(page, DetailPage) and page.searchable]


# -- Shards ---------------------------------------------------------------------


def shard_of(moment: datetime) -> str:
    """The shard of an item published at ``moment``: ``2026``, ``2026-q4`` or ``2026-11``."""
    local = timezone.localtime(moment)
    period = settings.PUBLISHER_SEARCH_SHARD
    if period == "year":
        return f"{local.year:04d}"
    if period == "quarter":
        return f"{local.year:04d}-q{(local.month - 1) // 3 + 1}"
    return f"{local.year:04d}-{local.month:02d}"


def shard_span(name: str) -> tuple[datetime, datetime]:
    """The publish times [start, end) of a shard, in the newsroom's time zone."""
    year = int(name[:4])
    if len(name) == 4:
        first, months = 1, 12
    elif name[5] == "q":
        first, months = (int(name[6]) - 1) * 3 + 1, 3
    else:
        first, months = int(name[5:7]), 1
    after = first + months
    start = timezone.make_aware(datetime(year, first, 1))
    end = timezone.make_aware(datetime(year + (after - 1) // 12, (after - 1) % 12 + 1, 1))
    return start, end


def site_shards(site: Site) -> list[str]:
    """Every shard that holds a live item, newest first."""
    return sorted(_stamp_shards(site)[0], reverse=True)


def _stamp_shards(site: Site) -> tuple[dict[str, list[DetailPage]], dict[str, str]]:
    """The searchable page types with a live item in each shard, and each
    shard's stamp (``shard_stamp``, the same digest): a query per kind for
    the span of its items, then its stamp's rows in each shard of that span
    (none: the kind has no item there, and a build asks nothing more of it)."""
    code = _code_version().encode()
    found: dict[str, list[DetailPage]] = {}
    digests: dict[str, Any] = {}
    for page in searchable_pages():
        span = page.model.objects.published(site.now).aggregate(
            first=Min("publish_at"), last=Max("publish_at")
        )
        if span["first"] is None:
            continue
        for shard in _shards_between(span["first"], span["last"]):
            if _stamp_kind(page, site, shard, digests, code):
                found.setdefault(shard, []).append(page)
    return found, {shard: digest.hexdigest() for shard, digest in digests.items()}


def _stamp_kind(page: DetailPage, site: Site, shard: str, digests: dict, code: bytes) -> bool:
    """Add a kind's rows in a shard to the shard's stamp (``digests[shard]``,
    begun at its first row); whether the kind has any there."""
    start, end = shard_span(shard)
    marker = f"\0{page.name}\0".encode()
    for row in page.search_fingerprint(site, start, end):
        if marker:  # the kind's first row in the shard
            digest = digests.get(shard) or digests.setdefault(shard, hashlib.sha256(code))
        digest.update(marker + repr(row).encode())
        marker = b""
    return not marker


def _shards_between(first: datetime, last: datetime) -> Iterator[str]:
    """The shards from the one holding ``first`` to the one holding ``last``."""
    shard, final = shard_of(first), shard_of(last)
    while shard <= final:
        yield shard
        shard = shard_of(shard_span(shard)[1])


def affected_shards(site: Site, changes: Iterable[Change]) -> set[str]:
    """The shards that held or hold what readers saw or see of these changes."""
    kinds = [page.kind for page in searchable_pages()]
    if not kinds:
        return set()
    return {shard_of(view.publish_at) for view in views_of(site, changes, *kinds)}


def records(
    site: Site, shard: str, pages: list[DetailPage] | None = None
) -> Iterator[searchindex.Record]:
    """The records of one shard: every searchable kind's live items published
    in its span, in a fixed order (kinds in registry order, newest first).
    ``pages``: only these kinds (those with items in the shard)."""
    start, end = shard_span(shard)
    for page in searchable_pages() if pages is None else pages:
        for item in page.search_items(site, start, end):
            yield page.search_record(site, item)


# -- Writing --------------------------------------------------------------------


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
        return IndexPlan(base, {}, [], {}, [], Spool(base / ".spool", None), first=True)
    by_shard, stamps = _stamp_shards(site)
    shards = sorted(by_shard, reverse=True)
    states: dict[str, dict] = {}
    todo: list[tuple[str, str]] = []
    for shard in shards:
        stamped = stamps[shard]
        old = previous / SEARCH_DIR / shard if previous is not None else None
        state = _link_same(old, base / shard, stamped) if old is not None else None
        if state is None:
            todo.append((shard, stamped))
        else:
            states[shard] = state
    spool = Spool(base / ".spool", [shard for shard, _ in todo])
    return IndexPlan(base, by_shard, shards, states, todo, spool)


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
    _write_shards_file(plan.base, [states[shard] for shard in plan.shards])
    result.shards = len(plan.shards)
    result.records = sum(state["records"] for state in states.values())
    result.written = _files_under(plan.base, root)
    return result


class Spool:
    """The records of the shards a build indexes, made as its render reads
    each item's row (``Site.spool``), kept in files under ``directory`` (a
    dot folder in the release: never served), one per shard and process,
    and read back by the indexers (in any order: a shard's files are
    written in the order of its records' dates and URLs). A record is
    pickled as a plain tuple (the cheapest to write and to read back) into
    a buffer of bytes, written out whenever it holds BUFFER bytes: nothing
    of a record stays in the render's memory. The buffers are this
    process's: a forked render worker starts with none (what it inherited
    is its parent's to write)."""

    BUFFER = 64 * 1024

    def __init__(self, directory: Path, shards: Iterable[str] | None) -> None:
        self.directory = directory
        # None: every shard (a first build).
        self.shards = None if shards is None else set(shards)
        self._buffers: dict[str, bytearray] = {}
        self._pid = 0
        # The span of the last item's shard: items come in date order, so
        # most are in the same one (no time-zone conversion for them).
        self._span: tuple[datetime, datetime, str] | None = None

    def __call__(self, page: DetailPage, site: Site, item: Any) -> None:
        if self.shards is not None and not self.shards:  # the nightly build: all reused
            return
        shard = self._shard_of(item.publish_at)
        if self.shards is not None and shard not in self.shards:
            return
        if self._pid != os.getpid():
            self._buffers, self._pid = {}, os.getpid()
        buffer = self._buffers.get(shard)
        if buffer is None:
            buffer = self._buffers[shard] = bytearray()
        buffer += pickle.dumps(tuple(page.search_record(site, item)), pickle.HIGHEST_PROTOCOL)
        if len(buffer) >= self.BUFFER:
            self._write(shard, buffer)

    def _shard_of(self, moment: datetime) -> str:
        span = self._span
        if span is None or not span[0] <= moment < span[1]:
            shard = shard_of(moment)
            span = self._span = (*shard_span(shard), shard)
        return span[2]

    def flush(self) -> None:
        """Write out what this process holds (each render process, once its
        pages are done)."""
        if self._pid == os.getpid():
            for shard, buffer in self._buffers.items():
                if buffer:
                    self._write(shard, buffer)
        self._buffers = {}

    def _write(self, shard: str, buffer: bytearray) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / f"{shard}.{self._pid}", "ab") as out:
            out.write(buffer)
        buffer.clear()

    def spooled(self) -> set[str]:
        """The shards the render spooled records of."""
        if not self.directory.is_dir():
            return set()
        return {path.name.rsplit(".", 1)[0] for path in self.directory.iterdir()}

    def records(self, shard: str) -> Iterator[searchindex.Record]:
        for path in self._files(shard):
            with path.open("rb") as spooled:
                while True:
                    try:
                        record = pickle.load(spooled)  # noqa: S301 (this build's own files)
                    except EOFError:
                        break
                    yield searchindex.Record._make(record)

    def size(self, shard: str) -> int:
        """The bytes spooled of a shard (how much work indexing it is)."""
        return sum(path.stat().st_size for path in self._files(shard))

    def _files(self, shard: str) -> list[Path]:
        return sorted(self.directory.glob(f"{glob.escape(shard)}.*"))

    def close(self) -> None:
        """Stop spooling and remove what was spooled."""
        self._buffers = {}
        self.shards = set()
        shutil.rmtree(self.directory, ignore_errors=True)


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
        return _index_into(plan.base, shard, stamped, found, fresh=True)
    except Exception as exc:
        raise SearchError(f"search index of {shard}: {exc}") from exc


def _index_into(
    base: Path,
    shard: str,
    stamped: str,
    found: Iterable[searchindex.Record],
    fresh: bool = False,
) -> dict:
    """Index one shard into its folder under ``base``: the text files not
    there yet, then a new version folder (unless one with the same content
    is there). Returns its state (what ``shards.json`` and the next build
    read of it). ``fresh``: the folder is new, in a release nothing serves."""
    index = searchindex.index_shard(found)
    if not index.records:  # nothing live in it: no files
        return {"name": shard, "version": None, "stamp": stamped, "records": 0}
    version = index.version
    target = base / shard
    if fresh:
        for name, data in index.texts.items():
            write_file(target / name, data)
        for name, data in index.files.items():
            write_file(target / version / name, data)
    else:
        _write_served(target, version, index)
    state = {
        "name": shard,
        "version": version,
        "stamp": stamped,
        "records": index.records,
        "buckets": index.buckets,
        "files": sorted(index.files),
        "texts": sorted(index.texts),
    }
    write_atomic(target / SHARD_STATE, json.dumps(state, sort_keys=True).encode())
    return state


def _write_served(target: Path, version: str, index: searchindex.Shard) -> None:
    """Write a shard's new files into a folder readers may be reading: each
    text file whole under its name, the version folder whole, then renamed."""
    target.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(index.texts.items()):
        if not (target / name).is_file():  # named by content: one there is the same
            write_atomic(target / name, data)
    if not (target / version).is_dir():
        scratch = target / f".new-{version}-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        try:
            for name, data in sorted(index.files.items()):
                (scratch / name).write_bytes(data)
            os.replace(scratch, target / version)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _served(state: dict) -> list[str]:
    """A shard's files, relative to its folder (none known: ``shards.json``
    names a folder its state does not, after a publish that stopped
    half-way; the next one writes and pushes the whole shard again)."""
    version = state.get("version")
    return [*(f"{version}/{name}" for name in state.get("files", ())), *state.get("texts", ())]


def _files_under(base: Path, root: Path) -> list[str]:
    """Every file under ``base`` (dot files too), relative to ``root``, sorted."""
    if not base.is_dir():
        return []
    prefix = base.relative_to(root).as_posix()
    found = []
    for directory, _dirs, files in os.walk(base):
        relative = os.path.relpath(directory, base)
        at = prefix if relative == "." else f"{prefix}/{Path(relative).as_posix()}"
        found.extend(f"{at}/{name}" for name in files)
    return sorted(found)


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
    for shard in sorted(shards):
        # Stamped before the rows are read: an edit committed in between
        # leaves a stamp older than the index, so the next build indexes the
        # shard again rather than keeping a stale one.
        stamped = shard_stamp(site, shard)
        state = _index_into(base, shard, stamped, records(site, shard))
        result.records += state["records"]
        if not state["records"]:
            listed.pop(shard, None)
            continue
        old = set(_served(before[shard])) if shard in before else set()
        result.written += [
            f"{SEARCH_DIR}/{shard}/{name}" for name in _served(state) if name not in old
        ]
        listed[shard] = state
    result.shards = len(shards)
    if listed != before:
        _write_shards_file(base, [listed[name] for name in sorted(listed, reverse=True)])
        result.written.append(f"{SEARCH_DIR}/{SHARDS_FILE}")
    # Only once no list names them: the files replaced, and the shards left
    # with no live item.
    for shard in sorted(shards):
        keep = set(_served(listed[shard])) if shard in listed else set()
        result.removed += [
            f"{SEARCH_DIR}/{shard}/{name}" for name in _remove_old(base / shard, keep)
        ]
    return result


def read_shards(root: Path) -> list[dict]:
    """The shards ``shards.json`` lists (newest first), as the browser reads them."""
    try:
        listed = json.loads((root / SEARCH_DIR / SHARDS_FILE).read_text())["shards"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    states = []
    for entry in listed:
        state = _read_state(root / SEARCH_DIR / entry["name"])
        states.append(state if state.get("version") == entry.get("version") else entry)
    return states


def _write_shards_file(base: Path, states: list[dict]) -> None:
    """What the browser reads first: each shard's folder and bucket count."""
    shards = [
        {
            "name": state["name"],
            "version": state["version"],
            "records": state["records"],
            "buckets": state["buckets"],
        }
        for state in states
    ]
    manifest = {
        "format": searchindex.FORMAT,
        "prefix": searchindex.PREFIX,
        "group": searchindex.GROUP,
        "stopwords": sorted(searchindex.STOPWORDS),
        "shards": shards,
    }
    body = json.dumps(manifest, separators=(",", ":"), sort_keys=True)
    write_atomic(base / SHARDS_FILE, body.encode())


def _link_same(old: Path, target: Path, stamped: str) -> dict | None:
    """Hard-link the shard ``old`` into ``target`` if its stamp is ``stamped``;
    returns its state (None: not linked)."""
    state = _read_state(old)
    if not state.get("version") or state.get("stamp") != stamped:
        return None
    served = _served(state)
    if not all((old / name).is_file() for name in served):
        return None
    for name in served:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old / name, target / name)
        except OSError:  # another filesystem
            shutil.copy2(old / name, target / name)
    write_atomic(target / SHARD_STATE, json.dumps(state, sort_keys=True).encode())
    return state


def _read_state(target: Path) -> dict:
    try:
        return json.loads((target / SHARD_STATE).read_text())
    except (OSError, ValueError):
        return {}


def _remove_old(target: Path, keep: set[str]) -> list[str]:
    """Remove a shard's served files but ``keep`` (relative to its folder;
    none kept: the whole shard goes). Returns the files removed."""
    if not target.is_dir():
        return []
    removed = []
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target).as_posix()
        if path.is_file() and not relative.startswith(".") and relative not in keep:
            path.unlink()
            removed.append(relative)
    for folder in sorted(target.iterdir()):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    if not keep:
        shutil.rmtree(target)
    return removed


def shard_stamp(site: Site, shard: str) -> str:
    """A digest of what decides a shard's records, read from the rows without
    building a record: each live item's id, ``updated_at`` and its page's
    ``search_depends`` (a byline's names, a section's), plus the code that
    makes records and the format that indexes them. A build reuses a shard
    by it (``_stamp_shards`` computes the same for every shard at once).

    Every save stamps ``updated_at`` (``auto_now``); a bulk ``update()`` of
    indexed fields must stamp it too (or change this code) for the next
    build to see the change."""
    code = _code_version().encode()
    digests: dict[str, Any] = {}
    for page in searchable_pages():  # a kind with no item in the shard adds nothing
        _stamp_kind(page, site, shard, digests, code)
    return digests.get(shard, hashlib.sha256(code)).hexdigest()


def _code_version() -> str:
    """What else decides the records: the format that indexes them, the
    time zone that dates them, the kinds' labels and the source of the code
    that makes them (a change re-indexes every shard once)."""
    labels = [
        f"{page.name}:{page.kind}:{page.registry.kinds[page.kind].label}"
        for page in searchable_pages()
    ]
    kinds = tuple(type(page) for page in searchable_pages())
    return "\0".join([str(searchindex.FORMAT), settings.TIME_ZONE, *labels, _source_of(kinds)])


@functools.cache
def _source_of(kinds: tuple[type, ...]) -> str:
    modules = {searchindex, inspect.getmodule(DetailPage)}
    modules.update(inspect.getmodule(cls) for kind in kinds for cls in kind.__mro__)
    parts = []
    for module in sorted((m for m in modules if m is not None), key=lambda m: m.__name__):
        try:
            parts.append(inspect.getsource(module))
        except (OSError, TypeError):  # no source (builtins, a frozen build): its name
            parts.append(module.__name__)
    return "\0".join(parts)
