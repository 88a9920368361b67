"""What the backup tests share: the live database, the bucket's keys, a
fingerprint of every table, and a backup cloned to another date."""

from __future__ import annotations

import hashlib
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection

from publisher.backups.config import Database
from publisher.backups.keys import backup_key, manifest_key
from publisher.backups.manifest import Manifest

ROOT = Path(__file__).resolve().parents[3]


def live_db() -> Database:
    return Database.from_settings_dict(connection.settings_dict)


def keys(s3: Any) -> list[str]:
    listing = s3.client.list_objects_v2(Bucket=s3.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def backup_keys(s3: Any) -> list[str]:
    return [key for key in keys(s3) if not key.endswith(".manifest.json")]


def fingerprints() -> dict[str, Any]:
    """Every table's contents as one value: CHECKSUM TABLE on MariaDB, a hash of
    its sorted rows on SQLite."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "mysql":
            cursor.execute("CHECKSUM TABLE " + ", ".join(f"`{t}`" for t in tables))
            return {name.split(".", 1)[1]: checksum for name, checksum in cursor.fetchall()}
        result = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (a table name we listed)
            rows = sorted(repr(row) for row in cursor.fetchall())
            result[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return result


def leftovers() -> list[str]:
    """Scratch databases or files a restore or backup left behind (there must be none)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES")
            return [db for (db,) in cursor.fetchall() if db.startswith(f"{name[:40]}_backup_")]
    folder = Path(name).parent
    return sorted(
        p.name for p in folder.glob(".*.sqlite3*") if p.name.startswith((".backup-", ".restore-"))
    )


def drop_tables(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def manage_env(subprocess_env: dict[str, str], s3: Any, **extra: str) -> dict[str, str]:
    """The environment for manage.py in a subprocess: test database, test bucket."""
    env = dict(subprocess_env)
    env.update(
        BACKUP_S3_BUCKET=s3.bucket,
        BACKUP_S3_PREFIX="backups",
        AWS_ENDPOINT_URL=s3.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    env.update(extra)
    return env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: nothing listens


def read_object(s3: Any, key: str) -> bytes:
    return s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()


def put_object(s3: Any, key: str, body: bytes) -> None:
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body)


def clone_backup(s3: Any, key: str, when: datetime) -> str:
    """A copy of the real backup at ``key``, as if it had been taken ``when``."""
    db = live_db()
    new = backup_key("backups", db.label, db.engine, when)
    s3.client.copy_object(Bucket=s3.bucket, Key=new, CopySource={"Bucket": s3.bucket, "Key": key})
    manifest = Manifest.from_json(read_object(s3, manifest_key(key)))
    manifest.key, manifest.created_at = new, when.isoformat()
    put_object(s3, manifest_key(new), manifest.to_json())
    return new
