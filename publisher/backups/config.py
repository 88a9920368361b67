"""What to back up and where: the BACKUP_* settings and one database's connection facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.backups.errors import BackupError


@dataclass(frozen=True)
class BackupSettings:
    bucket: str
    prefix: str = "backups"
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    time_zone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Any) -> BackupSettings:
        """Read the BACKUP_* settings; refuse to run without a bucket."""
        bucket = getattr(settings, "BACKUP_S3_BUCKET", "")
        if not bucket:
            raise BackupError(
                "BACKUP_S3_BUCKET is not set: set it to the S3 bucket that keeps the "
                "database backups (boto3 reads credentials and endpoint from "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL)."
            )
        return cls(
            bucket=bucket,
            prefix=settings.BACKUP_S3_PREFIX.strip("/"),
            keep_daily=settings.BACKUP_KEEP_DAILY,
            keep_weekly=settings.BACKUP_KEEP_WEEKLY,
            keep_monthly=settings.BACKUP_KEEP_MONTHLY,
            time_zone=settings.TIME_ZONE,
        )


@dataclass(frozen=True)
class Database:
    """Connection facts for one database, taken from Django's settings dict."""

    engine: str  # "mysql" or "sqlite"
    name: str  # the MySQL database, or the SQLite file's path
    host: str = ""
    port: int | None = None
    user: str = ""
    password: str = field(default="", repr=False)
    socket: str = ""
    include_file: str = ""  # OPTIONS["read_default_file"], read before our own options

    @classmethod
    def from_settings_dict(cls, settings_dict: dict[str, Any]) -> Database:
        engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
        if engine == "sqlite3":
            name = str(settings_dict.get("NAME") or "")
            if not name or name == ":memory:" or name.startswith("file:"):
                raise BackupError(
                    f"DATABASE_URL names an in-memory SQLite database ({name!r}); "
                    "only a database file can be backed up."
                )
            return cls(engine="sqlite", name=name)
        if engine == "mysql":
            options = settings_dict.get("OPTIONS") or {}
            host = str(settings_dict.get("HOST") or "")
            socket = str(options.get("unix_socket") or "")
            if host.startswith("/"):  # Django's way of naming a socket
                socket, host = host, ""
            port = settings_dict.get("PORT")
            return cls(
                engine="mysql",
                name=settings_dict["NAME"],
                host=host,
                port=int(port) if port else None,
                user=str(settings_dict.get("USER") or ""),
                password=str(settings_dict.get("PASSWORD") or ""),
                socket=socket,
                include_file=str(options.get("read_default_file") or ""),
            )
        raise BackupError(
            f"backups support MySQL/MariaDB and SQLite, not {settings_dict['ENGINE']}."
        )

    @property
    def label(self) -> str:
        """The name in backup keys: the MySQL database, or the SQLite file's stem."""
        return Path(self.name).stem if self.engine == "sqlite" else self.name

    @property
    def where(self) -> str:
        if self.engine == "sqlite":
            return self.name
        server = self.socket or f"{self.host or 'localhost'}:{self.port or 3306}"
        return f"{server}/{self.name}"


def human_size(n: float) -> str:
    """1,234,567 -> '1.2 MB' (decimal units, as S3 consoles show them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
