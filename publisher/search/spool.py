"""The records a build's render spools for the indexers."""

from __future__ import annotations

import glob
import os
import pickle
import shutil
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher import searchindex
from publisher.pages.base import Site
from publisher.pages.detail import DetailPage
from publisher.search.shards import shard_of, shard_span


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
