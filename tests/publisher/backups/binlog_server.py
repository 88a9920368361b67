"""A MariaDB server of the tests' own, with binary logging on: a temporary
data directory, a free loopback port, started once per session. The CI
machine's server may run without binary logs, so these tests never rely on it."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.backups.config import Database

MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
_names = itertools.count(1)


@dataclass
class BinlogServer:
    port: int
    socket: str
    datadir: Path
    process: subprocess.Popen

    def database(self, name: str) -> Database:
        return Database(engine="mysql", name=name, host="127.0.0.1", port=self.port, user="root")

    def connect(self, database: str | None = None) -> Any:
        import MySQLdb

        kwargs: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": "root",
            "charset": "utf8mb4",
            "autocommit": True,
        }
        if database:
            kwargs["database"] = database
        return MySQLdb.connect(**kwargs)

    def sql(self, *statements: str, database: str | None = None) -> list[tuple]:
        connection = self.connect(database)
        try:
            cursor = connection.cursor()
            rows: list[tuple] = []
            for statement in statements:
                cursor.execute(statement)
                rows = list(cursor.fetchall())
            return rows
        finally:
            connection.close()

    def new_database(self) -> str:
        name = f"newsroom_pitr_{next(_names)}"
        self.sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return name

    def url(self, name: str) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{name}"


def free_port() -> int:
    # Its own, not tests.support's: bench/pitr.py uses this module without Django set up.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def available() -> bool:
    return Path(MARIADBD).exists() and shutil.which("mariadb-install-db") is not None


def start(root: Path) -> BinlogServer:
    datadir = root / "data"
    user = [] if os.geteuid() else ["--user=root"]  # mariadbd refuses to run as root otherwise
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *user,
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    socket = str(root / "mariadb.sock")
    process = subprocess.Popen(
        [
            MARIADBD,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={socket}",
            f"--log-bin={datadir}/binlog",
            "--server-id=1",
            "--binlog-format=ROW",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
            f"--log-error={root}/error.log",
            *user,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = BinlogServer(port=port, socket=socket, datadir=datadir, process=process)
    deadline = time.monotonic() + 60
    while True:
        try:
            server.sql("SELECT 1")
            return server
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (root / "error.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the test MariaDB did not start: {log}") from None
            time.sleep(0.2)


def stop(server: BinlogServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
