"""The MySQL/MariaDB side: the credentials file and the dump command."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from publisher.backups.config import Database
from publisher.backups.errors import BackupError
from publisher.backups.mysql import (
    dump_command,
    find_dump_tool,
    option_file,
    option_file_text,
    parse_dump_tool,
)

MARIADB = "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)"

MYSQL_8 = "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"

MYSQL_57 = "mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)"


def mysql_db(**overrides) -> Database:
    fields = {"engine": "mysql", "name": "newsroom", "host": "127.0.0.1", "port": 3306}
    return Database(**{**fields, **overrides})


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
