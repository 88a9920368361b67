"""Dump bytes -> gzip -> SHA-256 as a file object boto3's multipart upload reads
part by part (memory does not grow with the database, nothing the size of the
dump touches the disk), and gzip -> bytes again in bounded steps."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

MiB = 1024 * 1024
READ_SIZE = 1 * MiB
GZIP_LEVEL = 6  # gzip's own default, so the benchmark against `| gzip` is fair
COMPRESS_THREADS = 2  # the machine has two cores; the dump and the server share them

# A gzip header (no name, no mtime, so the same dump gives the same bytes) and
# the empty final deflate block that ends the stream.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_FINAL_BLOCK = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
_WINDOW = 32 * 1024


def _deflate_block(block: bytes, dictionary: bytes, level: int) -> bytes:
    """One block of raw deflate, primed with the 32 KB before it (so it
    compresses as well as one long stream would) and ending on a byte boundary
    (sync flush), so blocks made on different threads concatenate into one
    deflate stream. The same trick as pigz."""
    if dictionary:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=dictionary)
    else:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)


class CompressingReader:
    """A read-only file object over ``source``: gzip-compressed, hashed as it goes.

    ``read(n)`` returns exactly ``n`` bytes until the end (boto3 sends each
    read as one part). ``on_raw`` sees every raw chunk; ``on_end`` runs when
    the source is exhausted, before the last bytes are handed out: if it
    raises, the upload fails and S3 never completes the object.

    Compression is gzip's own work, and the slowest step of a backup; blocks of
    ``chunk_size`` are deflated on ``threads`` threads (zlib lets go of the
    GIL), at most ``threads + 1`` blocks in flight, into one ordinary gzip
    member any gunzip reads."""

    def __init__(
        self,
        source: Callable[[int], bytes],
        *,
        on_raw: Callable[[bytes], None] | None = None,
        on_end: Callable[[], None] | None = None,
        level: int = GZIP_LEVEL,
        chunk_size: int = READ_SIZE,
        threads: int = COMPRESS_THREADS,
    ) -> None:
        self._source = source
        self._on_raw = on_raw
        self._on_end = on_end
        self._level = level
        self._chunk_size = chunk_size
        self._pool = ThreadPoolExecutor(threads, "gzip") if threads > 1 else None
        self._in_flight = max(threads, 1) + 1
        self._pending: deque[Future[bytes] | bytes] = deque()
        self._dictionary = b""
        self._crc = 0
        self._source_done = False
        self._buffer = bytearray(_GZIP_HEADER)
        self._sha = hashlib.sha256()
        self.raw_bytes = 0
        self.bytes = 0
        self.finished = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def _next_block(self) -> bytes:
        parts, have = [], 0
        while have < self._chunk_size:
            raw = self._source(self._chunk_size - have)
            if not raw:
                break
            parts.append(raw)
            have += len(raw)
        return b"".join(parts)

    def _submit(self) -> None:
        while not self._source_done and len(self._pending) < self._in_flight:
            block = self._next_block()
            if not block:
                self._source_done = True
                if self._on_end is not None:
                    self._on_end()
                return
            self.raw_bytes += len(block)
            if self._on_raw is not None:
                self._on_raw(block)
            self._crc = zlib.crc32(block, self._crc)
            if self._pool is not None:
                job = self._pool.submit(_deflate_block, block, self._dictionary, self._level)
                self._pending.append(job)
            else:
                self._pending.append(_deflate_block(block, self._dictionary, self._level))
            self._dictionary = (self._dictionary + block[-_WINDOW:])[-_WINDOW:]

    def read(self, size: int = -1) -> bytes:
        try:
            while not self.finished and (size < 0 or len(self._buffer) < size):
                self._submit()
                if self._pending:
                    item = self._pending.popleft()
                    self._buffer += item if isinstance(item, bytes) else item.result()
                else:
                    trailer = struct.pack("<II", self._crc, self.raw_bytes & 0xFFFFFFFF)
                    self._buffer += _FINAL_BLOCK + trailer
                    self.finished = True
                    self.close()
        except BaseException:
            self.close()
            raise
        if size < 0 or size >= len(self._buffer):
            out = bytes(self._buffer)
            self._buffer.clear()
        else:
            with memoryview(self._buffer) as view:  # one copy of the part, not two
                out = bytes(view[:size])
            del self._buffer[:size]
        self._sha.update(out)
        self.bytes += len(out)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pending.clear()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()


def inflate(unzip: Any, chunk: bytes) -> Iterator[bytes]:
    # At most READ_SIZE out per step: a small compressed chunk of a very
    # repetitive dump must not become a huge string in memory.
    data = chunk
    while data and not unzip.eof:
        out = unzip.decompress(data, READ_SIZE)
        if out:
            yield out
        data = unzip.unconsumed_tail
