"""Reader search: Pagefind indexes of the live items, written with the pages.

Readers search in their browser against static files (``/search/``), so the
site stays flat. What is indexed is declared by the page types: every
``DetailPage`` with ``searchable = True`` gives a ``search_record`` for each
live item (the same ``queryset`` its pages show, so a draft, an embargoed,
unpublished or deleted item is never in it). Lists, archives and fronts are
never indexed.

The index is cut into shards by publish time (``PUBLISHER_SEARCH_SHARD``:
year, quarter or month, in the newsroom's time zone). Publishing re-indexes
only the shards its changes touch, and one Pagefind process holds one shard
at a time, so memory follows the shard, not the archive. The browser merges
the shards (Pagefind's ``mergeIndex``). Under the release::

    search/pagefind/pagefind.js, pagefind-worker.js, wasm.en.pagefind
                                        the search code, loaded once
    search/pagefind/pagefind-entry.json, *.pf_meta, index/, fragment/
                                        the primary index: one wordless record
                                        (Pagefind needs one to load its code)
    search/pagefind/shards.json         the shards to merge, newest first
    search/pagefind/<shard>/…           one shard: entry, meta, index/,
                                        fragment/, filter/

Pagefind names its data files by their content, so a re-indexed shard
shares most files with the one before: new files go in first,
``pagefind-entry.json`` (and ``shards.json``), which name them, next, and
the files no longer named go at once. An unpublished item's text leaves the
index in the same publish that takes its page down (a reader whose search
began a moment before may miss that one shard; searching again finds it).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import inspect
import json
import os
import shutil
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from publisher import pagefind
from publisher.files import write_atomic
from publisher.pages.base import Change, Site, views_of
from publisher.pages.detail import DetailPage
from publisher.pages.registry import registry

SEARCH_DIR = "search/pagefind"
SHARDS_FILE = "shards.json"
ENTRY = "pagefind-entry.json"
# Not served (a dot file): a shard's files and the stamp of what it indexed.
SHARD_STATE = ".shard.json"
PRIMARY_STATE = ".primary.json"  # the same for the primary index
# What the browser needs of Pagefind's output: its code in the primary
# index only (merged indexes share it), the data everywhere. The UI bundles
# are not used: /search/ has its own page.
CODE_FILES = ("pagefind.js", "pagefind-worker.js", f"wasm.{pagefind.LANGUAGE}.pagefind")
DATA_DIRS = ("index", "fragment", "filter")
DATA_SUFFIXES = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter")  # gzipped
PRIMARY_URL = "/search/"
PRIMARY_WORD = "_"


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


def _executable() -> str:
    return pagefind.binary(settings.PUBLISHER_PAGEFIND)


def _pagefind_version() -> str:
    return _version_of(_executable())


@functools.cache
def _version_of(executable: str) -> str:
    return pagefind.version(executable)


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
    """Every shard that holds a live item, newest first (one query per kind)."""
    return sorted(_pages_by_shard(site), reverse=True)


def _pages_by_shard(site: Site) -> dict[str, list[DetailPage]]:
    """The searchable page types with a live item in each shard (a build
    asks nothing of a kind about a shard where it has none)."""
    found: dict[str, list[DetailPage]] = {}
    for page in searchable_pages():
        months = page.model.objects.published(site.now).dates("publish_at", "month")
        shards = {shard_of(timezone.make_aware(datetime(m.year, m.month, 15))) for m in months}
        for shard in shards:
            found.setdefault(shard, []).append(page)
    return found


def affected_shards(site: Site, changes: Iterable[Change]) -> set[str]:
    """The shards that held or hold what readers saw or see of these changes."""
    kinds = [page.kind for page in searchable_pages()]
    if not kinds:
        return set()
    return {shard_of(view.publish_at) for view in views_of(site, changes, *kinds)}


def records(site: Site, shard: str, pages: list[DetailPage] | None = None) -> Iterator[dict]:
    """The Pagefind records of one shard: every searchable kind's live items
    published in its span, in a fixed order (kinds in registry order, newest
    first). ``pages``: only these kinds (those with items in the shard)."""
    start, end = shard_span(shard)
    for page in searchable_pages() if pages is None else pages:
        for item in page.search_items(site, start, end):
            yield page.search_record(site, item).payload()


# -- Writing --------------------------------------------------------------------


def write_index(root: Path, site: Site, previous: Path | None = None) -> SearchResult:
    """The whole index into a new release (a full build): the primary and
    every shard. A shard whose stamp (``shard_stamp``: read from the rows,
    no record built) is that of the same shard in ``previous`` (the live
    release) is linked from there instead of indexed again.

    The others are indexed two at a time in a pipeline: while one Pagefind
    process writes its shard (Pagefind's own work, most of the cost), this
    process reads the next shard's rows and streams them to the next one.
    Never two writing at once: a writing Pagefind holds its whole shard (about
    100 MB for 1,100 items), one being fed about a quarter of that."""
    result = SearchResult()
    base = root / SEARCH_DIR
    if previous is None or not _link_primary(previous / SEARCH_DIR, base):
        _write_primary(base)
    by_shard = _pages_by_shard(site)
    shards = sorted(by_shard, reverse=True)
    # What exists now lives as long as the indexing: the collections that
    # free each batch of rows (keyset.stream) need not walk it every time.
    gc.collect()
    gc.freeze()
    try:
        with _Pipeline(base) as pipeline:
            for shard in shards:
                stamped = shard_stamp(site, shard, by_shard[shard])
                old = previous / SEARCH_DIR / shard if previous is not None else None
                reused = _link_same(old, base / shard, stamped) if old is not None else None
                if reused is not None:
                    result.records += reused
                    continue
                index = pipeline.start()
                for payload in records(site, shard, by_shard[shard]):
                    index.add(payload)
                result.records += index.records
                pipeline.write(index, shard, stamped)
    finally:
        gc.unfreeze()
    _write_shards_file(base, shards)
    result.shards = len(shards)
    result.written = _files_under(base, root)
    return result


class _Pipeline:
    """Pagefind processes fed by the caller and written, in order, on one
    background thread: at most one writing and one being fed. Any failure
    stops the lot (every process is closed) and is raised."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pagefind-write")
        self._pending: Future | None = None
        self._open: list[pagefind.Pagefind] = []

    def start(self) -> pagefind.Pagefind:
        index = pagefind.Pagefind(_executable())
        self._open.append(index)
        return index

    def write(self, index: pagefind.Pagefind, shard: str, stamped: str) -> None:
        """Write the fed ``index`` as ``shard`` once the one before it is in place."""
        self._wait()
        self._pending = self._executor.submit(self._write, index, shard, stamped)

    def _write(self, index: pagefind.Pagefind, shard: str, stamped: str) -> None:
        try:
            with _scratch(self.base, shard) as scratch:
                index.write(scratch)
                _wait_for_entry(scratch)
                index.close()
                _place_new_shard(self.base / shard, scratch, stamped)
        finally:
            index.close()
            self._open.remove(index)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __enter__(self) -> _Pipeline:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self._wait()
        finally:
            for index in list(self._open):  # a failure: stop what still runs
                index.close()
            self._executor.shutdown(wait=True)


def _place_new_shard(target: Path, scratch: Path, stamped: str) -> None:
    """Move a shard Pagefind wrote into ``scratch`` to ``target`` in a release
    being built (where it is not yet): its data directories whole, by rename."""
    target.mkdir(parents=True)
    new = _data_files(scratch)
    for name in {relative.split("/")[0] for relative in new}:
        os.replace(scratch / name, target / name)
    _write_state(target, stamped, new)


def _files_under(base: Path, root: Path) -> list[str]:
    """Every file under ``base`` (dot files too), relative to ``root``, sorted."""
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
    if not (base / ENTRY).is_file():
        # A release built before search (or with it off): start its index.
        _write_primary(base)
        result.written += [
            p.relative_to(root).as_posix() for p in sorted(base.rglob("*")) if p.is_file()
        ]
    listed = set(read_shards(root))
    emptied = []
    for shard in sorted(shards):
        # Stamped before the rows are read: an edit committed in between
        # leaves a stamp older than the index, so the next build indexes the
        # shard again rather than keeping a stale one.
        stamped = shard_stamp(site, shard)
        payloads = list(records(site, shard))
        result.records += len(payloads)
        if not payloads:
            listed.discard(shard)
            emptied.append(shard)
            continue
        written, removed = _write_shard(base, shard, payloads, stamped)
        result.written += [f"{SEARCH_DIR}/{shard}/{name}" for name in written]
        result.removed += [f"{SEARCH_DIR}/{shard}/{name}" for name in removed]
        listed.add(shard)
    result.shards = len(shards)
    if listed != set(read_shards(root)):
        _write_shards_file(base, sorted(listed, reverse=True))
        result.written.append(f"{SEARCH_DIR}/{SHARDS_FILE}")
    # Only once no list names them: a shard left with no live item.
    for shard in emptied:
        result.removed += [f"{SEARCH_DIR}/{shard}/{name}" for name in _remove_shard(base / shard)]
    return result


def read_shards(root: Path) -> list[str]:
    try:
        return json.loads((root / SEARCH_DIR / SHARDS_FILE).read_text())["shards"]
    except (OSError, ValueError, KeyError):
        return []


def _write_shards_file(base: Path, shards: list[str]) -> None:
    body = json.dumps({"shards": shards}, separators=(",", ":")).encode()
    write_atomic(base / SHARDS_FILE, body)


def _write_primary(base: Path) -> None:
    """The index the browser loads first: Pagefind's code and one record with
    no word readers type (the page drops it), so merged shards share the code."""
    payload = {"url": PRIMARY_URL, "content": PRIMARY_WORD, "meta": {"title": "Search"}}
    with _scratch(base, "primary") as scratch:
        _run_pagefind([payload], scratch)
        files = [*CODE_FILES, *_data_files(scratch)]
        for relative in files:
            if relative != ENTRY:
                _move(scratch / relative, base / relative)
        _move(scratch / ENTRY, base / ENTRY)  # last: it names the rest
    state = {"pagefind": _pagefind_version(), "files": files}
    write_atomic(base / PRIMARY_STATE, json.dumps(state).encode())


def _link_primary(old: Path, base: Path) -> bool:
    """Hard-link the primary index of ``old`` (the live release) into ``base``
    if the same Pagefind wrote it: it holds nothing else."""
    state = _read_state(old, PRIMARY_STATE)
    files = state.get("files") or []
    if state.get("pagefind") != _pagefind_version() or ENTRY not in files:
        return False
    if not all((old / relative).is_file() for relative in files):
        return False
    _link_files(old, base, files)
    write_atomic(base / PRIMARY_STATE, json.dumps(state).encode())
    return True


def _run_pagefind(payloads: list[dict], output: Path) -> None:
    with pagefind.Pagefind(_executable()) as index:
        for payload in payloads:
            index.add(payload)
        index.write(output)
        _wait_for_entry(output)  # before the process is told to stop


# Pagefind 1.5.2 answers WriteFiles before its files have their bytes (it
# hands each write to a background thread and does not wait for it):
# closing its stdin at once (it then exits) left an empty entry now and then,
# and a shard with an empty entry breaks every search; a short
# pagefind-worker.js was seen too. Wait for a whole entry naming a meta file
# that is there, a fragment per page, every gzipped file whole (gzip ends
# with a length and a CRC), and no file growing between two looks.
ENTRY_WAIT = 30.0
SETTLE = 0.05  # seconds between two looks that must agree


def _wait_for_entry(output: Path) -> None:
    deadline = time.monotonic() + ENTRY_WAIT
    seen: dict[str, int] | None = None
    while True:
        sizes = _complete_sizes(output)
        if sizes is not None and sizes == seen:
            return
        seen = sizes
        if time.monotonic() > deadline:
            raise SearchError(
                f"pagefind wrote no complete index into {output} in {ENTRY_WAIT:.0f} s"
            )
        time.sleep(SETTLE)


def _complete_sizes(output: Path) -> dict[str, int] | None:
    """Every file's size if Pagefind's output looks whole, else None."""
    try:
        entry = json.loads((output / ENTRY).read_text())
        language = entry["languages"][pagefind.LANGUAGE]
        if not (output / f"pagefind.{language['hash']}.pf_meta").stat().st_size:
            return None
        fragments = output / "fragment"
        pages = len(os.listdir(fragments)) if fragments.is_dir() else 0
        if pages != language["page_count"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sizes = {}
    for directory, _dirs, files in os.walk(output):
        for name in files:
            path = os.path.join(directory, name)
            try:
                data = Path(path).read_bytes()
                if name.endswith(DATA_SUFFIXES):
                    gzipped = zlib.decompressobj(wbits=31)
                    gzipped.decompress(data)
                    if not gzipped.eof:  # cut short
                        return None
            except (OSError, zlib.error):
                return None
            if not data:
                return None
            sizes[path] = len(data)
    return sizes


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _write_shard(
    base: Path, shard: str, payloads: list[dict], stamped: str
) -> tuple[list[str], list[str]]:
    """Index one shard and put it in place: data files first (a name already
    there holds the same bytes: Pagefind names them by content), then the
    entry that names them, then the files it no longer names go.
    Returns the files written and removed, relative to the shard."""
    target = base / shard
    with _scratch(base, shard) as scratch:
        _run_pagefind(payloads, scratch)
        new = _data_files(scratch)
        written = []
        for relative in new:
            if relative != ENTRY and not (target / relative).exists():
                _move(scratch / relative, target / relative)
                written.append(relative)
        body = (scratch / ENTRY).read_bytes()
    entry = target / ENTRY
    if not entry.is_file() or entry.read_bytes() != body:
        write_atomic(entry, body)
        written.append(ENTRY)
    keep = {*new, SHARD_STATE}
    removed = []
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target).as_posix()
        if path.is_file() and relative not in keep:
            path.unlink()
            removed.append(relative)
    _write_state(target, stamped, new)
    return written, removed


def _write_state(target: Path, stamped: str, files: list[str]) -> None:
    records = sum(1 for name in files if name.startswith("fragment/"))
    state = {"stamp": stamped, "records": records, "files": files}
    write_atomic(target / SHARD_STATE, json.dumps(state).encode())


def _link_same(old: Path, target: Path, stamped: str) -> int | None:
    """Hard-link the shard ``old`` into ``target`` if its stamp is ``stamped``;
    returns how many records it holds (None: not linked)."""
    state = _read_state(old)
    files = state.get("files") or []
    if not files or state.get("stamp") != stamped:
        return None
    if not all((old / relative).is_file() for relative in files):
        return None
    _link_files(old, target, files)
    write_atomic(target / SHARD_STATE, json.dumps(state).encode())
    return int(state.get("records", 0))


def _link_files(old: Path, target: Path, files: list[str]) -> None:
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old / relative, destination)
        except OSError:  # another filesystem
            shutil.copy2(old / relative, destination)


def _data_files(directory: Path) -> list[str]:
    """What a shard serves of Pagefind's output (not its code nor its UI)."""
    files = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and (
            relative == ENTRY
            or relative.endswith(".pf_meta")
            or relative.split("/")[0] in DATA_DIRS
        ):
            files.append(relative)
    return files


def _read_state(target: Path, name: str = SHARD_STATE) -> dict:
    try:
        return json.loads((target / name).read_text())
    except (OSError, ValueError):
        return {}


def _remove_shard(target: Path) -> list[str]:
    if not target.is_dir():
        return []
    removed = sorted(
        p.relative_to(target).as_posix()
        for p in target.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
    shutil.rmtree(target)
    return removed


class _scratch:
    """A directory beside the index for Pagefind to write into (the same
    filesystem, so files move into place by rename; a dot name, so it is
    never served nor uploaded), removed afterwards whatever happens."""

    def __init__(self, base: Path, name: str) -> None:
        self.path = base / f".scratch-{name}-{os.getpid()}"

    def __enter__(self) -> Path:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def shard_stamp(site: Site, shard: str, pages: list[DetailPage] | None = None) -> str:
    """A digest of what decides a shard's records, read from the rows without
    building a record: each live item's id, ``updated_at`` and its page's
    ``search_depends`` (a byline's names, a section's), plus the code that
    makes records and the Pagefind that indexes them. A build reuses a shard
    by it; tests compare publishing with a full build by it. ``pages``: only
    these kinds (those with items in the shard; the others add nothing).

    Every save stamps ``updated_at`` (``auto_now``); a bulk ``update()`` of
    indexed fields must stamp it too (or change this code) for the next
    build to see the change."""
    start, end = shard_span(shard)
    digest = hashlib.sha256(_code_version().encode())
    for page in searchable_pages() if pages is None else pages:
        # A kind with no item in the shard adds nothing (``pages`` may leave it out).
        marker = f"\0{page.name}\0".encode()
        for row in page.search_fingerprint(site, start, end):
            digest.update(marker + repr(row).encode())
            marker = b""
    return digest.hexdigest()


def _code_version() -> str:
    """What else decides the records: the Pagefind that indexes them, the
    time zone that dates them, the kinds' labels and the source of the code
    that makes them (a change re-indexes every shard once)."""
    labels = [
        f"{page.name}:{page.kind}:{page.registry.kinds[page.kind].label}"
        for page in searchable_pages()
    ]
    kinds = tuple(type(page) for page in searchable_pages())
    return "\0".join([_pagefind_version(), settings.TIME_ZONE, *labels, _source_of(kinds)])


@functools.cache
def _source_of(kinds: tuple[type, ...]) -> str:
    modules = {pagefind, inspect.getmodule(DetailPage)}
    modules.update(inspect.getmodule(cls) for kind in kinds for cls in kind.__mro__)
    parts = []
    for module in sorted((m for m in modules if m is not None), key=lambda m: m.__name__):
        try:
            parts.append(inspect.getsource(module))
        except (OSError, TypeError):  # no source (builtins, a frozen build): its name
            parts.append(module.__name__)
    return "\0".join(parts)
