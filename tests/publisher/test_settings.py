"""Settings come from the environment, strictly, and bad ones say what to set."""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db.utils import ConnectionHandler

from publisher.env import EnvError, env_bool, env_int, env_list
from publisher.settings import _database, kept_secret_key
from tests.support import check_with

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "word,value", [("true", True), ("False", False), ("1", True), ("off", False)]
)
def test_env_bool_reads_the_usual_words(monkeypatch, word, value):
    monkeypatch.setenv("X_FLAG", word)
    assert env_bool("X_FLAG", not value) is value


@pytest.mark.parametrize("word", ["maybe", "Flase", "2"])
def test_env_bool_refuses_anything_else(monkeypatch, word):
    monkeypatch.setenv("X_FLAG", word)
    with pytest.raises(EnvError, match="X_FLAG.*true or false"):
        env_bool("X_FLAG", False)


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("X_N", "seven")
    with pytest.raises(EnvError, match="X_N='seven' is not a whole number"):
        env_int("X_N", 1)
    monkeypatch.setenv("X_N", "0")
    with pytest.raises(EnvError, match="at least 1"):
        env_int("X_N", 1, minimum=1)
    monkeypatch.setenv("X_L", " a, b ,,c ")
    assert env_list("X_L", []) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        (
            "PUBLISHER_SITE_URL",
            "news.example.com",
            "PUBLISHER_SITE_URL='news.example.com' is not an absolute",
        ),
        ("PUBLISHER_SITE_URL", "https://example.com/paper/", "has a path"),
        ("DATABASE_URL", "oracle-ish://x", "DATABASE_URL="),
        ("PUBLISHER_KEEP_RELEASES", "0", "PUBLISHER_KEEP_RELEASES='0' must be at least 1"),
        ("PUBLISHER_TRUSTED_PROXY", "tls.example.com", "not an IP address or network"),
        ("PUBLISHER_SUBMIT_RATE", "lots", "PUBLISHER_SUBMIT_RATE='lots' is not a rate"),
        ("PUBLISHER_SUBMIT_URL", "forms.example.com", "is neither a path nor an http(s) URL"),
        (
            "PUBLISHER_S3_OWNS_BUCKET",
            "yes please",
            "PUBLISHER_S3_OWNS_BUCKET='yes please' is not a boolean",
        ),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_message_naming_it(name, value, message, tmp_path):
    result = check_with(tmp_path, **{name: value})
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_build_dir_that_cannot_be_created_fails_the_system_check(settings, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.PUBLISHER_BUILD_DIR = tmp_path / "a-file" / "build"
    with pytest.raises(Exception, match="publisher.E001"):
        call_command("check")


def test_media_inside_the_build_dir_fails_the_system_check(settings):
    settings.MEDIA_ROOT = Path(settings.PUBLISHER_BUILD_DIR) / "media"
    with pytest.raises(Exception, match="publisher.E002"):
        call_command("check")


def test_a_trusted_proxy_without_djangos_https_proxy_setting_is_a_warning(settings):
    settings.PUBLISHER_TRUSTED_PROXY = ["127.0.0.1"]
    out = StringIO()
    call_command("check", stderr=out)
    assert "publisher.W003" in out.getvalue()
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    out = StringIO()
    call_command("check", stderr=out)
    assert "publisher.W003" not in out.getvalue()


def test_env_example_lists_every_setting_read_from_the_environment():
    source = (ROOT / "publisher" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no settings found: the pattern is stale"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


# -- Secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mysql://newsroom:hunter2-secret@db.example.com:notaport/newsroom",  # a bad port
        "mysqlx://newsroom:hunter2-secret@db.example.com/newsroom",  # an unknown scheme
        "mysql://newsroom:hunter2@secret@db.example.com:33o6/newsroom",  # an unquoted @
        "mysql://newsroom:hunter2%2Dsecret@db.example.com:-1/newsroom",  # quoted, bad port
        "mysql:/newsroom:hunter2-secret@db.example.com/newsroom",  # one slash: parses!
        "newsroom:hunter2-secret@db.example.com/newsroom",  # no scheme
    ],
)
def test_a_malformed_database_url_is_reported_without_its_password(url, tmp_path):
    result = check_with(tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: DATABASE_URL=")
    assert "is not a database URL" in result.stderr
    assert "***@db.example.com" in result.stderr  # the rest is shown, to find the typo
    assert "hunter2" not in result.stderr + result.stdout
    assert "secret" not in result.stderr + result.stdout


@pytest.fixture
def usual_umask():
    """Files are created as on a default Debian account (0644), so a test of
    private files cannot pass by the luck of a strict umask."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def open_sqlite(django_db_blocker):
    """Connect to a SQLite file of the test's own (not the test database),
    configured the way settings configure every connection."""
    opened = []

    def connect(path: Path) -> Any:
        connection = ConnectionHandler({"default": _database(f"sqlite:///{path}")})["default"]
        opened.append(connection)
        return connection

    with django_db_blocker.unblock():
        yield connect
        for connection in opened:
            connection.close()


def test_the_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(
    tmp_path, usual_umask, open_sqlite
):
    with open_sqlite(tmp_path / "newsroom.sqlite3").cursor() as cursor:
        cursor.execute("CREATE TABLE story (headline TEXT)")
        cursor.execute("INSERT INTO story VALUES ('an embargoed scoop')")
        files = sorted(p.name for p in tmp_path.iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}

    assert files == ["newsroom.sqlite3", "newsroom.sqlite3-shm", "newsroom.sqlite3-wal"]
    assert modes == dict.fromkeys(files, 0o600)


def test_an_older_world_readable_database_file_is_made_private(tmp_path, usual_umask, open_sqlite):
    path = tmp_path / "newsroom.sqlite3"
    path.touch(mode=0o644)
    wal = tmp_path / "newsroom.sqlite3-wal"
    wal.touch(mode=0o644)

    open_sqlite(path).ensure_connection()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    if wal.exists():  # SQLite may have checkpointed and removed it
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_opening_a_connection_never_breaks_the_others_open_on_the_same_file(tmp_path, open_sqlite):
    # Closing any descriptor of a file drops this process's POSIX locks on it.
    # A connection opened meanwhile must not cost the open one its lock, or
    # another process (a build worker, cron) closing last deletes the WAL
    # under it: "disk I/O error".
    path = tmp_path / "newsroom.sqlite3"
    editor = open_sqlite(path)
    with editor.cursor() as cursor:
        cursor.execute("CREATE TABLE story (headline TEXT)")
        cursor.execute("INSERT INTO story VALUES ('first')")
    open_sqlite(path).ensure_connection()  # another thread's, say
    for n in range(3):
        subprocess.run(
            [sys.executable, "-c", SQLITE_WRITER, str(path), f"worker {n}"], check=True, timeout=30
        )
        with editor.cursor() as cursor:
            cursor.execute("INSERT INTO story VALUES (%s)", [f"editor {n}"])
            cursor.execute("SELECT COUNT(*) FROM story")
            assert cursor.fetchone() == (2 * n + 3,)


SQLITE_WRITER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=20)
db.execute("INSERT INTO story VALUES (?)", (sys.argv[2],))
db.commit()
db.close()
"""


def _race_for_the_key(path: Path, barrier: Any, keys: Any) -> None:
    barrier.wait()
    keys.put(kept_secret_key(path))


def test_processes_starting_at_once_agree_on_one_secret_key(tmp_path, usual_umask):
    context = multiprocessing.get_context("fork")
    racers = 4
    for attempt in range(25):
        path = tmp_path / f"start-{attempt}" / "secret_key"
        barrier, keys = context.Barrier(racers), context.Queue()
        processes = [
            context.Process(target=_race_for_the_key, args=(path, barrier, keys))
            for _ in range(racers)
        ]
        for process in processes:
            process.start()
        found = {keys.get(timeout=30) for _ in processes}
        for process in processes:
            process.join(timeout=30)

        assert len(found) == 1, f"start {attempt}: {len(found)} different keys"
        assert path.read_text() == found.pop()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_a_kept_secret_key_survives_a_restart_is_kept_private_and_an_empty_one_says_what_to_do(
    tmp_path,
):
    path = tmp_path / "secret_key"
    assert kept_secret_key(path) == kept_secret_key(path)
    assert len(kept_secret_key(path)) >= 50

    path.write_text("an older key\n")
    path.chmod(0o644)  # as an older version or a hand left it
    assert kept_secret_key(path) == "an older key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    path.write_text("")
    with pytest.raises(ImproperlyConfigured, match="secret_key is empty: delete it"):
        kept_secret_key(path)
