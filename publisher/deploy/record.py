"""What the last deploy hashed: each file's size, modification time and inode
with the SHA-256 of its bytes, kept beside the releases, so the next deploy
hashes only the files that changed since (no Django).

A deploy compares each object's fingerprint (the file's hash and its
headers) with the manifest and the bucket's listing; hashing every file of
a 300,000-file site to find the handful that changed cost minutes of CPU.
A file whose size, modification time (nanoseconds) and inode are the ones
recorded keeps its recorded hash: publishing and builds write a changed file
as a new file renamed into place (a new inode), and a build links an
unchanged one from the live release (the same inode and time). Something
that rewrote a file in place to the same size and put its time back would
go unseen: ``deploy --verify`` hashes every file and reads every object's
fingerprint back from the bucket.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import orjson

from publisher import s3
from publisher.files import write_atomic

RECORD_NAME = ".deploy-hashes.json"
VERSION = 1

# relative path -> (size, mtime_ns, inode, sha256 hex)
Stamp = tuple[int, int, int]


class Hashable(Protocol):
    relative: str
    source: Path | None
    size: int
    digest: str

    def read(self) -> bytes: ...


def read_record(path: Path) -> dict[str, tuple[Stamp, str]]:
    """The record at ``path``; empty when there is none or it is unreadable
    (then every file is hashed once, as before there was one)."""
    try:
        raw = orjson.loads(path.read_bytes())
        if raw.get("version") != VERSION:
            return {}
        return {k: ((v[0], v[1], v[2]), v[3]) for k, v in raw["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}


def write_record(path: Path, objects: Iterable[Hashable], stamps: dict[str, Stamp]) -> None:
    files = {
        obj.relative: [*stamps[obj.relative], obj.digest]
        for obj in objects
        if obj.relative in stamps and obj.digest
    }
    write_atomic(path, orjson.dumps({"version": VERSION, "files": files}))


def _stamp(path: Path) -> Stamp:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


def hash_changed(
    objects: list[Hashable],
    pool: ThreadPoolExecutor,
    record: dict[str, tuple[Stamp, str]],
) -> tuple[int, dict[str, Stamp]]:
    """Fill in each object's digest and size: from ``record`` for a file
    whose stamp is the one recorded, else by reading it (in ``pool``).
    Returns how many were read, and every file's stamp (for the next record)."""

    stamps: dict[str, Stamp] = {}
    to_read: list[Hashable] = []
    for obj in objects:  # a stat each, here: a thread's hand-off costs more
        if obj.source is None:  # made here (a redirect's page): small
            to_read.append(obj)
            continue
        stamp = stamps[obj.relative] = _stamp(obj.source)
        known = record.get(obj.relative)
        if known is not None and known[0] == stamp:
            obj.digest, obj.size = known[1], stamp[0]
        else:
            to_read.append(obj)

    def digest(obj: Hashable) -> tuple[str, int]:
        if obj.source is None:
            body = obj.read()
            return s3.sha256_bytes(body), len(body)
        return s3.sha256_file(obj.source), stamps[obj.relative][0]

    for obj, (hexdigest, size) in zip(to_read, pool.map(digest, to_read), strict=True):
        obj.digest, obj.size = hexdigest, size
    return len(to_read), stamps
