"""The archive: every shard but the newest merged into one folder, so that a
reader's search fetches a few pages of words however old the paper is.

A build merges the shards older than the newest ``LOOSE`` (``searchindex.
merge_archive``, from the runs their indexers left) into
``search/index/archive/<version>/``, the version a digest of the shards'
own versions: a nightly build with none of them changed links the live
release's folder instead. Its text files are links to the shards' (named
by their place in the archive). A publish never rewrites it: a shard of the
archive it re-indexes is listed in ``shards.json`` beside it, and the
reader takes that shard's items from there.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path

from publisher import searchindex
from publisher.files import write_atomic, write_file
from publisher.search.folders import RUN, SEARCH_DIR

ARCHIVE = "archive"
# Not served: the archive's version and the shard versions it holds.
ARCHIVE_STATE = ".archive.json"
# The newest shards are never merged: publishing changes them most.
LOOSE = 2


def read_archive(root: Path) -> dict | None:
    """The archive's state in a release (None: it has none)."""
    try:
        state = json.loads((root / SEARCH_DIR / ARCHIVE / ARCHIVE_STATE).read_text())
    except (OSError, ValueError):
        return None
    return state if (root / SEARCH_DIR / ARCHIVE / state["version"]).is_dir() else None


def write_archive(base: Path, states: list[dict], previous: Path | None = None) -> dict | None:
    """Merge these shards (their states, oldest first, each with items) into
    the archive under ``base`` (or link the same one from ``previous``, the
    live release); returns its state (None: no shard to merge)."""
    if not states:
        return None
    digest = hashlib.sha256(str(searchindex.FORMAT).encode())
    for state in states:
        digest.update(f"\0{state['name']}\0{state['version']}".encode())
    version = digest.hexdigest()[:16]
    archive = {
        "version": version,
        "records": sum(state["records"] for state in states),
        "shards": {state["name"]: state["version"] for state in states},
    }
    target = base / ARCHIVE / version
    old = previous / SEARCH_DIR / ARCHIVE / version if previous is not None else None
    if old is None or read_archive(previous) != archive or not _link_folder(old, target):
        _merge(base, states, target)
    write_atomic(base / ARCHIVE / ARCHIVE_STATE, json.dumps(archive, sort_keys=True).encode())
    return archive


def _merge(base: Path, states: list[dict], target: Path) -> None:
    parts = []
    group = 0
    for state in states:
        folder = base / state["name"]
        docs = folder / state["version"] / searchindex.DOCS
        texts = searchindex.unpack(docs.read_bytes())["texts"]
        for name in texts:  # the archive's text files, numbered across its shards
            _link(folder / name, target / f"t{group}{searchindex.SUFFIX}")
            group += 1
        run = folder / RUN.format(version=state["version"])
        parts.append(
            searchindex.ArchivePart(
                state["name"],
                functools.partial(_unpack_file, docs),
                functools.partial(searchindex.read_run, run),
            )
        )
    for name, data in searchindex.merge_archive(parts):
        write_file(target / name, data)


def _unpack_file(path: Path) -> dict:
    return searchindex.unpack(path.read_bytes())


def _link_folder(old: Path, target: Path) -> bool:
    """Hard-link every file of ``old`` into ``target`` (False: none there)."""
    if not old.is_dir():
        return False
    for path in sorted(old.iterdir()):
        _link(path, target / path.name)
    return True


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)


def archived(root: Path) -> dict[str, str]:
    """The shards the live archive holds, and the version of each it holds."""
    archive = read_archive(root)
    return archive["shards"] if archive else {}
