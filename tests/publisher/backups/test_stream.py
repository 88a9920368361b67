"""Streaming: dump bytes -> gzip -> SHA-256 in bounded memory."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tracemalloc
import zlib

import pytest

from publisher.backups.errors import BackupError
from publisher.backups.stream import CompressingReader


def chunks_of(data: bytes, size: int):
    stream = io.BytesIO(data)
    return lambda n: stream.read(min(n, size))


def test_the_stream_is_gzip_of_the_source_and_the_sha256_of_what_was_sent():
    data = b"".join(b"row %d of the newsroom\n" % i for i in range(200_000))
    reader = CompressingReader(chunks_of(data, 65536), chunk_size=65536)
    parts = []
    while part := reader.read(1 << 20):
        parts.append(part)
    sent = b"".join(parts)
    assert gzip.decompress(sent) == data
    single = zlib.decompressobj(16 + zlib.MAX_WBITS)  # one gzip member, as restore reads it
    assert single.decompress(sent) == data and single.eof and not single.unused_data
    assert reader.sha256 == hashlib.sha256(sent).hexdigest()
    assert (reader.bytes, reader.raw_bytes) == (len(sent), len(data))
    assert all(len(part) == 1 << 20 for part in parts[:-1])  # boto3 sends each read as a part


def test_compressing_on_two_threads_gives_the_very_same_bytes_as_on_one():
    data = b"".join(b"%d council minutes, page %d\n" % (i, i % 97) for i in range(300_000))
    outputs = []
    for threads in (1, 2):
        reader = CompressingReader(chunks_of(data, 50_000), chunk_size=1 << 18, threads=threads)
        outputs.append(reader.read())
    assert outputs[0] == outputs[1]
    assert gzip.decompress(outputs[0]) == data
    assert len(outputs[0]) < len(zlib.compress(data, 6)) * 1.01  # the priming keeps the ratio


def test_a_failed_end_check_stops_the_stream_before_its_last_bytes():
    def refuse() -> None:
        raise BackupError("the dump was cut short")

    reader = CompressingReader(chunks_of(b"x" * 1000, 100), on_end=refuse)
    with pytest.raises(BackupError, match="cut short"):
        reader.read(1 << 20)
    assert reader.bytes == 0
    assert not reader.finished


def test_streaming_memory_does_not_grow_with_the_dump():
    def peak_for(megabytes: int) -> int:
        remaining = megabytes << 20
        block = os.urandom(1 << 16) * 16  # 1 MiB, compresses a little

        def source(n: int) -> bytes:
            nonlocal remaining
            take = min(n, remaining, len(block))
            remaining -= take
            return block[:take]

        reader = CompressingReader(source, level=1)
        tracemalloc.start()
        while reader.read(8 << 20):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small, large = peak_for(10), peak_for(40)
    assert large < 3 * (8 << 20)
    assert large < small * 1.5
