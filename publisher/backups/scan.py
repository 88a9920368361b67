"""Is a raw stream a whole dump? ``DumpScanner`` watches the bytes go by (table
names, the completion line, a SQLite file's header) keeping a few kilobytes."""

from __future__ import annotations

import re

TRAILER = b"-- Dump completed"
# Written by mariadb-dump --master-data=2 near the top, and with --gtid near the end.
_POSITION = re.compile(
    rb"^-- CHANGE MASTER TO MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+);", re.M
)
_GTID = re.compile(rb"^-- SET GLOBAL gtid_slave_pos='([0-9,-]*)';", re.M)
_EARLY = 64 * 1024


class DumpScanner:
    """Watches a raw dump going by: its size, first bytes, table names and last line.

    ``feed`` is called with consecutive chunks; it keeps a few kilobytes, never
    the stream."""

    _MARK = b"\nCREATE TABLE `"
    _TAIL = 4096

    def __init__(self) -> None:
        self.raw_bytes = 0
        self.head = b""
        self._early = b""  # the dump's first 64 kB, where its binlog position is
        self.tables: list[str] = []
        self._tail = b""
        self._carry = b"\n"  # so a CREATE TABLE on the very first line counts

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.raw_bytes += len(chunk)
        if len(self.head) < 100:
            self.head += chunk[: 100 - len(self.head)]
        if len(self._early) < _EARLY:
            self._early += chunk[: _EARLY - len(self._early)]
        self._tail = (
            chunk[-self._TAIL :]
            if len(chunk) >= self._TAIL
            else (self._tail + chunk)[-self._TAIL :]
        )
        data = self._carry + chunk
        done = 0
        while (start := data.find(self._MARK, done)) >= 0:
            end = data.find(b"\n", start + 1)
            if end < 0:  # the line goes on in the next chunk
                self._carry = data[start : start + self._TAIL]
                return
            name = _identifier(data[start + len(self._MARK) - 1 : end])
            if name is not None:
                self.tables.append(name)
            done = end
        self._carry = data[max(done, len(data) - len(self._MARK) + 1) :]

    @property
    def binlog_position(self) -> tuple[str, int] | None:
        """(file, position) of the binary log where the dump's snapshot stands."""
        match = _POSITION.search(self._early)
        return (match[1].decode(), int(match[2])) if match else None

    @property
    def gtid(self) -> str:
        """The server's GTID position at the dump's snapshot (read from its end)."""
        match = _GTID.search(self._tail)
        return match[1].decode() if match else ""

    @property
    def last_line(self) -> bytes:
        return self._tail.rstrip().rsplit(b"\n", 1)[-1]

    @property
    def dump_completed(self) -> bool:
        return self.last_line.startswith(TRAILER)


def _identifier(text: bytes) -> str | None:
    """The backquoted identifier at the start of ``text`` (`` is a literal `)."""
    if not text.startswith(b"`"):
        return None
    out = bytearray()
    i = 1
    while i < len(text):
        if text[i] == 0x60:
            if text[i + 1 : i + 2] == b"`":
                out.append(0x60)
                i += 2
                continue
            return out.decode("utf-8", "replace")
        out.append(text[i])
        i += 1
    return None


def sqlite_image_problem(head: bytes, size: int) -> str | None:
    """Why a file of ``size`` bytes starting with ``head`` is not a whole SQLite database."""
    if not head.startswith(b"SQLite format 3\x00") or len(head) < 100:
        return "it is not an SQLite database file"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count in the header is valid when these two counters agree.
    if head[24:28] == head[92:96] and pages and pages * page_size != size:
        return (
            f"it holds {size:,} bytes but its header says {pages:,} pages "
            f"of {page_size:,} bytes (cut short)"
        )
    if size % page_size:
        return "its size is not a whole number of pages (cut short)"
    return None


def completion_problem(engine: str, scanner: DumpScanner) -> str | None:
    """Why the raw stream seen by ``scanner`` is not a complete dump, if it is not."""
    if engine == "mysql":
        if not scanner.dump_completed:
            return (
                "the dump does not end with its completion line "
                f"('{TRAILER.decode()} on ...'): it was cut short"
            )
        return None
    return sqlite_image_problem(scanner.head, scanner.raw_bytes)
