"""The index's files in a release: each shard's folder, its state, and
``shards.json`` that lists them (what the browser reads first)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from publisher import searchindex
from publisher.files import write_atomic, write_file

SEARCH_DIR = "search/index"
SHARDS_FILE = "shards.json"
# Not served (a dot file): where a shard's files are and what it indexed.
SHARD_STATE = ".shard.json"
# Not served: a shard's words in order (``searchindex.Shard.run``), named
# by its version, what the archive is merged from.
RUN = ".words-{version}"


class SearchError(RuntimeError):
    """The search index could not be written; the message says why."""


@dataclass
class SearchResult:
    shards: int = 0
    records: int = 0
    written: list[str] = field(default_factory=list)  # paths relative to the release
    removed: list[str] = field(default_factory=list)


def index_into(
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
    run = RUN.format(version=version)
    (write_file if fresh else write_atomic)(target / run, index.run)
    if not fresh:  # the runs of the versions before
        for old in target.glob(RUN.format(version="*")):
            if old.name != run:
                old.unlink(missing_ok=True)
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


def served_files(state: dict) -> list[str]:
    """A shard's files, relative to its folder (none known: ``shards.json``
    names a folder its state does not, after a publish that stopped
    half-way; the next one writes and pushes the whole shard again)."""
    version = state.get("version")
    return [*(f"{version}/{name}" for name in state.get("files", ())), *state.get("texts", ())]


def files_under(base: Path, root: Path) -> list[str]:
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


def read_shards(root: Path) -> list[dict]:
    """The shards ``shards.json`` lists (newest first), as the browser reads them."""
    try:
        listed = json.loads((root / SEARCH_DIR / SHARDS_FILE).read_text())["shards"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    states = []
    for entry in listed:
        state = read_state(root / SEARCH_DIR / entry["name"])
        states.append(state if state and state.get("version") == entry.get("version") else entry)
    return states


def write_shards_file(base: Path, states: list[dict], archive: dict | None = None) -> None:
    """What the browser reads first: the archive's folder (``archive``'s
    state: the old shards merged) and each other shard's folder and bucket
    count (a shard of the archive listed here replaces its part of it; with
    no version, it has nothing left)."""
    shards = [
        {
            "name": state["name"],
            "version": state["version"],
            "records": state["records"],
            "buckets": state.get("buckets", 0),
        }
        for state in states
    ]
    manifest = {
        "format": searchindex.FORMAT,
        "prefix": searchindex.PREFIX,
        "group": searchindex.GROUP,
        "stopwords": sorted(searchindex.STOPWORDS),
        "archive": {"version": archive["version"]} if archive else None,
        "shards": shards,
    }
    body = json.dumps(manifest, separators=(",", ":"), sort_keys=True)
    write_atomic(base / SHARDS_FILE, body.encode())


def link_same(old: Path, target: Path, stamped: str) -> dict | None:
    """Hard-link the shard ``old`` into ``target`` if its stamp is ``stamped``;
    returns its state (None: not linked)."""
    state = read_state(old)
    if not state.get("version") or state.get("stamp") != stamped:
        return None
    served = [*served_files(state), RUN.format(version=state["version"])]
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


def read_state(target: Path) -> dict:
    try:
        return json.loads((target / SHARD_STATE).read_text())
    except (OSError, ValueError):
        return {}


def remove_old(target: Path, keep: set[str]) -> list[str]:
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
