"""The MySQL/MariaDB side: credentials in a 0600 option file (never on argv,
where ``ps`` shows them), the dump and client programs and their commands, the
running dump, and a connection."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publisher.backups.config import Database
from publisher.backups.errors import BackupError
from publisher.backups.stream import READ_SIZE


def _option_value(value: str) -> str:
    # Option files take double-quoted values with backslash escapes, so any
    # password survives: quotes, backslashes, '#', spaces.
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def option_file_text(db: Database) -> str:
    lines = []
    if db.include_file:
        lines.append(f"!include {db.include_file}")
    lines.append("[client]")
    for name, value in (
        ("user", db.user),
        ("password", db.password),
        ("host", db.host),
        ("socket", db.socket),
    ):
        if value:
            lines.append(f"{name}={_option_value(value)}")
    if db.port:
        lines.append(f"port={db.port}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def option_file(db: Database) -> Iterator[Path]:
    """A temporary option file (mode 0600) holding the credentials, removed afterwards."""
    handle, path = tempfile.mkstemp(prefix="newsroom-backup-", suffix=".cnf")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(option_file_text(db))
        yield Path(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@dataclass(frozen=True)
class DumpTool:
    path: str
    flavor: str  # "mariadb" or "mysql"
    version: tuple[int, ...]
    banner: str


def parse_dump_tool(path: str, banner: str) -> DumpTool:
    """Which dump program ``banner`` (its ``--version`` line) describes."""
    flavor = "mariadb" if "mariadb" in banner.lower() else "mysql"
    match = re.search(r"Distrib (\d+)\.(\d+)\.(\d+)", banner) or re.search(
        r"Ver (\d+)\.(\d+)\.(\d+)", banner
    )
    version = tuple(int(part) for part in match.groups()) if match else ()
    return DumpTool(path=path, flavor=flavor, version=version, banner=banner.strip())


def find_dump_tool() -> DumpTool:
    for name in ("mariadb-dump", "mysqldump"):
        path = shutil.which(name)
        if path:
            banner = subprocess.run(
                [path, "--version"], capture_output=True, text=True, check=False
            ).stdout
            return parse_dump_tool(path, banner)
    raise BackupError(
        "neither mariadb-dump nor mysqldump is installed: install the MariaDB or MySQL "
        "client tools (Debian: apt-get install mariadb-client)."
    )


def find_client(tool: DumpTool) -> str:
    names = ("mariadb", "mysql") if tool.flavor == "mariadb" else ("mysql", "mariadb")
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise BackupError("neither the mariadb nor the mysql client is installed.")


def dump_command(
    tool: DumpTool, options: Path, database: str, *, binlog: bool = False
) -> list[str]:
    """The dump's argv: credentials only through ``options``, never here.
    ``binlog``: the server logs binary logs, so the dump records its position."""
    command = [
        tool.path,
        f"--defaults-file={options}",  # must come first; the only option file read
        "--single-transaction",  # one consistent InnoDB snapshot; writers go on
        "--quick",  # rows streamed, not buffered whole in the dump's memory
        "--routines",
        "--triggers",
        "--events",
        "--hex-blob",
        "--default-character-set=utf8mb4",
        "--no-tablespaces",  # else MySQL 8 wants the PROCESS privilege
    ]
    if tool.flavor == "mysql":
        # Without it a GTID server's dump sets GTID_PURGED, which fails to load
        # into any server that has run transactions. mariadb-dump has no such flag.
        command.append("--set-gtid-purged=OFF")
        if tool.version >= (8, 0, 0):
            # MySQL 8's mysqldump reads histograms from a table MariaDB lacks.
            command.append("--column-statistics=0")
    if binlog and tool.flavor == "mariadb":
        # The snapshot's binlog file/position (a comment near the top) and GTID
        # (near the end): MariaDB reads both from the snapshot itself
        # (binlog_snapshot_file), without FLUSH TABLES WITH READ LOCK.
        command += ["--master-data=2", "--gtid"]
    # No --databases: the dump then has no CREATE DATABASE / USE, so it loads
    # into whatever database the client names (the scratch one on restore).
    command += ["--", database]
    return command


def client_command(
    client: str, options: Path, database: str, *, unlogged: bool = False
) -> list[str]:
    command = [
        client,
        f"--defaults-file={options}",
        "--default-character-set=utf8mb4",
        "--binary-mode",  # data is data: no client commands read out of the stream
    ]
    if unlogged:
        # A scratch copy is not news: kept out of the binary log (and so out
        # of the binlogs shipped to S3).
        command.append("--init-command=SET SESSION sql_log_bin=0")
    return [*command, database]


class DumpProcess:
    """The dump running with its stdout on a pipe; killed if left early."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.name = Path(command[0]).name
        # Closed in close(): the dump's messages, kept off the pipe we read.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise BackupError(f"cannot run {self.name}: {exc}") from exc
        assert self.process.stdout is not None
        self._fd = self.process.stdout.fileno()
        with contextlib.suppress(OSError, AttributeError):
            # A 1 MB pipe: fewer, larger reads, and the dump waits on us less.
            fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, READ_SIZE)

    def read(self, size: int) -> bytes:
        return os.read(self._fd, size)

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return text or "no message"

    def wait_ok(self) -> None:
        code = self.process.wait()
        if code < 0:
            raise BackupError(f"{self.name} was killed by signal {-code}")
        if code != 0:
            raise BackupError(f"{self.name} exited with status {code}: {self.stderr_text()}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> DumpProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mysql_connect(db: Database, database: str | None = None) -> Any:
    import MySQLdb

    kwargs: dict[str, Any] = {"user": db.user, "charset": "utf8mb4", "autocommit": True}
    if db.password:
        kwargs["password"] = db.password
    if db.host:
        kwargs["host"] = db.host
    if db.port:
        kwargs["port"] = db.port
    if db.socket:
        kwargs["unix_socket"] = db.socket
    if db.include_file:
        kwargs["read_default_file"] = db.include_file
    if database:
        kwargs["database"] = database
    try:
        return MySQLdb.connect(**kwargs)
    except MySQLdb.Error as exc:
        raise BackupError(f"cannot connect to MySQL at {db.where}: {exc}") from exc


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
