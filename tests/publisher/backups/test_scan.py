"""Is a raw stream a whole dump: table names, the completion line, a SQLite image."""

from __future__ import annotations

from publisher.backups.scan import DumpScanner, completion_problem, sqlite_image_problem

SMALL_DUMP = (
    b"-- MariaDB dump 10.19\n--\n\nDROP TABLE IF EXISTS `content_story`;\n"
    b"CREATE TABLE `content_story` (\n  `id` bigint(20) NOT NULL\n);\n"
    b"INSERT INTO `content_story` VALUES (1),(2);\n"
    b"CREATE TABLE `odd``name` (\n  `x` int\n);\n"
    b"-- Dump completed on 2026-11-28  3:15:00\n"
)


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


def test_a_mysql_dump_cut_before_its_completion_line_is_refused_wherever_it_is_cut():
    assert completion_problem("mysql", scanned(SMALL_DUMP, 7)) is None
    end = SMALL_DUMP.index(b"-- Dump completed")
    for cut in (end, end - 1, end + len(b"-- Dump comp")):  # before, and inside, the line
        for chunk in (1, 64, len(SMALL_DUMP)):
            problem = completion_problem("mysql", scanned(SMALL_DUMP[:cut], chunk))
            assert problem is not None, (cut, chunk)
            assert "does not end with its completion line" in problem
            assert "cut short" in problem


def scanned(data: bytes, chunk: int) -> DumpScanner:
    scanner = DumpScanner()
    for start in range(0, len(data), chunk):
        scanner.feed(data[start : start + chunk])
    return scanner
