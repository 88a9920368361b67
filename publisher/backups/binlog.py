"""Reading a MariaDB binary log file: its events' times, GTIDs and transaction
boundaries, every event's CRC32 checked. No server and no Django: a binlog is
a 4-byte magic number and a chain of events, each with a 19-byte header
(timestamp, type, server id, size, end position, flags)."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAGIC = b"\xfebin"
READ_BUFFER = 1024 * 1024
HEADER = struct.Struct("<IBIIIH")  # timestamp, type, server_id, size, log_pos, flags

QUERY_EVENT = 2
ROTATE_EVENT = 4
FORMAT_DESCRIPTION_EVENT = 15
XID_EVENT = 16
GTID_EVENT = 162
GTID_LIST_EVENT = 163
FL_STANDALONE = 1  # a GTID event's flag: one statement, no BEGIN ... COMMIT

_NUMBER = re.compile(r"\.(\d{6,})$")


class BinlogDamaged(ValueError):
    """The file is not a whole, sound binary log; the message says where."""


def binlog_number(name: str) -> int:
    """``binlog.000042`` -> 42; ValueError for a name that is not a binlog's."""
    match = _NUMBER.search(name)
    if match is None:
        raise ValueError(f"{name!r} is not a binary log's name (<base>.<number>)")
    return int(match[1])


@dataclass(frozen=True)
class Transaction:
    """A committed transaction: where it ends in the file, its GTID, its commit time."""

    end: int
    gtid: str
    time: int  # Unix seconds of its commit event


@dataclass
class BinlogFacts:
    size: int = 0
    server_id: int = 0
    first_time: int = 0  # Unix seconds of the first and last events
    last_time: int = 0
    gtid_list: list[str] = field(default_factory=list)  # the server's GTID state at its start
    transactions: list[Transaction] = field(default_factory=list)
    rotated: bool = False  # ends with a Rotate event: the server finished it
    # Where a restore switched its tables in (RENAME TABLE of a `_backup_new_`
    # scratch database): a replay must never cross one, the binlogs before it
    # describe another database.
    restores: list[int] = field(default_factory=list)
    # Statements (DDL) other than BEGIN/COMMIT: (end offset, text).
    statements: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def first_gtid(self) -> str:
        return self.transactions[0].gtid if self.transactions else ""

    @property
    def last_gtid(self) -> str:
        return self.transactions[-1].gtid if self.transactions else ""


def _events(handle: BinaryIO, name: str) -> Iterator[tuple[int, int, int, int, int, bytes]]:
    """(offset, size, timestamp, type, server_id, body) of each event, CRC32
    checked; read one event at a time, so memory does not grow with the file."""
    if handle.read(len(MAGIC)) != MAGIC:
        raise BinlogDamaged(f"{name} is not a binary log (no magic number)")
    offset, checksummed = len(MAGIC), False
    while header := handle.read(HEADER.size):
        if len(header) < HEADER.size:
            raise BinlogDamaged(f"{name} is cut short inside an event header at byte {offset:,}")
        timestamp, kind, server_id, size, _, _ = HEADER.unpack(header)
        rest = handle.read(size - HEADER.size) if size >= HEADER.size else b""
        if size < HEADER.size or len(rest) < size - HEADER.size:
            raise BinlogDamaged(f"{name} is cut short inside the event at byte {offset:,}")
        if kind == FORMAT_DESCRIPTION_EVENT:
            # The byte before the format event's own CRC names the algorithm (1: CRC32).
            checksummed = rest[-5] == 1
        if checksummed:
            (stored,) = struct.unpack_from("<I", rest, len(rest) - 4)
            if zlib.crc32(rest[:-4], zlib.crc32(header)) != stored:
                raise BinlogDamaged(f"{name}: the event at byte {offset:,} fails its CRC32")
            rest = rest[:-4]
        yield offset, size, timestamp, kind, server_id, rest
        offset += size


def read_binlog(path: Path) -> BinlogFacts:
    """The facts of the binlog at ``path``; BinlogDamaged if any event is cut or altered."""
    facts = BinlogFacts(size=path.stat().st_size)
    gtid, standalone = "", False
    with open(path, "rb", buffering=READ_BUFFER) as handle:
        for offset, size, timestamp, kind, server_id, body in _events(handle, path.name):
            end = offset + size
            if timestamp:  # the format event of a rotated-to file may carry 0
                facts.first_time = facts.first_time or timestamp
                facts.last_time = max(facts.last_time, timestamp)
            facts.server_id = facts.server_id or server_id
            text = _query_text(body) if kind == QUERY_EVENT else b""
            if text and _is_restore_switch(text):
                facts.restores.append(end)
            if text and text not in (b"BEGIN", b"COMMIT", b"ROLLBACK"):
                facts.statements.append((end, text[:500]))
            if kind == GTID_EVENT:
                seq_no, domain, flags = struct.unpack_from("<QIB", body)
                gtid, standalone = f"{domain}-{server_id}-{seq_no}", bool(flags & FL_STANDALONE)
            elif kind == GTID_LIST_EVENT:
                (count,) = struct.unpack_from("<I", body)
                count &= (1 << 28) - 1
                facts.gtid_list = [
                    "{}-{}-{}".format(*struct.unpack_from("<IIQ", body, 4 + 16 * n))
                    for n in range(count)
                ]
            elif gtid and (
                kind == XID_EVENT
                or (kind == QUERY_EVENT and (standalone or text in (b"COMMIT", b"ROLLBACK")))
            ):
                facts.transactions.append(Transaction(end=end, gtid=gtid, time=timestamp))
                gtid = ""
            elif kind == ROTATE_EVENT and offset > len(MAGIC):
                facts.rotated = True
    return facts


def _is_restore_switch(text: bytes) -> bool:
    return text[:12].upper() == b"RENAME TABLE" and b"_backup_new_" in text


def _query_text(body: bytes) -> bytes:
    """A Query event's statement (post-header: thread id, time, db length,
    error code, status vars length; then status vars, the db name and NUL)."""
    _, _, db_len, _, vars_len = struct.unpack_from("<IIBHH", body)
    return body[13 + vars_len + db_len + 1 :].strip()
