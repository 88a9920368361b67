"""Small S3 helpers with no Django in them: the client, content hashing,
paginated listing, batched deletes and the deploy manifest.

The endpoint and credentials come from boto3's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``~/.aws/config``, an instance
role ...), so AWS, MinIO or any S3-compatible store works the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

MANIFEST_NAME = ".deploy-manifest.json.gz"
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def make_client(service: str = "s3", pool: int = 8) -> Any:
    """A thread-safe client: retries with exponential backoff and jitter on
    throttling, 5xx answers and dropped connections (botocore's "standard"
    mode; ``AWS_MAX_ATTEMPTS`` changes the number of attempts)."""
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or 5)
    config = Config(
        retries={"mode": "standard", "max_attempts": attempts},
        max_pool_connections=pool,
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.session.Session().client(service, config=config)


class RequestCounter:
    """Counts the HTTP requests a client sends (retries included)."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        self.by_operation: dict[str, int] = {}
        self._client = client
        client.meta.events.register("before-send", self._sent)

    def close(self) -> None:
        self._client.meta.events.unregister("before-send", self._sent)

    def _sent(self, event_name: str = "", **kwargs: Any) -> None:
        self.count += 1
        name = event_name.rsplit(".", 1)[-1]  # before-send.s3.PutObject
        self.by_operation[name] = self.by_operation.get(name, 0) + 1


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no timestamp or name in the header: the same bytes every time."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def join_key(prefix: str, relative: str) -> str:
    return f"{prefix}/{relative}" if prefix else relative


def list_prefix(prefix: str) -> str:
    """What to list for a deploy prefix: ``site`` must not match ``site-old/``."""
    return f"{prefix}/" if prefix else ""


@dataclass(frozen=True)
class Listed:
    etag: str
    size: int


def list_objects(client: Any, bucket: str, prefix: str) -> dict[str, Listed]:
    """Every object under ``prefix`` (ListObjectsV2, all pages: 1,000 keys each)."""
    found: dict[str, Listed] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=list_prefix(prefix)):
        for item in page.get("Contents", ()):
            found[item["Key"]] = Listed(item["ETag"].strip('"'), item["Size"])
    return found


def delete_objects(client: Any, bucket: str, keys: Iterable[str]) -> int:
    """Delete ``keys`` in batches of 1,000; raises on the first key S3 refuses."""
    deleted = 0
    for batch in _batches(sorted(keys), DELETE_BATCH):
        response = client.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise RuntimeError(
                f"S3 refused to delete {len(errors)} objects, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
        deleted += len(batch)
    return deleted


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- The manifest ------------------------------------------------------------------
#
# ListObjectsV2 gives each key's ETag and size, not its metadata, and the ETag
# of a multipart upload is not a hash of its bytes. So each deploy keeps, under
# its prefix, key -> (fingerprint, ETag, size) for everything it uploaded or
# checked. An entry counts only while the listing shows the same ETag and size:
# an object changed behind our back is checked again (HEAD) rather than trusted.
# The manifest is also the proof that an object is ours to delete; for one not
# in it, the proof is the mark our uploads leave in its metadata.


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    etag: str
    size: int

    def vouches_for(self, listed: Listed | None) -> bool:
        return listed is not None and listed.etag == self.etag and listed.size == self.size


@dataclass
class Manifest:
    """What the last deploy knew: the objects it uploaded or checked (ours),
    and the objects under the prefix it found were not ours (``foreign``,
    with the ETag and size they had), so neither is asked about again while
    the listing shows them unchanged."""

    objects: dict[str, Entry] = field(default_factory=dict)
    foreign: dict[str, Listed] = field(default_factory=dict)

    def copy(self) -> Manifest:
        return Manifest(dict(self.objects), dict(self.foreign))


def read_manifest(client: Any, bucket: str, key: str) -> Manifest:
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return Manifest()
        raise
    try:
        raw = json.loads(gzip.decompress(response["Body"].read()))
        return Manifest(
            {k: Entry(v[0], v[1], int(v[2])) for k, v in raw["objects"].items()},
            {k: Listed(v[0], int(v[1])) for k, v in raw.get("foreign", {}).items()},
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return Manifest()  # unreadable: every object is checked with HEAD once, then rewritten


def manifest_bytes(manifest: Manifest) -> bytes:
    objects = {k: [e.fingerprint, e.etag, e.size] for k, e in sorted(manifest.objects.items())}
    foreign = {k: [f.etag, f.size] for k, f in sorted(manifest.foreign.items())}
    return gzip_bytes(json.dumps({"version": 1, "objects": objects, "foreign": foreign}).encode())


def write_manifest(client: Any, bucket: str, key: str, manifest: Manifest) -> None:
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=manifest_bytes(manifest),
        ContentType="application/gzip",
        CacheControl="no-store",
    )
