"""The backup's plain helpers: credentials file, dump command, streaming gzip, keys."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.backups.config import Database
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.keys import backup_key, key_time, manifest_key
from publisher.backups.manifest import Manifest
from publisher.backups.mysql import (
    dump_command,
    find_dump_tool,
    option_file,
    option_file_text,
    parse_dump_tool,
)
from publisher.backups.scan import DumpScanner, sqlite_image_problem
from publisher.backups.stream import CompressingReader

MARIADB = "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)"
MYSQL_8 = "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"
MYSQL_57 = "mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)"

SMALL_DUMP = (
    b"-- MariaDB dump 10.19\n--\n\nDROP TABLE IF EXISTS `content_story`;\n"
    b"CREATE TABLE `content_story` (\n  `id` bigint(20) NOT NULL\n);\n"
    b"INSERT INTO `content_story` VALUES (1),(2);\n"
    b"CREATE TABLE `odd``name` (\n  `x` int\n);\n"
    b"-- Dump completed on 2026-11-28  3:15:00\n"
)


def mysql_db(**overrides) -> Database:
    fields = {"engine": "mysql", "name": "newsroom", "host": "127.0.0.1", "port": 3306}
    return Database(**{**fields, **overrides})


# Credentials


def test_the_option_file_is_private_and_gone_afterwards():
    db = mysql_db(user="editor", password="s3cret")
    with option_file(db) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert 'password="s3cret"' in path.read_text()
    assert not path.exists()


def test_any_password_survives_the_option_files_quoting():
    text = option_file_text(mysql_db(user="ed", password="a\"b\\c #d'e"))
    assert 'password="a\\"b\\\\c #d\'e"' in text.splitlines()


def test_a_socket_in_host_becomes_the_socket_option():
    db = Database.from_settings_dict(
        {"ENGINE": "django.db.backends.mysql", "NAME": "n", "HOST": "/run/mysqld/mysqld.sock"}
    )
    assert 'socket="/run/mysqld/mysqld.sock"' in option_file_text(db)
    assert "host=" not in option_file_text(db)


def test_an_in_memory_sqlite_database_cannot_be_backed_up():
    with pytest.raises(BackupError, match="in-memory"):
        Database.from_settings_dict({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})


# The dump command


def test_the_dump_takes_a_consistent_snapshot_and_names_no_password():
    tool = parse_dump_tool("/usr/bin/mariadb-dump", MARIADB)
    command = dump_command(tool, Path("/tmp/x.cnf"), "newsroom")
    assert command[1] == "--defaults-file=/tmp/x.cnf"  # option files must come first
    for flag in (
        "--single-transaction",
        "--quick",
        "--routines",
        "--triggers",
        "--events",
        "--hex-blob",
        "--default-character-set=utf8mb4",
    ):
        assert flag in command
    assert command[-1] == "newsroom"
    assert not any(arg.startswith(("-p", "--password", "--databases")) for arg in command)
    assert "--set-gtid-purged=OFF" not in command  # mariadb-dump would refuse it


def test_mysqls_own_dump_gets_the_flags_only_it_knows():
    mysql8 = dump_command(parse_dump_tool("/usr/bin/mysqldump", MYSQL_8), Path("x"), "n")
    mysql57 = dump_command(parse_dump_tool("/usr/bin/mysqldump", MYSQL_57), Path("x"), "n")
    assert {"--set-gtid-purged=OFF", "--column-statistics=0"} <= set(mysql8)
    assert "--set-gtid-purged=OFF" in mysql57
    assert "--column-statistics=0" not in mysql57


def test_mysqldump_is_used_when_it_is_the_only_dump_installed(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "mysqldump").symlink_to(find_dump_tool().path)
    monkeypatch.setenv("PATH", str(folder))
    tool = find_dump_tool()
    assert tool.path == str(folder / "mysqldump")
    assert tool.banner.startswith("mysqldump")


def test_without_any_dump_tool_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="neither mariadb-dump nor mysqldump is installed"):
        find_dump_tool()


def test_the_installed_dump_tool_is_recognised():
    tool = find_dump_tool()
    assert tool.flavor in ("mariadb", "mysql")
    assert tool.version >= (5, 0, 0)


# Streaming


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


def test_the_scanner_finds_every_table_wherever_the_chunks_split():
    for cut in range(1, len(SMALL_DUMP)):
        scanner = DumpScanner()
        scanner.feed(SMALL_DUMP[:cut])
        scanner.feed(SMALL_DUMP[cut:])
        assert scanner.tables == ["content_story", "odd`name"], cut
        assert scanner.dump_completed
        assert scanner.raw_bytes == len(SMALL_DUMP)


def test_a_dump_without_its_completion_line_is_not_complete():
    scanner = DumpScanner()
    scanner.feed(SMALL_DUMP[: SMALL_DUMP.index(b"-- Dump completed")])
    assert not scanner.dump_completed


def test_a_cut_short_sqlite_image_is_recognised(tmp_path):
    import sqlite3

    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 100)
    connection.close()
    image = path.read_bytes()
    assert sqlite_image_problem(image[:100], len(image)) is None
    assert "cut short" in sqlite_image_problem(image[:100], len(image) - 4096)
    assert "not an SQLite" in sqlite_image_problem(b"-- MariaDB dump", 4096)


# Keys and manifests


def test_a_backup_key_says_database_year_month_and_time_and_reads_back():
    when = datetime(2026, 11, 28, 9, 15, 0, 123456, tzinfo=UTC)
    key = backup_key("backups", "newsroom", "mysql", when)
    assert key == "backups/newsroom/2026/11/20261128T091500123456Z.sql.gz"
    assert key_time(key) == when
    assert manifest_key(key) == key + ".manifest.json"
    assert key_time(manifest_key(key)) is None
    assert key_time("backups/newsroom/notes.txt") is None


def test_a_manifest_reads_back_and_garbage_is_refused():
    manifest = Manifest(
        key="k",
        engine="mysql",
        database="newsroom",
        server_version="10.11",
        database_bytes=1,
        sha256="a" * 64,
        bytes=2,
        raw_bytes=3,
        tables=["t"],
        created_at="2026-11-28T09:15:00+00:00",
        tool="mariadb-dump",
        seconds=0.1,
    )
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(BackupRefused, match="unreadable"):
        Manifest.from_json(b'{"key": "k"}')
    with pytest.raises(BackupRefused, match="unreadable"):
        Manifest.from_json(b"\x1f\x8b not json")
