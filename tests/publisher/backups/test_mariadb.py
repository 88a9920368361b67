"""MariaDB backups under real faults: writers during the dump, a restricted user,
a dump that fails or is cut short, S3 going away mid-upload; and the objects
that are not tables (views, triggers, routines, events)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.publisher.backups.support import (
    ROOT,
    backup_keys,
    drop_tables,
    keys,
    leftovers,
    manage_env,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _mariadb_only():
    if connection.vendor != "mysql":
        pytest.skip(
            "MariaDB: mariadb-dump, scratch databases, users (SQLite: test_store, test_restore)"
        )


def mysql_connect(**overrides):
    import MySQLdb

    db = connection.settings_dict
    kwargs = {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 3306),
        "user": db["USER"],
        "password": db["PASSWORD"] or "",
        "database": db["NAME"],
    }
    return MySQLdb.connect(**{**kwargs, **overrides})


def dump_children() -> list[int]:
    """This process's mariadb-dump / mysqldump children still around."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and name in ("mariadb-dump", "mysqldump"):
            found.append(int(entry.name))
    return found


def fill_noise(table: str, megabytes: int) -> None:
    """A table of incompressible bytes (hex in the dump), fast to make."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE `{table}` (id INT PRIMARY KEY, blob_ LONGBLOB) ENGINE=InnoDB")
        for n in range(megabytes):
            insert = f"INSERT INTO `{table}` VALUES (%s, %s)"  # noqa: S608 (our own table)
            cursor.execute(insert, [n, os.urandom(1 << 20)])


def test_a_backup_taken_while_money_moves_between_two_tables_restores_a_constant_sum(
    backup_bucket,
):
    total = 1_000_000
    with connection.cursor() as cursor:
        # Dumped in name order: a, then a large m, then z. Without one snapshot
        # for the whole dump, a and z would be read at different moments.
        cursor.execute("CREATE TABLE backup_ledger_a (id INT PRIMARY KEY, amount BIGINT)")
        cursor.execute("CREATE TABLE backup_ledger_z (id INT PRIMARY KEY, amount BIGINT)")
        cursor.execute("INSERT INTO backup_ledger_a VALUES (1, %s)", [total])
        cursor.execute("INSERT INTO backup_ledger_z VALUES (1, 0)")
    try:
        fill_noise("backup_ledger_m", 8)
        stop, commits = threading.Event(), []

        def writer() -> None:
            db = mysql_connect()
            cursor = db.cursor()
            while not stop.is_set():
                cursor.execute("UPDATE backup_ledger_a SET amount = amount - 7 WHERE id = 1")
                cursor.execute("UPDATE backup_ledger_z SET amount = amount + 7 WHERE id = 1")
                db.commit()
                commits.append(1)
            db.close()

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while len(commits) < 20:
                stop.wait(0.01)
            started = len(commits)
            call_command("backup", verbosity=0)
            during = len(commits) - started
        finally:
            stop.set()
            thread.join()
        assert during > 10  # writers were never stopped
        call_command("restore", "latest", yes=True, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT a.amount, z.amount FROM backup_ledger_a a, backup_ledger_z z")
            a, z = cursor.fetchone()
        assert a + z == total
        assert 0 < z < 7 * len(commits)  # a moment in the middle of the writing
    finally:
        drop_tables("backup_ledger_a", "backup_ledger_m", "backup_ledger_z")


@pytest.fixture
def dump_wrapper(tmp_path, monkeypatch):
    """A mariadb-dump first on PATH that records its argv and its option file's
    mode, then runs the real one (or, given a body, something else)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "argv.log"
    real = "/usr/bin/mariadb-dump"

    def install(body: str = f'exec {real} "$@"') -> Path:
        script = folder / "mariadb-dump"
        script.write_text(
            "#!/bin/bash\n"
            f'printf "%s\\n" "$*" >> {record}\n'
            'for arg in "$@"; do case "$arg" in --defaults-file=*)\n'
            f'  stat -c "mode %a" "${{arg#--defaults-file=}}" >> {record};;\n'
            "esac; done\n"
            f"{body}\n"
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
        return record

    return install


@pytest.fixture
def restricted_user():
    """A MariaDB user with a password full of awkward characters, dropped afterwards."""
    name = f"backup_{secrets.token_hex(4)}"
    password = f"p\"a ss\\w'o#rd;{secrets.token_hex(4)}"
    users = []

    def make(*privileges: str) -> tuple[str, str]:
        database = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", [name, password])
            users.append(name)
            cursor.execute(f"GRANT {', '.join(privileges)} ON `{database}`.* TO %s@'%%'", [name])
        return name, password

    yield make
    with connection.cursor() as cursor:
        for user in users:
            cursor.execute("DROP USER IF EXISTS %s@'%%'", [user])


def url_for(user: str, password: str) -> str:
    db = connection.settings_dict
    return (
        f"mysql://{quote(user, safe='')}:{quote(password, safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    )


def test_the_dumps_password_is_in_a_private_file_never_on_its_command_line(
    backup_bucket, restricted_user, dump_wrapper, subprocess_env
):
    user, password = restricted_user("SELECT", "SHOW VIEW", "TRIGGER", "EVENT", "LOCK TABLES")
    record = dump_wrapper()
    run = subprocess.run(
        [sys.executable, "manage.py", "backup"],
        cwd=ROOT,
        env=manage_env(
            subprocess_env,
            backup_bucket,
            DATABASE_URL=url_for(user, password),
            PATH=os.environ["PATH"],  # the wrapper first
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert len(backup_keys(backup_bucket)) == 1  # so the password did get through
    lines = record.read_text().splitlines()
    dump = next(line for line in lines if "--single-transaction" in line)
    assert password not in dump and "password" not in dump
    assert "mode 600" in lines
    option_file = Path(dump.split()[0].removeprefix("--defaults-file="))
    assert not option_file.exists()


def test_a_dump_that_fails_stores_nothing_and_exits_non_zero_with_its_message(
    backup_bucket, restricted_user, subprocess_env
):
    # No EVENT privilege: mariadb-dump fails at `SHOW EVENTS`, for real.
    user, password = restricted_user("SELECT", "SHOW VIEW")
    run = subprocess.run(
        [sys.executable, "manage.py", "backup"],
        cwd=ROOT,
        env=manage_env(subprocess_env, backup_bucket, DATABASE_URL=url_for(user, password)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "backup failed: mariadb-dump exited with status 2:" in run.stderr
    assert "show events" in run.stderr
    assert run.stdout == ""
    assert keys(backup_bucket) == []


def test_a_dump_cut_short_is_not_stored_even_when_it_exits_zero(
    newsroom, backup_bucket, dump_wrapper
):
    dump_wrapper('/usr/bin/mariadb-dump "$@" | head -c 20000; exit 0')
    with pytest.raises(CommandError, match="does not end with its completion line"):
        call_command("backup", verbosity=0)
    assert keys(backup_bucket) == []


class SeveringProxy:
    """A TCP proxy on loopback to the S3 server that, after ``limit`` bytes
    upstream, closes every connection and its port: S3 gone mid-upload."""

    def __init__(self, upstream: str, limit: int) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.limit = limit
        self.sent = 0
        self.severed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.severed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
                if upstream:
                    with self.lock:
                        self.sent += len(data)
                    if self.sent > self.limit:
                        self.sever()
                        return
        except OSError:
            pass

    def sever(self) -> None:
        self.severed.set()
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def test_s3_going_away_mid_upload_leaves_no_backup_and_no_dump_running(
    newsroom, backup_bucket, monkeypatch
):
    fill_noise("backup_noise", 24)  # about 24 MB of gzip: three 8 MB parts
    try:
        proxy = SeveringProxy(backup_bucket.endpoint, limit=10 * 1024 * 1024)
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
        started = time.monotonic()
        with pytest.raises(CommandError, match="backup failed: .*no backup was stored"):
            call_command("backup", verbosity=0)
        assert proxy.severed.is_set()  # it did die in the middle
        assert time.monotonic() - started < 60
    finally:
        drop_tables("backup_noise")
    assert keys(backup_bucket) == []
    assert dump_children() == []
    assert leftovers() == []


def test_views_triggers_routines_and_events_come_back_with_the_tables(backup_bucket):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE backup_obj_t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        cursor.execute("CREATE TABLE backup_obj_log (v INT)")
    statements = [
        "CREATE TRIGGER backup_obj_trg AFTER INSERT ON backup_obj_t "
        "FOR EACH ROW INSERT INTO backup_obj_log VALUES (NEW.v)",
        "CREATE VIEW backup_obj_view AS SELECT id, v * 2 AS doubled FROM backup_obj_t",
        "CREATE FUNCTION backup_obj_twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
        "CREATE PROCEDURE backup_obj_count() SELECT COUNT(*) FROM backup_obj_t",
        "CREATE EVENT backup_obj_event ON SCHEDULE EVERY 1 DAY DISABLE "
        "DO DELETE FROM backup_obj_log",
    ]
    drops = [
        "DROP EVENT IF EXISTS backup_obj_event",
        "DROP PROCEDURE IF EXISTS backup_obj_count",
        "DROP FUNCTION IF EXISTS backup_obj_twice",
        "DROP VIEW IF EXISTS backup_obj_view",
        "DROP TRIGGER IF EXISTS backup_obj_trg",
    ]
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("INSERT INTO backup_obj_t (v) VALUES (5)")
        call_command("backup", verbosity=0)
        with connection.cursor() as cursor:
            for statement in drops:
                cursor.execute(statement)
            cursor.execute("INSERT INTO backup_obj_t (v) VALUES (6)")
        call_command("restore", "latest", yes=True, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, doubled FROM backup_obj_view")
            assert cursor.fetchall() == ((1, 10),)
            cursor.execute("INSERT INTO backup_obj_t (v) VALUES (7)")  # the trigger fires
            cursor.execute("SELECT v FROM backup_obj_log ORDER BY v")
            assert cursor.fetchall() == ((5,), (7,))
            cursor.execute("SELECT backup_obj_twice(4)")
            assert cursor.fetchone() == (8,)
            cursor.execute(
                "SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
                [connection.settings_dict["NAME"]],
            )
            assert cursor.fetchall() == (("backup_obj_event", "DISABLED"),)
            cursor.execute("CALL backup_obj_count()")
            assert cursor.fetchall() == ((2,),)
        assert leftovers() == []
    finally:
        connection.close()  # CALL leaves extra result sets on the connection
        with connection.cursor() as cursor:
            for statement in drops:
                cursor.execute(statement)
        drop_tables("backup_obj_t", "backup_obj_log")
